package io.borealis.update;

/** The answer to a pulse (Aurora's JobUpdatePulseStatus). */
public enum PulseStatus {
  /** The coordinated update is active and took the pulse. */
  OK,
  /** Unknown, finished or not coordinated: pulsing it has no effect. */
  FINISHED
}
