package io.borealis.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobEvent;
import io.borealis.job.JobState;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The Restored events of a committed recovery, on the states they replace: every kind of instance
 * state (empty, idle, active) and every shape of restored instance (no tasks, a latest task in each
 * status, with history), and every kind of job state (empty, existing, held by an update) restored
 * or erased. The state after is the restored one, whatever was there before.
 */
class RestoredStatesTest {

  private static final JobKey JOB = new JobKey("www-data", "prod", "web");
  private static final InstanceKey I0 = new InstanceKey(JOB, 0);
  private static final TaskConfig TASK =
      TaskConfig.simple(JOB, true, Resources.of(1, 128, 128, "http"));
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static ScheduledTask task(String id, ScheduleStatus status) {
    return ScheduledTask.created(id, I0, TASK, 0, Optional.empty(), status, T0, Optional.empty());
  }

  private static List<InstanceState> instanceStatesBefore() {
    return List.of(
        new InstanceState.Empty(),
        new InstanceState.Idle(Optional.empty(), List.of(task("old", ScheduleStatus.KILLED)), "s1"),
        new InstanceState.Idle(
            Optional.of(task("ended", ScheduleStatus.FINISHED)), List.of(), "s1"),
        new InstanceState.Active(
            task("live", ScheduleStatus.RUNNING), List.of(task("old", ScheduleStatus.LOST)), "s2"));
  }

  @Test
  void aRestoredInstanceHasExactlyTheBackupsTasksWhateverItHadBefore() {
    for (InstanceState before : instanceStatesBefore()) {
      assertThat(before.apply(new InstanceEvent.InstanceRestored(I0, List.of(), T0)))
          .as("erased from %s", before)
          .isEqualTo(new InstanceState.Empty());
      for (ScheduleStatus status : ScheduleStatus.values()) {
        ScheduledTask latest = task("restored", status);
        List<ScheduledTask> history = List.of(task("older", ScheduleStatus.FAILED));
        List<ScheduledTask> tasks = new ArrayList<>(List.of(latest));
        tasks.addAll(history);
        InstanceState after = before.apply(new InstanceEvent.InstanceRestored(I0, tasks, T0));
        InstanceState expected =
            status.isActive()
                ? new InstanceState.Active(latest, history, InstanceState.RESTORED_SCHEDULE)
                : new InstanceState.Idle(
                    Optional.of(latest), history, InstanceState.RESTORED_SCHEDULE);
        assertThat(after).as("%s restored over %s", status, before).isEqualTo(expected);
        assertThat(after.find("live")).isEmpty();
      }
    }
  }

  private static JobConfiguration config(int instances) {
    return new JobConfiguration(
        JOB,
        instances,
        TASK,
        UpdateSettings.DEFAULT,
        Optional.empty(),
        CronCollisionPolicy.CANCEL_NEW);
  }

  @Test
  void aRestoredJobHasTheBackupsConfigurationNothingToScheduleAndNoUpdate() {
    JobState existing =
        new JobState.Existing(
            config(3),
            List.of(0, 1, 2),
            4,
            List.of(new JobState.ScheduleBatch("s4", TASK, List.of(2))),
            T0.plusSeconds(60),
            Optional.of("update-1"));
    List<JobState> before =
        List.of(
            new JobState.Empty(),
            existing,
            new JobState.Existing(config(1), List.of(0), 1, List.of(), T0));
    Instant created = T0.minusSeconds(3600);
    for (JobState b : before) {
      JobState restored =
          b.apply(
              new JobEvent.JobRestored(
                  JOB, Optional.of(config(2)), List.of(0, 1), Optional.of(created), T0, "r"));
      int generation = b instanceof JobState.Existing x ? x.generation() + 1 : 1;
      assertThat(restored)
          .as("restored over %s", b)
          .isEqualTo(
              new JobState.Existing(
                  config(2), List.of(0, 1), generation, List.of(), created, Optional.empty()));
      assertThat(
              b.apply(
                  new JobEvent.JobRestored(
                      JOB, Optional.empty(), List.of(), Optional.empty(), T0, "r")))
          .as("erased over %s", b)
          .isEqualTo(new JobState.Empty());
    }
  }
}
