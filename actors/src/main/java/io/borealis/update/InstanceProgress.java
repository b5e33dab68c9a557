package io.borealis.update;

/**
 * Where an instance stands in the current pass (forward or back) of an update: IDLE, then WORKING,
 * then SUCCEEDED or FAILED, never back inside one pass (aurora-semantics §4.4).
 */
public enum InstanceProgress {
  IDLE,
  WORKING,
  SUCCEEDED,
  FAILED
}
