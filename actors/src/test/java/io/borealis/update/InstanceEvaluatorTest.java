package io.borealis.update;

import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.FINISHED;
import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.model.ScheduleStatus.KILLING;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static io.borealis.model.ScheduleStatus.STARTING;
import static io.borealis.update.InstanceEvaluator.Result.ADD;
import static io.borealis.update.InstanceEvaluator.Result.EVALUATE_ON_STATE_CHANGE;
import static io.borealis.update.InstanceEvaluator.Result.KILL;
import static io.borealis.update.InstanceEvaluator.Result.KILL_AND_RESERVE;
import static io.borealis.update.InstanceEvaluator.Result.SUCCEEDED;
import static io.borealis.update.InstanceEvaluator.Result.WATCH;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.update.InstanceEvaluator.Result;
import io.borealis.update.InstanceEvaluator.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-instance evaluator against the table of aurora-semantics §4.5. */
class InstanceEvaluatorTest {

  private static final JobKey JOB = new JobKey("role", "env", "job1");
  private static final TaskConfig OLD = TaskConfig.simple(JOB, true, Resources.of(1, 1024, 1024));
  private static final TaskConfig NEW = OLD.withMaxTaskFailures(-1);
  private static final TaskConfig BIGGER =
      TaskConfig.simple(JOB, true, Resources.of(2, 1024, 1024));
  private static final Duration WATCH_TIME = Duration.ofSeconds(2);
  private static final Instant NOW = Instant.ofEpochSecond(100);

  private static ObservedTask task(TaskConfig config, ScheduleStatus status, boolean killedBefore) {
    return new ObservedTask(
        "t", status, config, NOW.minusSeconds(1), killedBefore, Optional.empty());
  }

  private static Verdict eval(Optional<TaskConfig> target, Optional<ObservedTask> task) {
    return InstanceEvaluator.evaluate(target, task, 0, WATCH_TIME, 0, NOW);
  }

  private static Result result(TaskConfig target, ObservedTask task) {
    return eval(Optional.ofNullable(target), Optional.ofNullable(task)).result();
  }

  @Test
  void anInstanceToRemoveIsKilledUnlessGoneOrBeingKilled() {
    assertThat(result(null, null)).isEqualTo(SUCCEEDED);
    assertThat(result(null, task(OLD, RUNNING, false))).isEqualTo(KILL);
    assertThat(result(null, task(OLD, PENDING, false))).isEqualTo(KILL);
    assertThat(result(null, task(OLD, KILLING, true))).isEqualTo(EVALUATE_ON_STATE_CHANGE);
    assertThat(result(null, task(OLD, KILLED, true))).isEqualTo(SUCCEEDED);
    // Failed on its own: it will be rescheduled, so wait for the new task.
    assertThat(result(null, task(OLD, FAILED, false))).isEqualTo(EVALUATE_ON_STATE_CHANGE);
  }

  @Test
  void anInstanceWithoutALiveTaskGetsOneAdded() {
    assertThat(result(NEW, null)).isEqualTo(ADD);
    assertThat(result(NEW, task(OLD, KILLED, true))).isEqualTo(ADD);
    assertThat(result(NEW, task(OLD, FINISHED, true))).isEqualTo(ADD);
    assertThat(result(NEW, task(NEW, KILLED, true))).isEqualTo(ADD);
  }

  @Test
  void theRightConfigSucceedsOnlyAfterRunningForTheWatchTime() {
    ObservedTask since2s =
        new ObservedTask("t", RUNNING, NEW, NOW.minusSeconds(2), false, Optional.empty());
    assertThat(eval(Optional.of(NEW), Optional.of(since2s)).result()).isEqualTo(SUCCEEDED);
    Verdict young = eval(Optional.of(NEW), Optional.of(task(NEW, RUNNING, false)));
    assertThat(young.result()).isEqualTo(WATCH);
    assertThat(young.wakeAt()).hasValue(NOW.plus(WATCH_TIME));
    assertThat(result(NEW, task(NEW, STARTING, false))).isEqualTo(EVALUATE_ON_STATE_CHANGE);
    assertThat(result(NEW, task(NEW, PENDING, false))).isEqualTo(EVALUATE_ON_STATE_CHANGE);
    assertThat(result(NEW, task(NEW, KILLING, true))).isEqualTo(EVALUATE_ON_STATE_CHANGE);
  }

  @Test
  void failuresOfTheNewTaskCountAndFailTheInstanceStrictlyAboveTheLimit() {
    Optional<ObservedTask> failed = Optional.of(task(NEW, FAILED, false));
    Verdict first = InstanceEvaluator.evaluate(Optional.of(NEW), failed, 0, WATCH_TIME, 0, NOW);
    assertThat(first.result()).isEqualTo(Result.FAILED);
    assertThat(first.failures()).isEqualTo(1);
    Verdict tolerated = InstanceEvaluator.evaluate(Optional.of(NEW), failed, 0, WATCH_TIME, 1, NOW);
    assertThat(tolerated.result()).isEqualTo(EVALUATE_ON_STATE_CHANGE);
    assertThat(tolerated.failures()).isEqualTo(1);
    Verdict second = InstanceEvaluator.evaluate(Optional.of(NEW), failed, 1, WATCH_TIME, 1, NOW);
    assertThat(second.result()).isEqualTo(Result.FAILED);
    assertThat(second.failures()).isEqualTo(2);
    assertThat(result(NEW, task(NEW, FINISHED, false))).isEqualTo(Result.FAILED);
  }

  @Test
  void anotherConfigIsKilledWhenKillableReservingTheAgentWhenTheNewOneFits() {
    assertThat(result(NEW, task(OLD, RUNNING, false))).isEqualTo(KILL_AND_RESERVE);
    assertThat(result(BIGGER, task(OLD, RUNNING, false))).isEqualTo(KILL);
    assertThat(result(NEW, task(OLD, PENDING, false))).isEqualTo(KILL_AND_RESERVE);
    assertThat(result(NEW, task(OLD, KILLING, true))).isEqualTo(EVALUATE_ON_STATE_CHANGE);
    // Failed on its own with the old config: rescheduled, then killed.
    assertThat(result(NEW, task(OLD, FAILED, false))).isEqualTo(EVALUATE_ON_STATE_CHANGE);
    assertThat(eval(Optional.of(NEW), Optional.of(task(OLD, RUNNING, false))).kills()).isTrue();
  }
}
