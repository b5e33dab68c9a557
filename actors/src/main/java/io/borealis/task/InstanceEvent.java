package io.borealis.task;

import io.borealis.CborSerializable;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.ScheduleStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What happened to the tasks of one instance. Each event carries everything a projection needs
 * (ids, old and new status, times, the whole new task), so the read side never asks an entity.
 */
public sealed interface InstanceEvent extends CborSerializable {

  InstanceKey instance();

  /** A new task exists: the first one of the instance, or a reschedule of the previous one. */
  record TaskCreated(InstanceKey instance, ScheduledTask task, String scheduleId)
      implements InstanceEvent {}

  /** Placement bound the task to an agent and ports; it is ASSIGNED. */
  record TaskAssigned(InstanceKey instance, String taskId, Assignment assignment, Instant timestamp)
      implements InstanceEvent {}

  /** The task moved from one status to another. */
  record TaskStateChanged(
      InstanceKey instance,
      String taskId,
      ScheduleStatus from,
      ScheduleStatus to,
      Instant timestamp,
      Optional<String> message,
      int failureCount)
      implements InstanceEvent {}

  /** The task was removed (a PENDING or THROTTLED task that was killed). */
  record TaskDeleted(InstanceKey instance, String taskId, Instant timestamp)
      implements InstanceEvent {}

  /** Old finished tasks dropped from the instance's history. */
  record TasksPruned(InstanceKey instance, List<String> taskIds) implements InstanceEvent {
    public TasksPruned {
      taskIds = List.copyOf(taskIds);
    }
  }

  /**
   * A backup's state replaced the instance's (a committed recovery): its tasks are exactly {@code
   * tasks}, newest first; none erases the instance (it was not in the backup, or its tasks were
   * deleted from the staged copy).
   */
  record InstanceRestored(InstanceKey instance, List<ScheduledTask> tasks, Instant timestamp)
      implements InstanceEvent {
    public InstanceRestored {
      tasks = List.copyOf(tasks);
    }
  }
}
