package io.borealis.task;

import static io.borealis.model.ScheduleStatus.ASSIGNED;
import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.model.ScheduleStatus.KILLING;
import static io.borealis.model.ScheduleStatus.LOST;
import static io.borealis.model.ScheduleStatus.PARTITIONED;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.RESTARTING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static io.borealis.model.ScheduleStatus.STARTING;
import static io.borealis.model.ScheduleStatus.THROTTLED;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.task.InstanceEvent.TaskCreated;
import io.borealis.task.InstanceEvent.TaskDeleted;
import io.borealis.task.InstanceEvent.TaskStateChanged;
import io.borealis.task.InstanceEvent.TasksPruned;
import io.borealis.task.InstancePlanner.Action.KillTask;
import io.borealis.task.InstancePlanner.Action.UnregisterPending;
import io.borealis.task.InstancePlanner.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The planner carries out the state machine's side effects in Aurora's order (aurora-semantics
 * §2.1): INCREMENT_FAILURES, SAVE_STATE, RESCHEDULE, TRANSITION_TO_LOST, KILL, DELETE, as events to
 * persist and actions to take.
 */
class InstancePlannerTest {

  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final InstanceKey INSTANCE = JOB.instance(3);
  private static final TaskConfig SERVICE =
      TaskConfig.simple(JOB, true, Resources.of(1, 128, 128, "http"));

  /** A batch task that is never retried (maxTaskFailures 1). */
  private static final TaskConfig BATCH =
      TaskConfig.simple(JOB, false, Resources.of(1, 128, 128)).withMaxTaskFailures(1);

  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  private static final Assignment AGENT =
      new Assignment("agent-1", "host-1.example.com", Map.of("http", 31000));
  private static final String SCHEDULE_ID = "schedule-1";
  private static final String RESCHEDULED = "Rescheduled";
  private static final String PARTITION_LOST =
      "Action performed on partitioned task, marking as LOST.";

  /** Deterministic ids: 00000000-0000-0000-0000-000000000001, …02, … */
  private static final class Uuids implements Supplier<UUID> {
    private long next = 1;

    @Override
    public UUID get() {
      return new UUID(0, next++);
    }
  }

  private static String generatedId(long n) {
    return TaskIds.of(INSTANCE, new UUID(0, n));
  }

  /** Backoff: 30 s, then doubling, capped at 5 min. */
  private static final RescheduleCalculator.Backoff BACKOFF =
      last -> last == 0 ? 30_000 : Math.min(300_000, last * 2);

  private static InstancePlanner planner(int historyPerInstance) {
    return new InstancePlanner(
        INSTANCE,
        new Uuids(),
        new RescheduleCalculator(Duration.ofMinutes(5), BACKOFF),
        historyPerInstance);
  }

  private final InstancePlanner planner = planner(10);

  // ---------------------------------------------------------------------------------------------
  // Failures and reschedules
  // ---------------------------------------------------------------------------------------------

