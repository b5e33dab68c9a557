package io.borealis.task;

import io.borealis.CborSerializable;
import io.borealis.task.InstanceEvent.TaskAssigned;
import io.borealis.task.InstanceEvent.TaskCreated;
import io.borealis.task.InstanceEvent.TaskDeleted;
import io.borealis.task.InstanceEvent.TaskStateChanged;
import io.borealis.task.InstanceEvent.TasksPruned;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state of one instance, by lifecycle stage: never scheduled, idle (its latest task ended or
 * was deleted), or active (its current task is in an active status). History is newest first.
 */
public sealed interface InstanceState extends CborSerializable {

  /** No task was ever scheduled for this instance. */
  record Empty() implements InstanceState {}

  /** No active task; {@code latest} is the last task if it still exists. */
  record Idle(Optional<ScheduledTask> latest, List<ScheduledTask> history, String lastScheduleId)
      implements InstanceState {
    public Idle {
      history = List.copyOf(history);
    }
  }

  /** The instance has an active task. */
  record Active(ScheduledTask current, List<ScheduledTask> history, String lastScheduleId)
      implements InstanceState {
    public Active {
      history = List.copyOf(history);
    }
  }

  /**
   * The schedule id of a restored instance: no job's scheduling round has it, so a job that asks
   * the instance to schedule after a restore is answered by its state, not by an old round.
   */
  String RESTORED_SCHEDULE = "restored";

  /** The latest task of the instance, active or not. */
  default Optional<ScheduledTask> latestTask() {
    if (this instanceof Active a) {
      return Optional.of(a.current());
    }
    return this instanceof Idle i ? i.latest() : Optional.empty();
  }

  default List<ScheduledTask> olderTasks() {
    if (this instanceof Active a) {
      return a.history();
    }
    return this instanceof Idle i ? i.history() : List.of();
  }

  default String scheduleId() {
    if (this instanceof Active a) {
      return a.lastScheduleId();
    }
    return this instanceof Idle i ? i.lastScheduleId() : "";
  }

  /** The task with this id, current or in history. */
  default Optional<ScheduledTask> find(String taskId) {
    Optional<ScheduledTask> latest = latestTask();
    if (latest.isPresent() && latest.get().taskId().equals(taskId)) {
      return latest;
    }
    return olderTasks().stream().filter(t -> t.taskId().equals(taskId)).findFirst();
  }

  /** The next state after an event; the entity's event handler and the planner both use it. */
  default InstanceState apply(InstanceEvent event) {
    if (event instanceof TaskCreated e) {
      List<ScheduledTask> history = new ArrayList<>();
      latestTask().ifPresent(history::add);
      history.addAll(olderTasks());
      return next(e.task(), history, e.scheduleId());
    }
    if (event instanceof TaskAssigned e) {
      return replace(e.taskId(), t -> t.assigned(e.assignment(), e.timestamp()));
    }
    if (event instanceof TaskStateChanged e) {
      return replace(
          e.taskId(), t -> t.withStatus(e.to(), e.timestamp(), e.message(), e.failureCount()));
    }
    if (event instanceof TaskDeleted e) {
      if (latestTask().map(t -> t.taskId().equals(e.taskId())).orElse(false)) {
        return new Idle(Optional.empty(), olderTasks(), scheduleId());
      }
      return withHistory(
          olderTasks().stream().filter(t -> !t.taskId().equals(e.taskId())).toList());
    }
    if (event instanceof InstanceEvent.InstanceRestored e) {
      if (e.tasks().isEmpty()) {
        return new Empty();
      }
      return next(e.tasks().get(0), e.tasks().subList(1, e.tasks().size()), RESTORED_SCHEDULE);
    }
    TasksPruned e = (TasksPruned) event;
    return withHistory(
        olderTasks().stream().filter(t -> !e.taskIds().contains(t.taskId())).toList());
  }

  private InstanceState replace(
      String taskId, java.util.function.UnaryOperator<ScheduledTask> change) {
    Optional<ScheduledTask> latest = latestTask();
    if (latest.isPresent() && latest.get().taskId().equals(taskId)) {
      return next(change.apply(latest.get()), olderTasks(), scheduleId());
    }
    List<ScheduledTask> history = new ArrayList<>();
    for (ScheduledTask t : olderTasks()) {
      history.add(t.taskId().equals(taskId) ? change.apply(t) : t);
    }
    return withHistory(history);
  }

  private InstanceState withHistory(List<ScheduledTask> history) {
    if (this instanceof Active a) {
      return new Active(a.current(), history, a.lastScheduleId());
    }
    return new Idle(latestTask(), history, scheduleId());
  }

  private static InstanceState next(
      ScheduledTask task, List<ScheduledTask> history, String scheduleId) {
    return task.status().isActive()
        ? new Active(task, history, scheduleId)
        : new Idle(Optional.of(task), history, scheduleId);
  }
}
