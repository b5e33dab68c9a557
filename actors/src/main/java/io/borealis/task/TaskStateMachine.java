package io.borealis.task;

import static io.borealis.task.SideEffect.DELETE;
import static io.borealis.task.SideEffect.INCREMENT_FAILURES;
import static io.borealis.task.SideEffect.KILL;
import static io.borealis.task.SideEffect.RESCHEDULE;
import static io.borealis.task.SideEffect.SAVE_STATE;
import static io.borealis.task.SideEffect.TRANSITION_TO_LOST;
import static io.borealis.task.TaskState.ASSIGNED;
import static io.borealis.task.TaskState.DELETED;
import static io.borealis.task.TaskState.DRAINING;
import static io.borealis.task.TaskState.FAILED;
import static io.borealis.task.TaskState.FINISHED;
import static io.borealis.task.TaskState.INIT;
import static io.borealis.task.TaskState.KILLED;
import static io.borealis.task.TaskState.KILLING;
import static io.borealis.task.TaskState.LOST;
import static io.borealis.task.TaskState.PARTITIONED;
import static io.borealis.task.TaskState.PENDING;
import static io.borealis.task.TaskState.PREEMPTING;
import static io.borealis.task.TaskState.RESTARTING;
import static io.borealis.task.TaskState.RUNNING;
import static io.borealis.task.TaskState.STARTING;
import static io.borealis.task.TaskState.THROTTLED;

import io.borealis.model.ScheduleStatus;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Aurora's task state machine (aurora-semantics §2), as a pure function: given what is known of a
 * task and a target state, it returns the verdict and the side effects to run, as data. It knows
 * nothing of actors or storage; {@link TaskInstanceEntity} persists and performs what it returns.
 */
public final class TaskStateMachine {

  /** The facts about a stored task that decide its transitions. */
  public record TaskFacts(
      ScheduleStatus status,
      boolean service,
      int maxTaskFailures,
      int failureCount,
      boolean everKilling) {}

  /** A transition's side effects, given the task's facts. */
  private interface Rule extends Function<TaskFacts, Set<SideEffect>> {}

  /** States that get a KILL when told to become ASSIGNED, STARTING or RUNNING ("zombies"). */
  private static final Set<TaskState> KILL_ON_ILLEGAL_START =
      EnumSet.of(
          PREEMPTING, RESTARTING, DRAINING, KILLING, FINISHED, FAILED, KILLED, LOST, DELETED);

  private static final Set<TaskState> STARTS = EnumSet.of(ASSIGNED, STARTING, RUNNING);

  private static final Map<TaskState, Map<TaskState, Rule>> TABLE = new EnumMap<>(TaskState.class);

  static {
    from(INIT).to(PENDING, save()).to(THROTTLED, save());
    from(THROTTLED).to(PENDING, save()).to(KILLING, effects(DELETE));
    from(PENDING).to(ASSIGNED, save()).to(KILLING, effects(DELETE));

    // ASSIGNED, STARTING and RUNNING share most of their rules.
    for (TaskState s : new TaskState[] {ASSIGNED, STARTING, RUNNING}) {
      Edges e = from(s);
      e.to(FINISHED, f -> f.service() ? Set.of(SAVE_STATE, RESCHEDULE) : Set.of(SAVE_STATE))
          .to(FAILED, TaskStateMachine::failure)
          .to(RESTARTING, effects(SAVE_STATE, KILL))
          .to(DRAINING, effects(SAVE_STATE, KILL))
          .to(PREEMPTING, effects(SAVE_STATE, KILL))
          .to(KILLING, effects(SAVE_STATE, KILL))
          .to(KILLED, effects(SAVE_STATE, RESCHEDULE));
      if (s == ASSIGNED) {
        // The agent never confirmed the task: make sure it does not start behind our back.
        e.to(STARTING, save()).to(RUNNING, save()).to(LOST, effects(SAVE_STATE, RESCHEDULE, KILL));
      } else {
        e.to(LOST, effects(SAVE_STATE, RESCHEDULE)).to(PARTITIONED, save());
        if (s == STARTING) {
          e.to(RUNNING, save());
        }
      }
    }

    from(PARTITIONED)
        .to(RUNNING, save())
        .to(ASSIGNED, save())
        .to(STARTING, save())
        // A partitioned task that finishes is not rescheduled, even a service.
        .to(FINISHED, save())
        .to(FAILED, TaskStateMachine::failure)
        .to(
            LOST,
            f -> f.everKilling() ? Set.of(SAVE_STATE, KILL) : Set.of(SAVE_STATE, RESCHEDULE, KILL))
        .to(KILLING, effects(SAVE_STATE, TRANSITION_TO_LOST))
        .to(RESTARTING, effects(SAVE_STATE, TRANSITION_TO_LOST))
        .to(DRAINING, effects(SAVE_STATE, TRANSITION_TO_LOST))
        .to(PREEMPTING, effects(SAVE_STATE, TRANSITION_TO_LOST));

    // Tasks being killed on purpose to run again: always rescheduled, never counted as failures.
    for (TaskState s : new TaskState[] {PREEMPTING, RESTARTING, DRAINING}) {
      from(s)
          .to(FINISHED, effects(SAVE_STATE, RESCHEDULE))
          .to(FAILED, effects(SAVE_STATE, RESCHEDULE))
          .to(KILLED, effects(SAVE_STATE, RESCHEDULE))
          .to(KILLING, save())
          .to(LOST, effects(SAVE_STATE, RESCHEDULE, KILL))
          .to(PARTITIONED, effects(SAVE_STATE, TRANSITION_TO_LOST));
    }

    // KILLING tasks are never rescheduled.
    from(KILLING)
        .to(FINISHED, save())
        .to(FAILED, save())
        .to(KILLED, save())
        .to(LOST, save())
        .to(PARTITIONED, effects(SAVE_STATE, TRANSITION_TO_LOST))
        .to(DELETED, effects(DELETE));

    for (TaskState s : new TaskState[] {FINISHED, FAILED, KILLED, LOST}) {
      from(s).to(DELETED, effects(DELETE));
    }
    from(DELETED);
  }