  @Test
  void aFailedServiceIsCountedThenRescheduledAsPending() {
    ScheduledTask t1 = running("t1", SERVICE, 2, Optional.empty(), NOW.minusSeconds(3600));
    InstanceState state = active(t1);

    Plan plan = change(state, "t1", TaskState.FAILED, "Exited with status 1");

    assertThat(plan.result()).isEqualTo(StateChangeResult.SUCCESS);
    assertThat(plan.events()).hasSize(2);
    assertThat(plan.events().get(0))
        .isEqualTo(
            new TaskStateChanged(
                INSTANCE, "t1", RUNNING, FAILED, NOW, Optional.of("Exited with status 1"), 3));
    TaskCreated created = (TaskCreated) plan.events().get(1);
    ScheduledTask next = created.task();
    assertThat(created.instance()).isEqualTo(INSTANCE);
    assertThat(created.scheduleId()).isEqualTo(SCHEDULE_ID);
    assertThat(next.taskId()).isEqualTo(generatedId(1)).isNotEqualTo("t1");
    assertThat(next.ancestorId()).contains("t1");
    assertThat(next.instance()).isEqualTo(INSTANCE);
    assertThat(next.config()).isEqualTo(SERVICE);
    assertThat(next.status()).isEqualTo(PENDING);
    // failureCount is copied from the terminated task, after its increment.
    assertThat(next.failureCount()).isEqualTo(3);
    // Ports (the assignment) are cleared.
    assertThat(next.assignment()).isEmpty();
    assertThat(next.latestEvent()).isEqualTo(new TaskEvent(NOW, PENDING, Optional.of(RESCHEDULED)));
    assertThat(plan.actions()).isEmpty();

    assertThat(plan.state()).isInstanceOf(InstanceState.Active.class);
    assertThat(plan.state().latestTask()).contains(next);
    assertThat(plan.state().olderTasks())
        .singleElement()
        .satisfies(
            old -> {
              assertThat(old.taskId()).isEqualTo("t1");
              assertThat(old.status()).isEqualTo(FAILED);
              assertThat(old.failureCount()).isEqualTo(3);
            });
  }

