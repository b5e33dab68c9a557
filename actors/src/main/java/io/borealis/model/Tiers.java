package io.borealis.model;

import java.util.Map;

/** The tiers a task may run in (aurora-semantics §1.5); production = not preemptible. */
public final class Tiers {

  public static final String DEFAULT_TIER = "preemptible";

  /** A tier's two properties. */
  public record Tier(boolean preemptible, boolean revocable) {
    public boolean production() {
      return !(preemptible || revocable);
    }
  }

  public static final Map<String, Tier> ALL =
      Map.of(
          "preferred", new Tier(false, false),
          "preemptible", new Tier(true, false),
          "revocable", new Tier(true, true));

  /**
   * The tier named {@code name}; an unknown name (only possible for configs stored before the name
   * was validated) is the default tier.
   */
  public static Tier of(String name) {
    Tier tier = ALL.get(name);
    return tier == null ? ALL.get(DEFAULT_TIER) : tier;
  }

  private Tiers() {}
}
