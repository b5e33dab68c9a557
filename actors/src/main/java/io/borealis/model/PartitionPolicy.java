package io.borealis.model;

/** What to do with a task whose agent became unreachable: reschedule after a delay, or wait. */
public record PartitionPolicy(boolean reschedule, long delaySecs) {
  public static final PartitionPolicy DEFAULT = new PartitionPolicy(true, 0);
}
