package io.borealis.model;

/**
 * A host's maintenance mode (aurora-semantics §3.6), in the order placement prefers hosts: NONE
 * first, DRAINED last. DRAINING and DRAINED hosts are vetoed; SCHEDULED ones only come later.
 */
public enum MaintenanceMode {
  NONE,
  SCHEDULED,
  DRAINING,
  DRAINED
}