  @Test
  void aBatchTaskAtItsFailureLimitIsCountedButNotRescheduled() {
    ScheduledTask t1 = running("t1", BATCH, 0, Optional.empty(), NOW.minusSeconds(3600));

    Plan plan = change(active(t1), "t1", TaskState.FAILED, "Exited with status 1");

    assertThat(plan.events())
        .containsExactly(
            new TaskStateChanged(
                INSTANCE, "t1", RUNNING, FAILED, NOW, Optional.of("Exited with status 1"), 1));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.state()).isInstanceOf(InstanceState.Idle.class);
    assertThat(plan.state().latestTask().map(ScheduledTask::status)).contains(FAILED);
  }

  @Test
  void aRestartedTaskThatExitsIsRescheduledWithoutAFailure() {
    // A batch task at its failure limit: a restart still brings it back (§2.3, §11.3).
    ScheduledTask t1 =
        task(
            "t1",
            BATCH,
            2,
            Optional.empty(),
            Optional.of(AGENT),
            event(NOW.minusSeconds(3600), PENDING),
            event(NOW.minusSeconds(3590), ASSIGNED),
            event(NOW.minusSeconds(3580), RUNNING),
            event(NOW.minusSeconds(5), RESTARTING));

    Plan plan = change(active(t1), "t1", TaskState.KILLED, "Killed by the agent");

    assertThat(plan.result()).isEqualTo(StateChangeResult.SUCCESS);
    assertThat(plan.events()).hasSize(2);
    assertThat(plan.events().get(0))
        .isEqualTo(
            new TaskStateChanged(
                INSTANCE, "t1", RESTARTING, KILLED, NOW, Optional.of("Killed by the agent"), 2));
    ScheduledTask next = ((TaskCreated) plan.events().get(1)).task();
    assertThat(next.ancestorId()).contains("t1");
    assertThat(next.status()).isEqualTo(PENDING);
    assertThat(next.failureCount()).isEqualTo(2);
    assertThat(next.latestEvent().message()).contains(RESCHEDULED);
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void anAssignedTaskThatIsLostIsRescheduledAndKilled() {
    ScheduledTask t1 =
        task(
            "t1",
            SERVICE,
            0,
            Optional.empty(),
            Optional.of(AGENT),
            event(NOW.minusSeconds(600), PENDING),
            event(NOW.minusSeconds(300), ASSIGNED));

    Plan plan = change(active(t1), "t1", TaskState.LOST, "Task timed out");

    // SAVE_STATE, then RESCHEDULE (events), then KILL (action).
    assertThat(plan.events()).hasSize(2);
    assertThat(plan.events().get(0))
        .isEqualTo(
            new TaskStateChanged(
                INSTANCE, "t1", ASSIGNED, LOST, NOW, Optional.of("Task timed out"), 0));
    assertThat(plan.events().get(1)).isInstanceOf(TaskCreated.class);
    assertThat(plan.actions()).containsExactly(new KillTask("t1", Optional.of("agent-1")));
  }

  // ---------------------------------------------------------------------------------------------
  // Flapping
  // ---------------------------------------------------------------------------------------------

  @Test
  void aFlappingLineageIsRescheduledAsThrottled() {
    // t1 died 10 s after it started running; t2, its reschedule, fails too.
    ScheduledTask t1 =
        task(
            "t1",
            SERVICE,
            1,
            Optional.empty(),
            Optional.of(AGENT),
            event(NOW.minusSeconds(120), PENDING),
            event(NOW.minusSeconds(119), ASSIGNED),
            event(NOW.minusSeconds(118), RUNNING),
            event(NOW.minusSeconds(108), FAILED));
    ScheduledTask t2 = running("t2", SERVICE, 1, Optional.of("t1"), NOW.minusSeconds(20));
    InstanceState state = new InstanceState.Active(t2, List.of(t1), SCHEDULE_ID);

    Plan plan = change(state, "t2", TaskState.FAILED, "Exited with status 1");

    assertThat(plan.events()).hasSize(2);
    ScheduledTask next = ((TaskCreated) plan.events().get(1)).task();
    assertThat(next.status()).isEqualTo(THROTTLED);
    assertThat(next.ancestorId()).contains("t2");
    assertThat(next.failureCount()).isEqualTo(2);
    assertThat(next.latestEvent())
        .isEqualTo(
            new TaskEvent(
                NOW, THROTTLED, Optional.of("Rescheduled, penalized for 30000 ms for flapping")));
    // The drawn penalty is kept in the task: its wait is the number the message states.
    assertThat(next.penaltyMs()).isEqualTo(30_000);
    // THROTTLED is active: the instance still has a current task.
    assertThat(plan.state()).isInstanceOf(InstanceState.Active.class);
    assertThat(plan.state().latestTask()).contains(next);
  }

  @Test
  void theFirstQuickFailureOfAFreshLineageIsNotThrottled() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(10));

    Plan plan = change(active(t1), "t1", TaskState.FAILED, "Exited with status 1");

    ScheduledTask next = ((TaskCreated) plan.events().get(1)).task();
    assertThat(next.status()).isEqualTo(PENDING);
    assertThat(next.latestEvent().message()).contains(RESCHEDULED);
  }

  @Test
  void aLongerFlappingLineageIsPenalisedLonger() {
    ScheduledTask t1 = quickFailure("t1", Optional.empty(), NOW.minusSeconds(300));
    ScheduledTask t2 = quickFailure("t2", Optional.of("t1"), NOW.minusSeconds(200));
    ScheduledTask t3 = running("t3", SERVICE, 2, Optional.of("t2"), NOW.minusSeconds(10));
    InstanceState state = new InstanceState.Active(t3, List.of(t2, t1), SCHEDULE_ID);

    Plan plan = change(state, "t3", TaskState.FAILED, "Exited with status 1");

    ScheduledTask next = ((TaskCreated) plan.events().get(1)).task();
    assertThat(next.status()).isEqualTo(THROTTLED);
    assertThat(next.latestEvent().message())
        .contains("Rescheduled, penalized for 60000 ms for flapping");
    assertThat(next.penaltyMs()).isEqualTo(60_000);
  }

  // ---------------------------------------------------------------------------------------------
  // Kills
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = ScheduleStatus.class,
      names = {"PENDING", "THROTTLED"})
  void killingAWaitingTaskDeletesIt(ScheduleStatus waiting) {
    ScheduledTask t1 =
        task(
            "t1",
            SERVICE,
            0,
            Optional.empty(),
            Optional.empty(),
            event(NOW.minusSeconds(5), waiting));

    Plan plan = change(active(t1), "t1", TaskState.KILLING, "Killed by alice");

    assertThat(plan.result()).isEqualTo(StateChangeResult.SUCCESS);
    assertThat(plan.events()).containsExactly(new TaskDeleted(INSTANCE, "t1", NOW));
    assertThat(plan.actions()).containsExactly(new UnregisterPending("t1"));
    assertThat(plan.state()).isInstanceOf(InstanceState.Idle.class);
    assertThat(plan.state().latestTask()).isEmpty();
    assertThat(plan.state().find("t1")).isEmpty();
  }

  @Test
  void killingARunningTaskSavesKillingAndSendsAKill() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(3600));

    Plan plan = change(active(t1), "t1", TaskState.KILLING, "Killed by alice");

    assertThat(plan.result()).isEqualTo(StateChangeResult.SUCCESS);
    assertThat(plan.events())
        .containsExactly(
            new TaskStateChanged(
                INSTANCE, "t1", RUNNING, KILLING, NOW, Optional.of("Killed by alice"), 0));
    assertThat(plan.actions()).containsExactly(new KillTask("t1", Optional.of("agent-1")));
    assertThat(plan.state().latestTask().map(ScheduledTask::status)).contains(KILLING);
  }

  @Test
  void aKilledTaskThatWasKillingIsNotRescheduled() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(3600));
    InstanceState killing = change(active(t1), "t1", TaskState.KILLING, "Killed by alice").state();

    Plan plan = change(killing, "t1", TaskState.KILLED, "Killed");

    assertThat(plan.events())
        .containsExactly(
            new TaskStateChanged(INSTANCE, "t1", KILLING, KILLED, NOW, Optional.of("Killed"), 0));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.state()).isInstanceOf(InstanceState.Idle.class);
  }

  @Test
  void killingAPartitionedTaskMarksItLostWithoutRescheduling() {
    ScheduledTask t1 = partitioned("t1");

    Plan plan = change(active(t1), "t1", TaskState.KILLING, "Killed by alice");

    assertThat(plan.result()).isEqualTo(StateChangeResult.SUCCESS);
    // PARTITIONED→KILLING {SAVE, TRANSITION_TO_LOST}; the follow-up KILLING→LOST is {SAVE}.
    assertThat(plan.events())
        .containsExactly(
            new TaskStateChanged(
                INSTANCE, "t1", PARTITIONED, KILLING, NOW, Optional.of("Killed by alice"), 0),
            new TaskStateChanged(
                INSTANCE, "t1", KILLING, LOST, NOW, Optional.of(PARTITION_LOST), 0));
    assertThat(plan.events()).noneMatch(e -> e instanceof TaskCreated);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.state()).isInstanceOf(InstanceState.Idle.class);
    assertThat(plan.state().latestTask().map(ScheduledTask::status)).contains(LOST);
  }

  @Test
  void restartingAPartitionedTaskMarksItLostAndReschedulesIt() {
    ScheduledTask t1 = partitioned("t1");

    Plan plan = change(active(t1), "t1", TaskState.RESTARTING, "Restarted by alice");

    // PARTITIONED→RESTARTING {SAVE, TRANSITION_TO_LOST}; RESTARTING→LOST {SAVE, RESCHEDULE, KILL}.
    assertThat(plan.events()).hasSize(3);
    assertThat(plan.events().get(0))
        .isEqualTo(
            new TaskStateChanged(
                INSTANCE,
                "t1",
                PARTITIONED,
                RESTARTING,
                NOW,
                Optional.of("Restarted by alice"),
                0));
    assertThat(plan.events().get(1))
        .isEqualTo(
            new TaskStateChanged(
                INSTANCE, "t1", RESTARTING, LOST, NOW, Optional.of(PARTITION_LOST), 0));
    ScheduledTask next = ((TaskCreated) plan.events().get(2)).task();
    assertThat(next.ancestorId()).contains("t1");
    assertThat(next.status()).isEqualTo(PENDING);
    assertThat(plan.actions()).containsExactly(new KillTask("t1", Optional.of("agent-1")));
  }

  @Test
  void aKillingTaskThatIsPartitionedIsLostAndKilledButNotRescheduled() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(3600));
    InstanceState killing = change(active(t1), "t1", TaskState.KILLING, "Killed by alice").state();

    Plan plan = change(killing, "t1", TaskState.PARTITIONED, "Agent unreachable");

    // KILLING→PARTITIONED {SAVE, TRANSITION_TO_LOST}; PARTITIONED→LOST with KILLING in history
    // is {SAVE, KILL}.
    assertThat(plan.events())
        .containsExactly(
            new TaskStateChanged(
                INSTANCE, "t1", KILLING, PARTITIONED, NOW, Optional.of("Agent unreachable"), 0),
            new TaskStateChanged(
                INSTANCE, "t1", PARTITIONED, LOST, NOW, Optional.of(PARTITION_LOST), 0));
    assertThat(plan.actions()).containsExactly(new KillTask("t1", Optional.of("agent-1")));
  }

  // ---------------------------------------------------------------------------------------------
  // Zombies, CAS and no-ops
  // ---------------------------------------------------------------------------------------------

  @Test
  void aStatusForAnUnknownTaskOnlyKillsIt() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(3600));
    InstanceState state = active(t1);

    Plan plan =
        planner.changeState(
            state,
            "ghost",
            Optional.empty(),
            TaskState.RUNNING,
            Optional.empty(),
            NOW,
            Optional.of("agent-9"));

    assertThat(plan.result()).isEqualTo(StateChangeResult.ILLEGAL_WITH_SIDE_EFFECTS);
    assertThat(plan.events()).isEmpty();
    assertThat(plan.actions()).containsExactly(new KillTask("ghost", Optional.of("agent-9")));
    assertThat(plan.state()).isEqualTo(state);
  }

  @Test
  void aRestartingTaskReportedRunningIsKilledAgain() {
    ScheduledTask t1 =
        task(
            "t1",
            SERVICE,
            0,
            Optional.empty(),
            Optional.of(AGENT),
            event(NOW.minusSeconds(60), PENDING),
            event(NOW.minusSeconds(50), ASSIGNED),
            event(NOW.minusSeconds(40), RUNNING),
            event(NOW.minusSeconds(5), RESTARTING));

    Plan plan = change(active(t1), "t1", TaskState.RUNNING, "Running");

    assertThat(plan.result()).isEqualTo(StateChangeResult.ILLEGAL_WITH_SIDE_EFFECTS);
    assertThat(plan.events()).isEmpty();
    assertThat(plan.actions()).containsExactly(new KillTask("t1", Optional.of("agent-1")));
  }

  @Test
  void aFailedCompareAndSetChangesNothing() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(3600));
    InstanceState state = active(t1);

    Plan plan =
        planner.changeState(
            state,
            "t1",
            Optional.of(ASSIGNED),
            TaskState.LOST,
            Optional.of("Task timed out"),
            NOW,
            Optional.empty());

    assertThat(plan.result()).isEqualTo(StateChangeResult.INVALID_CAS_STATE);
    assertThat(plan.events()).isEmpty();
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.state()).isEqualTo(state);
  }

  @Test
  void aCompareAndSetOnAnUnknownTaskChangesNothing() {
    Plan plan =
        planner.changeState(
            new InstanceState.Empty(),
            "ghost",
            Optional.of(RUNNING),
            TaskState.RUNNING,
            Optional.empty(),
            NOW,
            Optional.of("agent-9"));

    assertThat(plan.result()).isEqualTo(StateChangeResult.INVALID_CAS_STATE);
    assertThat(plan.events()).isEmpty();
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void aTransitionToTheCurrentStatusIsANoop() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(3600));
    InstanceState state = active(t1);

    Plan plan = change(state, "t1", TaskState.RUNNING, "Running");

    assertThat(plan.result()).isEqualTo(StateChangeResult.NOOP);
    assertThat(plan.events()).isEmpty();
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.state()).isEqualTo(state);
  }

  // ---------------------------------------------------------------------------------------------
  // History
  // ---------------------------------------------------------------------------------------------

  @Test
  void historyBeyondTheLimitIsPrunedOldestFirst() {
    InstancePlanner keepsTwo = planner(2);
    ScheduledTask t1 = ranLong("t1", Optional.empty(), NOW.minusSeconds(30_000));
    ScheduledTask t2 = ranLong("t2", Optional.of("t1"), NOW.minusSeconds(20_000));
    ScheduledTask t3 = running("t3", SERVICE, 2, Optional.of("t2"), NOW.minusSeconds(3600));
    InstanceState state = new InstanceState.Active(t3, List.of(t2, t1), SCHEDULE_ID);

    Plan plan =
        keepsTwo.changeState(
            state,
            "t3",
            Optional.empty(),
            TaskState.FAILED,
            Optional.of("Exited with status 1"),
            NOW,
            Optional.empty());

    assertThat(plan.events()).hasSize(3);
    assertThat(plan.events().get(0)).isInstanceOf(TaskStateChanged.class);
    assertThat(plan.events().get(1)).isInstanceOf(TaskCreated.class);
    assertThat(plan.events().get(2)).isEqualTo(new TasksPruned(INSTANCE, List.of("t1")));
    assertThat(plan.state().olderTasks())
        .extracting(ScheduledTask::taskId)
        .containsExactly("t3", "t2");
    assertThat(plan.state().latestTask().map(ScheduledTask::taskId)).contains(generatedId(1));
  }

  @Test
  void historyWithinTheLimitIsKept() {
    ScheduledTask t1 = ranLong("t1", Optional.empty(), NOW.minusSeconds(30_000));
    ScheduledTask t2 = running("t2", SERVICE, 1, Optional.of("t1"), NOW.minusSeconds(3600));
    InstanceState state = new InstanceState.Active(t2, List.of(t1), SCHEDULE_ID);

    Plan plan =
        planner(2)
            .changeState(
                state,
                "t2",
                Optional.empty(),
                TaskState.FAILED,
                Optional.empty(),
                NOW,
                Optional.empty());

    assertThat(plan.events()).noneMatch(e -> e instanceof TasksPruned);
    assertThat(plan.state().olderTasks())
        .extracting(ScheduledTask::taskId)
        .containsExactly("t2", "t1");
  }

  @Test
  void pruningDropsOnlyEndedTasksOfTheHistory() {
    ScheduledTask t1 = ranLong("t1", Optional.empty(), NOW.minusSeconds(30_000));
    ScheduledTask t2 = ranLong("t2", Optional.of("t1"), NOW.minusSeconds(20_000));
    ScheduledTask t3 = running("t3", SERVICE, 2, Optional.of("t2"), NOW.minusSeconds(3600));
    InstanceState state = new InstanceState.Active(t3, List.of(t2, t1), SCHEDULE_ID);

    // The current task and unknown ids are not pruned.
    Plan plan = planner.prune(state, List.of("t1", "t3", "unknown"));

    assertThat(plan.events()).containsExactly(new TasksPruned(INSTANCE, List.of("t1")));
    assertThat(plan.state().olderTasks()).extracting(ScheduledTask::taskId).containsExactly("t2");
    assertThat(plan.state().latestTask()).contains(t3);
    // Again: nothing left to prune, nothing to persist.
    assertThat(planner.prune(plan.state(), List.of("t1")).events()).isEmpty();
  }

  @Test
  void successiveReschedulesGetDistinctIds() {
    ScheduledTask t1 = running("t1", SERVICE, 0, Optional.empty(), NOW.minusSeconds(3600));
    Plan first = change(active(t1), "t1", TaskState.KILLED, "Killed");
    String second = first.state().latestTask().orElseThrow().taskId();
    List<String> ids = new ArrayList<>(List.of("t1", second));

    // Move the new task to RUNNING through the planner, then lose it.
    InstanceState s = planner.assign(first.state(), second, AGENT, NOW.plusSeconds(1)).state();
    s = change(s, second, TaskState.RUNNING, "Running", NOW.plusSeconds(2)).state();
    s = change(s, second, TaskState.LOST, "Agent lost", NOW.plusSeconds(3600)).state();
    ids.add(s.latestTask().orElseThrow().taskId());

    assertThat(ids).doesNotHaveDuplicates();
    assertThat(ids.subList(1, 3)).containsExactly(generatedId(1), generatedId(2));
    assertThat(s.latestTask().orElseThrow().ancestorId()).contains(second);
  }

  // ---------------------------------------------------------------------------------------------
  // Fixtures
  // ---------------------------------------------------------------------------------------------

  private Plan change(InstanceState state, String taskId, TaskState target, String message) {
    return change(state, taskId, target, message, NOW);
  }

  private Plan change(
      InstanceState state, String taskId, TaskState target, String message, Instant at) {
    return planner.changeState(
        state, taskId, Optional.empty(), target, Optional.of(message), at, Optional.empty());
  }

  private static InstanceState active(ScheduledTask current) {
    return new InstanceState.Active(current, List.of(), SCHEDULE_ID);
  }

  private static TaskEvent event(Instant at, ScheduleStatus status) {
    return new TaskEvent(at, status, Optional.empty());
  }

  private static ScheduledTask task(
      String id,
      TaskConfig config,
      int failures,
      Optional<String> ancestor,
      Optional<Assignment> assignment,
      TaskEvent... events) {
    return new ScheduledTask(
        id,
        INSTANCE,
        config,
        events[events.length - 1].status(),
        failures,
        0,
        ancestor,
        assignment,
        List.of(events));
  }

  /** A task placed on {@link #AGENT} and RUNNING since {@code since}. */
  private static ScheduledTask running(
      String id, TaskConfig config, int failures, Optional<String> ancestor, Instant since) {
    return task(
        id,
        config,
        failures,
        ancestor,
        Optional.of(AGENT),
        event(since.minusSeconds(3), PENDING),
        event(since.minusSeconds(2), ASSIGNED),
        event(since.minusSeconds(1), STARTING),
        event(since, RUNNING));
  }

  private static ScheduledTask partitioned(String id) {
    return task(
        id,
        SERVICE,
        0,
        Optional.empty(),
        Optional.of(AGENT),
        event(NOW.minusSeconds(3600), PENDING),
        event(NOW.minusSeconds(3590), ASSIGNED),
        event(NOW.minusSeconds(3580), RUNNING),
        event(NOW.minusSeconds(60), PARTITIONED));
  }

  /** A service task that failed 10 s after it started running at {@code started}. */
  private static ScheduledTask quickFailure(String id, Optional<String> ancestor, Instant started) {
    return task(
        id,
        SERVICE,
        1,
        ancestor,
        Optional.of(AGENT),
        event(started.minusSeconds(2), PENDING),
        event(started.minusSeconds(1), ASSIGNED),
        event(started, RUNNING),
        event(started.plusSeconds(10), FAILED));
  }

  /** A service task that ran for an hour from {@code started}, then failed. */
  private static ScheduledTask ranLong(String id, Optional<String> ancestor, Instant started) {
    return task(
        id,
        SERVICE,
        1,
        ancestor,
        Optional.of(AGENT),
        event(started.minusSeconds(2), PENDING),
        event(started.minusSeconds(1), ASSIGNED),
        event(started, RUNNING),
        event(started.plusSeconds(3600), FAILED));
  }
}
