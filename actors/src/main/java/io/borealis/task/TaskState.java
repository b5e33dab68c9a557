package io.borealis.task;

import io.borealis.model.ScheduleStatus;
import java.util.Optional;

/**
 * The states of the task state machine: every {@link ScheduleStatus} plus {@code DELETED}, which
 * stands for "no such task in the store" both as a source and as a target.
 */
public enum TaskState {
  INIT,
  PENDING,
  THROTTLED,
  ASSIGNED,
  STARTING,
  RUNNING,
  FINISHED,
  FAILED,
  KILLED,
  KILLING,
  LOST,
  RESTARTING,
  PREEMPTING,
  DRAINING,
  PARTITIONED,
  DELETED;

  public static TaskState of(ScheduleStatus status) {
    return valueOf(status.name());
  }

  /** The stored status this state stands for; empty for {@code DELETED}. */
  public Optional<ScheduleStatus> status() {
    return this == DELETED ? Optional.empty() : Optional.of(ScheduleStatus.valueOf(name()));
  }
}
