package io.borealis.placement;

import io.borealis.model.MaintenanceMode;
import java.util.Collection;

/**
 * Why one offer cannot take one task (aurora-semantics §3.3). The score orders offers by how near
 * they come to fitting, for pending reasons; static vetoes hold for every task of the same config.
 */
public record Veto(Type type, String reason, int score) {

  /** The kinds of veto, in evaluation order. */
  public enum Type {
    /** The host carries a {@code dedicated} attribute and the task asks for no dedicated pool. */
    DEDICATED_CONSTRAINT_MISMATCH,
    /** The host is DRAINING or DRAINED. */
    MAINTENANCE,
    /** A value constraint fails, or the host lacks a limit constraint's attribute. */
    CONSTRAINT_MISMATCH,
    /** The job already has as many tasks on the attribute's value as the limit allows. */
    LIMIT_NOT_SATISFIED,
    /** The offer lacks one resource. */
    INSUFFICIENT_RESOURCES;

    /** The suffix of its {@code scheduling_veto_*} counter, as Aurora names it. */
    public String metric() {
      return name().toLowerCase();
    }
  }

  /** How a set of vetoes depends on what else runs, as Aurora's {@code VetoGroup}. */
  public enum Group {
    EMPTY,
    STATIC,
    DYNAMIC,
    MIXED;

    public static Group of(Collection<Veto> vetoes) {
      boolean statics = false;
      boolean dynamics = false;
      for (Veto v : vetoes) {
        statics |= v.isStatic();
        dynamics |= !v.isStatic();
      }
      return statics && dynamics ? MIXED : statics ? STATIC : dynamics ? DYNAMIC : EMPTY;
    }
  }

  static final String DEDICATED_HOST = "Host is dedicated";
  static final String DRAINING = "Host draining for maintenance";
  static final String DRAINED = "Host drained for maintenance";

  /** Whether the veto holds regardless of what else runs (everything but limits). */
  public boolean isStatic() {
    return type != Type.LIMIT_NOT_SATISFIED;
  }

  /** An insufficient-resource veto, scored by the shortfall relative to a scaling range. */
  static Veto insufficient(String resource, double shortfall, double scalingRange) {
    int score = (int) Math.min(1000, 1000 * shortfall / scalingRange);
    return new Veto(Type.INSUFFICIENT_RESOURCES, "Insufficient: " + resource, score);
  }

  static Veto dedicatedHost() {
    return new Veto(Type.DEDICATED_CONSTRAINT_MISMATCH, DEDICATED_HOST, 1_000_000);
  }

  /** The maintenance veto of a DRAINING or DRAINED host. */
  static Veto maintenance(MaintenanceMode mode) {
    return new Veto(
        Type.MAINTENANCE, mode == MaintenanceMode.DRAINED ? DRAINED : DRAINING, 100_000);
  }

  static Veto constraintMismatch(String attribute) {
    return new Veto(Type.CONSTRAINT_MISMATCH, "Constraint not satisfied: " + attribute, 10_000);
  }

  static Veto limitNotSatisfied(String attribute) {
    return new Veto(Type.LIMIT_NOT_SATISFIED, "Limit not satisfied: " + attribute, 10_000);
  }
}
