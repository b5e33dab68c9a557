package io.borealis.model;

/** What a cron trigger does when the previous run is still active (aurora-semantics §5). */
public enum CronCollisionPolicy {
  /** Kill the running tasks, then start the new run. */
  KILL_EXISTING,
  /** Skip the new run. */
  CANCEL_NEW
}
