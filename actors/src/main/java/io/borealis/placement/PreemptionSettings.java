package io.borealis.placement;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Preemption tuning (aurora-semantics §3.4), from {@code borealis.placement.preemption} in {@code
 * reference.conf}.
 *
 * @param enabled whether placement preempts at all
 * @param initialDelay when the first slot search runs after placement starts
 * @param interval how often the slot search runs after that
 * @param preemptionDelay how long a task must have been PENDING before a slot is sought for it
 * @param slotHold how long a slot found for a task group stays valid before it is sought again
 * @param reservation how long an agent whose tasks were preempted is kept for the group they made
 *     room for
 * @param maxBatchSize tasks of one group tried per turn of the search (groups take turns)
 */
public record PreemptionSettings(
    boolean enabled,
    Duration initialDelay,
    Duration interval,
    Duration preemptionDelay,
    Duration slotHold,
    Duration reservation,
    int maxBatchSize) {

  public static PreemptionSettings from(Config config) {
    Config c = config.getConfig("borealis.placement.preemption");
    return new PreemptionSettings(
        c.getBoolean("enabled"),
        c.getDuration("initial-delay"),
        c.getDuration("interval"),
        c.getDuration("preemption-delay"),
        c.getDuration("slot-hold"),
        c.getDuration("reservation"),
        Math.max(1, c.getInt("max-batch-size")));
  }

  /** Aurora's defaults. */
  public static final PreemptionSettings DEFAULT =
      new PreemptionSettings(
          true,
          Duration.ofMinutes(3),
          Duration.ofMinutes(1),
          Duration.ofMinutes(3),
          Duration.ofMinutes(5),
          Duration.ofMinutes(3),
          5);

  /** No preemption (engines built without it, as in most placement tests). */
  public static final PreemptionSettings DISABLED =
      new PreemptionSettings(
          false,
          DEFAULT.initialDelay,
          DEFAULT.interval,
          DEFAULT.preemptionDelay,
          DEFAULT.slotHold,
          DEFAULT.reservation,
          DEFAULT.maxBatchSize);
}
