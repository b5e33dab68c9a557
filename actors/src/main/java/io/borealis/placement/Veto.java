package io.borealis.placement;

/**
 * Why one offer cannot take one task (aurora-semantics §3.3). The score orders offers by how near
 * they come to fitting, for pending reasons; static vetoes hold for every task of the same config.
 */
public record Veto(Type type, String reason, int score) {

  /** The kinds of veto, in evaluation order. */
  public enum Type {
    DEDICATED_CONSTRAINT_MISMATCH,
    MAINTENANCE,
    CONSTRAINT_MISMATCH,
    LIMIT_NOT_SATISFIED,
    INSUFFICIENT_RESOURCES
  }

  /** Whether the veto holds regardless of what else runs (everything but limits). */
  public boolean isStatic() {
    return type != Type.LIMIT_NOT_SATISFIED;
  }

  /** An insufficient-resource veto, scored by the shortfall relative to a scaling range. */
  static Veto insufficient(String resource, double shortfall, double scalingRange) {
    int score = (int) Math.min(1000, 1000 * shortfall / scalingRange);
    return new Veto(Type.INSUFFICIENT_RESOURCES, "Insufficient: " + resource, score);
  }
}
