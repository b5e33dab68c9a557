package io.borealis.update;

/** What an operator can ask of an active update (aurora-semantics §4.3, operator actions). */
public enum OperatorAction {
  /** Hold the update where it is. */
  PAUSE,
  /** Continue a paused update (or wait for a pulse, when a coordinated update has none). */
  RESUME,
  /** Stop the update for good, leaving the tasks as they are. */
  ABORT,
  /** Return every instance of the update to its previous configuration. */
  ROLLBACK
}
