package io.borealis.task;

import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.task.InstanceEvent.TaskAssigned;
import io.borealis.task.InstanceEvent.TaskCreated;
import io.borealis.task.InstanceEvent.TaskDeleted;
import io.borealis.task.InstanceEvent.TaskStateChanged;
import io.borealis.task.InstanceEvent.TasksPruned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The decisions of one instance, free of actors: for a request and the current state it returns the
 * events to persist and the actions to take once they are persisted. It runs the task state machine
 * and carries out its side effects in Aurora's order (INCREMENT_FAILURES, SAVE_STATE, RESCHEDULE,
 * TRANSITION_TO_LOST, KILL, DELETE).
 */
public final class InstancePlanner {

  /**
   * Something to do after the events are persisted. (Registering a PENDING task with placement is
   * not one: the entity derives it from the state, so recovery does it the same way.)
   */
  public sealed interface Action {
    /** Ask the backend to kill a task. */
    record KillTask(String taskId, Optional<String> agentId) implements Action {}

    /** Tell placement a task no longer waits. */
    record UnregisterPending(String taskId) implements Action {}
  }

  /** The outcome of one request. */
  public record Plan(
      StateChangeResult result,
      InstanceState state,
      List<InstanceEvent> events,
      List<Action> actions) {

    public Plan {
      events = List.copyOf(events);
      actions = List.copyOf(actions);
    }
  }

  static final String RESCHEDULED = "Rescheduled";
  static final String PARTITION_LOST = "Action performed on partitioned task, marking as LOST.";

  private final InstanceKey instance;
  private final Supplier<UUID> ids;
  private final RescheduleCalculator reschedule;
  private final int historyPerInstance;

  public InstancePlanner(
      InstanceKey instance,
      Supplier<UUID> ids,
      RescheduleCalculator reschedule,
      int historyPerInstance) {
    this.instance = instance;
    this.ids = ids;
    this.reschedule = reschedule;
    this.historyPerInstance = historyPerInstance;
  }

  /** A fresh PENDING task with {@code config} (the instance must have no active task). */
  public Plan schedule(InstanceState state, TaskConfig config, String scheduleId, Instant now) {
    Builder b = new Builder(state);
    ScheduledTask task =
        ScheduledTask.created(
            TaskIds.of(instance, ids.get()),
            instance,
            config,
            0,
            Optional.empty(),
            ScheduleStatus.PENDING,
            now,
            Optional.empty());
    b.create(task, scheduleId);
    return b.done(StateChangeResult.SUCCESS);
  }

  /** Binds the current PENDING task to an agent. */
  public Plan assign(InstanceState state, String taskId, Assignment where, Instant now) {
    Builder b = new Builder(state);
    b.emit(new TaskAssigned(instance, taskId, where, now));
    return b.done(StateChangeResult.SUCCESS);
  }

  /**
   * Moves a task (current, historic or unknown) towards {@code target}, with an optional
   * compare-and-set on its status.
   */
  public Plan changeState(
      InstanceState state,
      String taskId,
      Optional<ScheduleStatus> expected,
      TaskState target,
      Optional<String> message,
      Instant now,
      Optional<String> agentHint) {
    Builder b = new Builder(state);
    StateChangeResult result = b.change(taskId, expected, target, message, now, agentHint);
    return b.done(result);
  }

  /**
   * Drops ended tasks from the instance's history (the job-wide pruning rules chose them). The
   * latest task is never dropped, nor one that is unknown or still active.
   */
  public Plan prune(InstanceState state, List<String> taskIds) {
    Builder b = new Builder(state);
    List<String> pruned =
        state.olderTasks().stream()
            .filter(t -> taskIds.contains(t.taskId()) && t.status().isTerminal())
            .map(ScheduledTask::taskId)
            .toList();
    if (!pruned.isEmpty()) {
      b.emit(new TasksPruned(instance, pruned));
    }
    return b.done(StateChangeResult.SUCCESS);
  }

  /** Accumulates events (applying each to the state as it goes) and actions. */
  private final class Builder {
    InstanceState state;
    final List<InstanceEvent> events = new ArrayList<>();
    final List<Action> actions = new ArrayList<>();

    Builder(InstanceState state) {
      this.state = state;
    }

    void emit(InstanceEvent event) {
      events.add(event);
      state = state.apply(event);
    }

    Plan done(StateChangeResult result) {
      return new Plan(result, state, events, actions);
    }

    void create(ScheduledTask task, String scheduleId) {
      emit(new TaskCreated(instance, task, scheduleId));
      List<ScheduledTask> history = state.olderTasks();
      if (history.size() > historyPerInstance) {
        List<String> pruned =
            history.subList(historyPerInstance, history.size()).stream()
                .map(ScheduledTask::taskId)
                .toList();
        emit(new TasksPruned(instance, pruned));
      }
    }

    StateChangeResult change(
        String taskId,
        Optional<ScheduleStatus> expected,
        TaskState target,
        Optional<String> message,
        Instant now,
        Optional<String> agentHint) {
      Optional<ScheduledTask> task = state.find(taskId);
      TransitionResult t =
          TaskStateMachine.transition(task.map(ScheduledTask::facts), expected, target);
      for (SideEffect effect : t.sideEffects()) {
        switch (effect) {
          case INCREMENT_FAILURES -> {
            // Folded into SAVE_STATE's failure count below.
          }
          case SAVE_STATE -> {
            ScheduledTask current = task.orElseThrow();
            int failures = current.failureCount() + (t.has(SideEffect.INCREMENT_FAILURES) ? 1 : 0);
            ScheduleStatus to = target.status().orElseThrow();
            emit(
                new TaskStateChanged(
                    instance, taskId, current.status(), to, now, message, failures));
          }
          case RESCHEDULE -> reschedule(state.find(taskId).orElseThrow(), now);
          case TRANSITION_TO_LOST ->
              change(
                  taskId,
                  Optional.empty(),
                  TaskState.LOST,
                  Optional.of(PARTITION_LOST),
                  now,
                  agentHint);
          case KILL ->
              actions.add(
                  new Action.KillTask(
                      taskId,
                      task.flatMap(ScheduledTask::assignment)
                          .map(Assignment::agentId)
                          .or(() -> agentHint)));
          case DELETE -> {
            emit(new TaskDeleted(instance, taskId, now));
            actions.add(new Action.UnregisterPending(taskId));
          }
        }
      }
      return t.result();
    }

    /**
     * A new generation of a terminated task: THROTTLED if its lineage flaps, else PENDING. The
     * penalty is drawn here, once, and kept in the new task: the entity releases it at exactly
     * creation + that penalty, the number the message gives. (Aurora draws a second time for the
     * wait, one step further down the lineage, so its message and its wait differ.)
     */
    void reschedule(ScheduledTask terminated, Instant now) {
      InstanceState lookupState = state;
      long penalty = reschedule.penaltyMs(terminated, lookupState::find);
      ScheduleStatus status = penalty > 0 ? ScheduleStatus.THROTTLED : ScheduleStatus.PENDING;
      String message =
          penalty > 0
              ? RESCHEDULED + ", penalized for " + penalty + " ms for flapping"
              : RESCHEDULED;
      ScheduledTask next =
          ScheduledTask.created(
              TaskIds.of(instance, ids.get()),
              instance,
              terminated.config(),
              terminated.failureCount(),
              Optional.of(terminated.taskId()),
              status,
              now,
              Optional.of(message));
      create(next.withPenalty(penalty), state.scheduleId());
    }
  }
}