  private TaskStateMachine() {}

  /** Evaluates a transition of a task (empty = unknown to the store) to {@code target}. */
  public static TransitionResult transition(Optional<TaskFacts> task, TaskState target) {
    return transition(task, Optional.empty(), target);
  }

  /**
   * Evaluates a transition with an optional compare-and-set: when {@code expected} is given and the
   * task is missing or in another status, the result is {@code INVALID_CAS_STATE}.
   */
  public static TransitionResult transition(
      Optional<TaskFacts> task, Optional<ScheduleStatus> expected, TaskState target) {
    if (expected.isPresent() && (task.isEmpty() || task.get().status() != expected.get())) {
      return TransitionResult.of(StateChangeResult.INVALID_CAS_STATE);
    }
    TaskState from = task.map(f -> TaskState.of(f.status())).orElse(DELETED);
    if (from == target) {
      return TransitionResult.of(StateChangeResult.NOOP);
    }
    Rule rule = TABLE.get(from).get(target);
    if (rule != null) {
      return new TransitionResult(StateChangeResult.SUCCESS, rule.apply(task.orElseThrow()));
    }
    if (KILL_ON_ILLEGAL_START.contains(from) && STARTS.contains(target)) {
      return TransitionResult.of(StateChangeResult.ILLEGAL_WITH_SIDE_EFFECTS, KILL);
    }
    return TransitionResult.of(StateChangeResult.ILLEGAL);
  }

  /** Whether {@code from → to} is allowed for some task (the table's shape, for tests and docs). */
  public static boolean isAllowed(TaskState from, TaskState to) {
    return TABLE.get(from).containsKey(to);
  }

  /**
   * The failure rule of §2.2: always count the failure; reschedule a service, a task with unlimited
   * failures, or one that has failed fewer than {@code maxTaskFailures - 1} times.
   */
  private static Set<SideEffect> failure(TaskFacts f) {
    boolean reschedule =
        f.service() || f.maxTaskFailures() == -1 || f.failureCount() < f.maxTaskFailures() - 1;
    return reschedule
        ? Set.of(INCREMENT_FAILURES, SAVE_STATE, RESCHEDULE)
        : Set.of(INCREMENT_FAILURES, SAVE_STATE);
  }

  private static Rule save() {
    return effects(SAVE_STATE);
  }

  private static Rule effects(SideEffect... effects) {
    Set<SideEffect> set = Set.of(effects);
    return f -> set;
  }

  private static Edges from(TaskState state) {
    return new Edges(TABLE.computeIfAbsent(state, s -> new EnumMap<>(TaskState.class)));
  }

  /** Builder for one row of the table. */
  private record Edges(Map<TaskState, Rule> row) {
    Edges to(TaskState target, Rule rule) {
      row.put(target, rule);
      return this;
    }
  }
}
