package io.borealis.task;

/**
 * What a transition asks the caller to do. Declared in execution order: an {@code EnumSet} of these
 * iterates in the order aurora-semantics §2.1 prescribes.
 */
public enum SideEffect {
  /** Count one more failure of the instance. */
  INCREMENT_FAILURES,
  /** Record the new status and an event in the task's history. */
  SAVE_STATE,
  /** Create a new task for the same instance (a new id, this task as its ancestor). */
  RESCHEDULE,
  /** Move the task on to LOST at once (a user action on a partitioned task). */
  TRANSITION_TO_LOST,
  /** Ask the backend to kill the task (also for ids the store does not know). */
  KILL,
  /** Remove the task from the store. */
  DELETE
}
