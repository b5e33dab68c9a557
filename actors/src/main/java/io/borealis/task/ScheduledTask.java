package io.borealis.task;

import io.borealis.CborSerializable;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One task (one generation of an instance) and its history, immutable. The entity and the read side
 * both evolve tasks through these methods, so the history they show is the same.
 *
 * <p>{@code penaltyMs} is the flapping penalty a THROTTLED task waits from its creation before it
 * goes PENDING (0 for any other task). It is drawn once, when the task is created, and persisted
 * with it, so the wait is exactly the number its "penalized for N ms" message says, also after a
 * restart. Journals written before it existed have no such field and read as 0.
 */
public record ScheduledTask(
    String taskId,
    InstanceKey instance,
    TaskConfig config,
    ScheduleStatus status,
    int failureCount,
    int timesPartitioned,
    Optional<String> ancestorId,
    Optional<Assignment> assignment,
    List<TaskEvent> events,
    long penaltyMs)
    implements CborSerializable {

  public ScheduledTask {
    events = List.copyOf(events);
  }

  /** A task without a flapping penalty (any task but a THROTTLED one). */
  public ScheduledTask(
      String taskId,
      InstanceKey instance,
      TaskConfig config,
      ScheduleStatus status,
      int failureCount,
      int timesPartitioned,
      Optional<String> ancestorId,
      Optional<Assignment> assignment,
      List<TaskEvent> events) {
    this(
        taskId,
        instance,
        config,
        status,
        failureCount,
        timesPartitioned,
        ancestorId,
        assignment,
        events,
        0);
  }

  /** A new task, entering {@code status} (PENDING or THROTTLED) at {@code at}. */
  public static ScheduledTask created(
      String taskId,
      InstanceKey instance,
      TaskConfig config,
      int failureCount,
      Optional<String> ancestorId,
      ScheduleStatus status,
      Instant at,
      Optional<String> message) {
    return new ScheduledTask(
        taskId,
        instance,
        config,
        status,
        failureCount,
        0,
        ancestorId,
        Optional.empty(),
        List.of(new TaskEvent(at, status, message)));
  }

  /** This (new) task, waiting {@code penaltyMs} in THROTTLED before it goes PENDING. */
  public ScheduledTask withPenalty(long penaltyMs) {
    return new ScheduledTask(
        taskId,
        instance,
        config,
        status,
        failureCount,
        timesPartitioned,
        ancestorId,
        assignment,
        events,
        penaltyMs);
  }

  public TaskStateMachine.TaskFacts facts() {
    return new TaskStateMachine.TaskFacts(
        status,
        config.service(),
        config.maxTaskFailures(),
        failureCount,
        everIn(ScheduleStatus.KILLING));
  }

  /** Whether any event of this task's history has {@code status}. */
  public boolean everIn(ScheduleStatus s) {
    for (TaskEvent e : events) {
      if (e.status() == s) {
        return true;
      }
    }
    return false;
  }

  public TaskEvent latestEvent() {
    return events.get(events.size() - 1);
  }

  /**
   * This task in a new status, with the event appended. Entering PARTITIONED counts a partition and
   * folds a RUNNING→PARTITIONED→RUNNING cycle so a flapping network does not grow the history.
   */
  public ScheduledTask withStatus(
      ScheduleStatus to, Instant at, Optional<String> message, int newFailureCount) {
    List<TaskEvent> history = new ArrayList<>(events);
    int partitions = timesPartitioned;
    if (to == ScheduleStatus.PARTITIONED) {
      partitions++;
      int n = history.size();
      if (n >= 3
          && history.get(n - 2).status() == ScheduleStatus.PARTITIONED
          && history.get(n - 3).status() == history.get(n - 1).status()) {
        history.remove(n - 1);
        history.remove(n - 2);
      }
    }
    history.add(new TaskEvent(at, to, message));
    return new ScheduledTask(
        taskId,
        instance,
        config,
        to,
        newFailureCount,
        partitions,
        ancestorId,
        assignment,
        history,
        penaltyMs);
  }

  /** This task placed on an agent: ASSIGNED, with its host and ports. */
  public ScheduledTask assigned(Assignment where, Instant at) {
    ScheduledTask moved = withStatus(ScheduleStatus.ASSIGNED, at, Optional.empty(), failureCount);
    return new ScheduledTask(
        taskId,
        instance,
        config,
        moved.status,
        failureCount,
        timesPartitioned,
        ancestorId,
        Optional.of(where),
        moved.events,
        penaltyMs);
  }
}
