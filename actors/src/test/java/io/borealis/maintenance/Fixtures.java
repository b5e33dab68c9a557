package io.borealis.maintenance;

import io.borealis.model.Assignment;
import io.borealis.model.JobKey;
import io.borealis.model.PartitionPolicy;
import io.borealis.model.ProcessConfig;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Tasks on hosts, for the maintenance tests. */
final class Fixtures {

  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  private Fixtures() {}

  /** A clock the test moves by hand. */
  static final class TestClock extends java.time.Clock {
    private final java.util.concurrent.atomic.AtomicReference<Instant> now;

    TestClock(Instant start) {
      this.now = new java.util.concurrent.atomic.AtomicReference<>(start);
    }

    void advance(java.time.Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  /** A job's task config; production jobs are in the preferred tier. */
  static TaskConfig config(JobKey job, boolean production, Optional<SlaPolicy> sla) {
    return new TaskConfig(
        job,
        job.name(),
        true,
        production ? "preferred" : "preemptible",
        production,
        0,
        1,
        Resources.of(1, 128, 128),
        List.of(new ProcessConfig("main", "sleep 3600", 1, false, false, 0, false, Map.of())),
        List.of(),
        Map.of(),
        Optional.empty(),
        PartitionPolicy.DEFAULT,
        sla,
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  /** Instance {@code instance} of the config's job, in {@code status} since {@code since}. */
  static ScheduledTask task(
      TaskConfig config, int instance, String host, ScheduleStatus status, Instant since) {
    List<TaskEvent> events = new ArrayList<>();
    events.add(new TaskEvent(since.minusSeconds(10), ScheduleStatus.PENDING, Optional.empty()));
    events.add(new TaskEvent(since, status, Optional.empty()));
    return new ScheduledTask(
        config.job().name() + "-" + instance + "-" + host,
        config.job().instance(instance),
        config,
        status,
        0,
        0,
        Optional.empty(),
        Optional.of(new Assignment("agent-" + host, host, Map.of())),
        events);
  }
}
