package io.borealis.task;

/** The verdict of one attempted transition. */
public enum StateChangeResult {
  /** The transition is allowed; its side effects follow. */
  SUCCESS,
  /** The task is already in the target state; nothing happens. */
  NOOP,
  /** Not allowed; nothing happens. */
  ILLEGAL,
  /** Not allowed, but side effects still run (a kill for a zombie task). */
  ILLEGAL_WITH_SIDE_EFFECTS,
  /** The task was not in the expected status (compare-and-set failed). */
  INVALID_CAS_STATE
}
