package io.borealis.update;

import java.util.EnumSet;
import java.util.Set;

/** The status of a job update, with Aurora's names and wire values (aurora-semantics §4.3). */
public enum UpdateStatus {
  /** Replacing instances with the desired configuration. */
  ROLLING_FORWARD(0),
  /** Returning instances to the configuration they had before the update. */
  ROLLING_BACK(1),
  /** Rolling forward is on hold (by an operator or an auto pause). */
  ROLL_FORWARD_PAUSED(2),
  /** Rolling back is on hold. */
  ROLL_BACK_PAUSED(3),
  /** Every instance reached the desired configuration. */
  ROLLED_FORWARD(4),
  /** Every instance is back to its previous configuration. */
  ROLLED_BACK(5),
  /** Stopped by an operator; the tasks were left as they were. */
  ABORTED(6),
  /** The engine could not carry the update out. */
  ERROR(7),
  /** Too many instances failed (and rolling back was not asked for, or failed too). */
  FAILED(8),
  /** A coordinated update rolling forward waits for a pulse. */
  ROLL_FORWARD_AWAITING_PULSE(9),
  /** A coordinated update rolling back waits for a pulse. */
  ROLL_BACK_AWAITING_PULSE(10);

  private final int wireValue;

  UpdateStatus(int wireValue) {
    this.wireValue = wireValue;
  }

  /** Aurora's thrift value. */
  public int wireValue() {
    return wireValue;
  }

  /** An update in one of these may still change tasks; a job has at most one. */
  public static final Set<UpdateStatus> ACTIVE =
      EnumSet.of(
          ROLLING_FORWARD,
          ROLLING_BACK,
          ROLL_FORWARD_PAUSED,
          ROLL_BACK_PAUSED,
          ROLL_FORWARD_AWAITING_PULSE,
          ROLL_BACK_AWAITING_PULSE);

  /** An update in one of these is finished for good. */
  public static final Set<UpdateStatus> TERMINAL =
      EnumSet.of(ROLLED_FORWARD, ROLLED_BACK, ABORTED, ERROR, FAILED);

  public boolean isActive() {
    return ACTIVE.contains(this);
  }

  public boolean isTerminal() {
    return TERMINAL.contains(this);
  }

  /** Whether instances are being worked on (the only statuses with a running pass). */
  public boolean isRolling() {
    return this == ROLLING_FORWARD || this == ROLLING_BACK;
  }

  /** Whether this status belongs to the rollback side. */
  public boolean isBackward() {
    return this == ROLLING_BACK || this == ROLL_BACK_PAUSED || this == ROLL_BACK_AWAITING_PULSE;
  }
}
