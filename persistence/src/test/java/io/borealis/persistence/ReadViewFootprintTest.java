package io.borealis.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobEvent;
import io.borealis.model.Assignment;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures the view's heap per task with 100,000 running tasks (1,000 jobs of 100 instances, each
 * task created, assigned, starting and running, every event a fresh copy as the journal would
 * deserialize it), and the time to save and load its snapshot. Prints the numbers, and fails when a
 * task costs more than the bound below.
 */
class ReadViewFootprintTest {

  static final int JOBS = 1_000;
  static final int INSTANCES = 100;

  /** Bytes of heap per running task with its four events; measured about 1.3 KB. */
  static final long BOUND_PER_TASK = 2_000;

  @Test
  void aRunningTaskCostsLessThanTheBoundAndItsSnapshotIsQuick(@TempDir Path dir) throws Exception {
    long empty = usedAfterGc();
    ReadView view = new ReadView(new ChangeLog(10, 10, "footprint"));
    Instant t0 = Instant.parse("2024-05-01T12:00:00Z");
    long seq = 0;
    for (int j = 0; j < JOBS; j++) {
      JobKey key = new JobKey("www-data", "prod", "job" + j);
      List<ReadView.Envelope> batch = new ArrayList<>();
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        ids.add(i);
      }
      batch.add(
          new ReadView.Envelope(
              "job|" + key, 1, new JobEvent.JobCreated(key, job(key), ids, "s1", t0, "alice")));
      for (int i = 0; i < INSTANCES; i++) {
        // Fresh copies of everything, as events read from the journal are.
        InstanceKey instance = new JobKey("www-data", "prod", "job" + j).instance(i);
        String pid = "instance|" + instance;
        String task = "www-data-prod-job" + j + "-" + i + "-" + new UUID(j, i);
        String host = "agent-" + ((j * INSTANCES + i) % 5_000) + ".example.com";
        batch.add(
            new ReadView.Envelope(
                pid,
                1,
                new InstanceEvent.TaskCreated(
                    instance,
                    ScheduledTask.created(
                        task,
                        instance,
                        config(key),
                        0,
                        Optional.empty(),
                        ScheduleStatus.PENDING,
                        t0.plusMillis(seq++),
                        Optional.empty()),
                    "s1")));
        batch.add(
            new ReadView.Envelope(
                pid,
                2,
                new InstanceEvent.TaskAssigned(
                    instance,
                    task,
                    new Assignment(
                        new String(host), new String(host), Map.of(new String("http"), 31000 + i)),
                    t0.plusMillis(seq++))));
        batch.add(
            new ReadView.Envelope(
                pid,
                3,
                new InstanceEvent.TaskStateChanged(
                    instance,
                    task,
                    ScheduleStatus.ASSIGNED,
                    ScheduleStatus.STARTING,
                    t0.plusMillis(seq++),
                    Optional.of(new String("Starting")),
                    0)));
        batch.add(
            new ReadView.Envelope(
                pid,
                4,
                new InstanceEvent.TaskStateChanged(
                    instance,
                    task,
                    ScheduleStatus.STARTING,
                    ScheduleStatus.RUNNING,
                    t0.plusMillis(seq++),
                    Optional.of(new String("Running")),
                    0)));
      }
      view.applyAll(batch);
    }
    int tasks = JOBS * INSTANCES;
    assertThat(view.taskCount()).isEqualTo(tasks);
    long perTask = (usedAfterGc() - empty) / tasks;

    FileSnapshotStore store = new FileSnapshotStore(dir);
    long started = System.nanoTime();
    store.save(view.snapshot());
    long saveMs = (System.nanoTime() - started) / 1_000_000;
    long bytes = java.nio.file.Files.size(store.file());
    started = System.nanoTime();
    ReadView restored = new ReadView(new ChangeLog(10, 10, "restored"));
    restored.restore(store.load().orElseThrow());
    long loadMs = (System.nanoTime() - started) / 1_000_000;
    view = null;
    long restoredPerTask = (usedAfterGc() - empty) / tasks;

    System.out.printf(
        "read view footprint: %d tasks, %d bytes of heap per task (%d after a restore);"
            + " snapshot %d bytes (%d per task), saved in %d ms, loaded in %d ms%n",
        tasks, perTask, restoredPerTask, bytes, bytes / tasks, saveMs, loadMs);
    assertThat(restored.taskCount()).isEqualTo(tasks);
    assertThat(perTask).isLessThan(BOUND_PER_TASK);
    assertThat(restoredPerTask).isLessThan(BOUND_PER_TASK);
  }

  private static JobConfiguration job(JobKey key) {
    return new JobConfiguration(
        key,
        INSTANCES,
        config(key),
        UpdateSettings.DEFAULT,
        Optional.empty(),
        CronCollisionPolicy.CANCEL_NEW);
  }

  private static TaskConfig config(JobKey key) {
    return TaskConfig.simple(
        new JobKey(key.role(), key.environment(), key.name()),
        true,
        Resources.of(0.5, 128, 256, new String("http")));
  }

  private static long usedAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
