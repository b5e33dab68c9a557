package io.borealis.model;

import java.util.EnumSet;
import java.util.Set;

/** The status of one task, with Aurora's names and wire values (aurora-semantics §1.7). */
public enum ScheduleStatus {
  /** Being inserted; never visible outside the transition that creates the task. */
  INIT(11),
  /** Waiting for placement. */
  PENDING(0),
  /** Waiting out a flapping penalty before it may become PENDING. */
  THROTTLED(16),
  /** Placed on an agent; the launch is on its way. */
  ASSIGNED(9),
  /** The agent is preparing the task. */
  STARTING(1),
  /** Running (and healthy, when it has a health check). */
  RUNNING(2),
  /** Exited with success. */
  FINISHED(3),
  /** Exited with failure. */
  FAILED(4),
  /** Killed, at the scheduler's request or by the agent. */
  KILLED(5),
  /** The scheduler asked the agent to kill it; the task will not be rescheduled. */
  KILLING(6),
  /** The agent or the task vanished. */
  LOST(7),
  /** Being killed to be started again (a user restart). */
  RESTARTING(12),
  /** Being killed to make room for a more important task. */
  PREEMPTING(13),
  /** Being killed because its host goes into maintenance. */
  DRAINING(17),
  /** Its agent is unreachable; it may still run. */
  PARTITIONED(18);

  private final int wireValue;

  ScheduleStatus(int wireValue) {
    this.wireValue = wireValue;
  }

  /** Aurora's thrift value. */
  public int wireValue() {
    return wireValue;
  }

  public static final Set<ScheduleStatus> ACTIVE =
      EnumSet.of(
          ASSIGNED,
          DRAINING,
          KILLING,
          PENDING,
          PREEMPTING,
          RESTARTING,
          RUNNING,
          STARTING,
          PARTITIONED,
          THROTTLED);
  public static final Set<ScheduleStatus> SLAVE_ASSIGNED =
      EnumSet.of(
          ASSIGNED, DRAINING, KILLING, PREEMPTING, RESTARTING, RUNNING, PARTITIONED, STARTING);
  public static final Set<ScheduleStatus> LIVE =
      EnumSet.of(KILLING, PREEMPTING, RESTARTING, DRAINING, PARTITIONED, RUNNING);
  public static final Set<ScheduleStatus> TERMINAL = EnumSet.of(FAILED, FINISHED, KILLED, LOST);

  /** Statuses that count as "pending" in job statistics. */
  public static final Set<ScheduleStatus> PENDING_STATS = EnumSet.of(INIT, PENDING, THROTTLED);

  public boolean isActive() {
    return ACTIVE.contains(this);
  }

  public boolean isTerminal() {
    return TERMINAL.contains(this);
  }

  public boolean isSlaveAssigned() {
    return SLAVE_ASSIGNED.contains(this);
  }
}
