package io.borealis.placement;

import com.typesafe.config.Config;
import java.time.Duration;

/** Placement tuning, from {@code borealis.placement} in {@code reference.conf}. */
public record PlacementSettings(
    double executorOverheadCpu,
    long executorOverheadRamMb,
    OfferOrder offerOrder,
    Duration roundInterval,
    Duration assignTimeout,
    int maxAssignmentsInFlight) {

  /** The order offers are tried in, before first fit. */
  public enum OfferOrder {
    /** Shuffled every round, as Aurora's default: spreads instances over agents. */
    RANDOM,
    /** In the order agents were first offered: packs agents one after the other. */
    STABLE
  }

  public static PlacementSettings from(Config config) {
    Config c = config.getConfig("borealis.placement");
    return new PlacementSettings(
        c.getDouble("executor-overhead.cpu"),
        c.getMemorySize("executor-overhead.ram").toBytes() / (1024 * 1024),
        OfferOrder.valueOf(c.getString("offer-order").toUpperCase()),
        c.getDuration("round-interval"),
        c.getDuration("assign-timeout"),
        Math.max(1, c.getInt("max-assignments-in-flight")));
  }

  public static final PlacementSettings DEFAULT =
      new PlacementSettings(
          0, 0, OfferOrder.RANDOM, Duration.ofSeconds(1), Duration.ofSeconds(30), 2000);
}
