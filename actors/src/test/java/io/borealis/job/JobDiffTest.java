package io.borealis.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobDiff.Group;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The job diff (aurora-semantics §4.2) on small running jobs and proposals. */
class JobDiffTest {

  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final TaskConfig OLD = TaskConfig.simple(JOB, true, Resources.of(1, 128, 128));
  private static final TaskConfig OLDER = TaskConfig.simple(JOB, true, Resources.of(1, 64, 128));
  private static final TaskConfig NEW = TaskConfig.simple(JOB, true, Resources.of(2, 256, 128));

  private static JobConfiguration proposed(int instances, TaskConfig task) {
    return new JobConfiguration(
        JOB,
        instances,
        task,
        UpdateSettings.DEFAULT,
        Optional.empty(),
        CronCollisionPolicy.KILL_EXISTING);
  }

  private static Group group(TaskConfig config, Integer... ids) {
    return new Group(config, List.of(ids));
  }

  @Test
  void aJobWithNothingRunningAddsEveryInstance() {
    JobDiff diff = JobDiff.of(Map.of(), proposed(3, NEW));

    assertThat(diff)
        .isEqualTo(new JobDiff(List.of(group(NEW, 0, 1, 2)), List.of(), List.of(), List.of()));
    assertThat(diff.isNoOp()).isFalse();
  }

  @Test
  void theSameConfigurationChangesNothing() {
    JobDiff diff = JobDiff.of(Map.of(0, OLD, 1, OLD), proposed(2, OLD));

    assertThat(diff)
        .isEqualTo(new JobDiff(List.of(), List.of(), List.of(), List.of(group(OLD, 0, 1))));
    assertThat(diff.isNoOp()).isTrue();
  }

  @Test
  void instancesAreClassifiedAndGroupedByConfiguration() {
    // Running 0-1 OLD, 2 NEW, 4 OLDER and 5 OLD (3 has ended); proposed: 4 instances of NEW.
    Map<Integer, TaskConfig> active = Map.of(0, OLD, 1, OLD, 2, NEW, 4, OLDER, 5, OLD);

    JobDiff diff = JobDiff.of(active, proposed(4, NEW));

    assertThat(diff.add()).containsExactly(group(NEW, 3));
    // What leaves is grouped by what it runs.
    assertThat(diff.remove()).containsExactly(group(OLDER, 4), group(OLD, 5));
    // What changes is grouped by what it will run.
    assertThat(diff.update()).containsExactly(group(NEW, 0, 1));
    assertThat(diff.unchanged()).containsExactly(group(NEW, 2));
  }

  @Test
  void aScopeLimitsTheChangesAndLeavesTheRestUnchanged() {
    Map<Integer, TaskConfig> active = Map.of(0, OLD, 1, OLD, 2, OLD);

    // Grow to 5 and change the config, but only for instances 1 and 4.
    JobDiff diff = JobDiff.of(active, proposed(5, NEW), Set.of(1, 4));

    assertThat(diff.add()).containsExactly(group(NEW, 4));
    assertThat(diff.update()).containsExactly(group(NEW, 1));
    assertThat(diff.remove()).isEmpty();
    // 0 and 2 keep what they run; 3 (proposed, running nothing, out of scope) is not mentioned.
    assertThat(diff.unchanged()).containsExactly(group(OLD, 0, 2));
  }

  @Test
  void aScopeMayOnlyNameRunningOrProposedInstances() {
    Map<Integer, TaskConfig> active = Map.of(0, OLD, 7, OLD);

    assertThat(JobDiff.outOfScope(active, proposed(2, NEW), Set.of(0, 1, 5, 7, 9)))
        .containsExactly(5, 9);
    assertThat(JobDiff.outOfScope(active, proposed(2, NEW), Set.of())).isEmpty();
  }
}
