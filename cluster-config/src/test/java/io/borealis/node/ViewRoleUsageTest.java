package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobDiff;
import io.borealis.job.JobEvent;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.persistence.ReadView;
import io.borealis.persistence.ReadView.Envelope;
import io.borealis.quota.RoleUsage;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateInstructions;
import io.borealis.update.UpdateStatus;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The quota's picture of a role, read from a view fed with real job, task and update events. */
class ViewRoleUsageTest {

  private static final JobKey WEB = new JobKey("www-data", "prod", "web");
  private static final JobKey CRON = new JobKey("www-data", "prod", "nightly");
  private static final JobKey OTHER = new JobKey("ops", "prod", "web");
  private static final TaskConfig V1 = TaskConfig.simple(WEB, true, Resources.of(1, 128, 128));
  private static final TaskConfig V2 = TaskConfig.simple(WEB, true, Resources.of(2, 256, 128));
  private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  private final ReadView view = new ReadView();
  private final Map<String, Long> sequenceNrs = new HashMap<>();

  private void apply(String pid, Object event) {
    view.applyAll(List.of(new Envelope(pid, sequenceNrs.merge(pid, 1L, Long::sum), event)));
  }

  private void job(JobKey key, int instances, TaskConfig task, Optional<String> cron) {
    JobConfiguration config =
        new JobConfiguration(
            key, instances, task, UpdateSettings.DEFAULT, cron, CronCollisionPolicy.CANCEL_NEW);
    apply(
        "Job|" + key,
        new JobEvent.JobCreated(
            key, config, cron.isPresent() ? List.of() : List.of(0), "s1", T0, "alice"));
  }

  private void task(String id, JobKey job, int instance, TaskConfig config) {
    InstanceKey key = job.instance(instance);
    ScheduledTask t =
        ScheduledTask.created(
            id, key, config, 0, Optional.empty(), ScheduleStatus.PENDING, T0, Optional.empty());
    apply("TaskInstance|" + key, new InstanceEvent.TaskCreated(key, t, "s1"));
  }

  @Test
  void readsTheRolesActiveTasksActiveUpdatesAndCronTemplates() {
    job(WEB, 2, V1, Optional.empty());
    task("t0", WEB, 0, V1);
    task("t1", WEB, 1, V1);
    job(OTHER, 1, V1, Optional.empty());
    task("o0", OTHER, 0, V1);
    job(CRON, 3, V2, Optional.of("0 2 * * *"));
    UpdateInstructions instructions =
        new UpdateInstructions(
            List.of(new JobDiff.Group(V1, List.of(0))),
            Optional.of(new JobDiff.Group(V2, List.of(0, 2))),
            UpdateSettings.DEFAULT);
    apply(
        "update|" + WEB + "/u1",
        new UpdateEvent.UpdateStarted(
            "u1",
            WEB,
            instructions,
            "alice",
            Map.of(),
            Optional.empty(),
            UpdateStatus.ROLLING_FORWARD,
            Optional.empty(),
            T0));

    RoleUsage usage = new ViewRoleUsage(view).of("www-data");

    assertThat(usage.tasks())
        .containsExactlyInAnyOrder(
            new RoleUsage.ActiveTask(WEB, 0, V1), new RoleUsage.ActiveTask(WEB, 1, V1));
    assertThat(usage.updates())
        .containsExactly(
            new RoleUsage.ActiveUpdate(
                WEB,
                List.of(new RoleUsage.Group(V1, List.of(0))),
                List.of(new RoleUsage.Group(V2, List.of(0, 2)))));
    assertThat(usage.cronJobs()).containsExactly(new RoleUsage.CronJob(CRON, V2, 3));
  }

  @Test
  void aFinishedUpdateNoLongerCounts() {
    job(WEB, 1, V1, Optional.empty());
    task("t0", WEB, 0, V1);
    String pid = "update|" + WEB + "/u1";
    apply(
        pid,
        new UpdateEvent.UpdateStarted(
            "u1",
            WEB,
            new UpdateInstructions(
                List.of(new JobDiff.Group(V1, List.of(0))),
                Optional.of(new JobDiff.Group(V2, List.of(0))),
                UpdateSettings.DEFAULT),
            "alice",
            Map.of(),
            Optional.empty(),
            UpdateStatus.ROLLING_FORWARD,
            Optional.empty(),
            T0));
    apply(
        pid,
        new UpdateEvent.StatusChanged(
            "u1",
            UpdateStatus.ROLLING_FORWARD,
            UpdateStatus.ROLLED_FORWARD,
            Optional.empty(),
            Optional.empty(),
            T0));

    assertThat(new ViewRoleUsage(view).of("www-data").updates()).isEmpty();
  }
}
