package io.borealis.quota;

import io.borealis.CborSerializable;
import io.borealis.model.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An amount of the three resources quota counts (aurora-semantics §3.5): CPU cores, RAM and disk in
 * MiB. Ports, GPUs and executor overhead are never part of it. Aurora's {@code ResourceAggregate}.
 */
public record ResourceAggregate(double cpu, long ramMb, long diskMb) implements CborSerializable {

  /** Nothing: the quota of a role that never had one, and the consumption of an idle role. */
  public static final ResourceAggregate ZERO = new ResourceAggregate(0, 0, 0);

  /**
   * CPU is summed as doubles (0.1 + 0.2 is not 0.3): amounts this close count as equal, so a role
   * that asks exactly its quota is never refused by a rounding error.
   */
  private static final double CPU_EPSILON = 1e-9;

  /** What one task with {@code resources} counts for. */
  public static ResourceAggregate of(Resources resources) {
    return new ResourceAggregate(resources.cpu(), resources.ramMb(), resources.diskMb());
  }

  public ResourceAggregate plus(ResourceAggregate other) {
    return new ResourceAggregate(cpu + other.cpu, ramMb + other.ramMb, diskMb + other.diskMb);
  }

  public ResourceAggregate minus(ResourceAggregate other) {
    return new ResourceAggregate(cpu - other.cpu, ramMb - other.ramMb, diskMb - other.diskMb);
  }

  public ResourceAggregate times(int count) {
    return new ResourceAggregate(cpu * count, ramMb * count, diskMb * count);
  }

  /** The larger of each resource on its own (Aurora's per-resource max). */
  public ResourceAggregate max(ResourceAggregate other) {
    return new ResourceAggregate(
        Math.max(cpu, other.cpu), Math.max(ramMb, other.ramMb), Math.max(diskMb, other.diskMb));
  }

  /**
   * The resources of which this amount holds more than {@code limit}, in the order cpu, ram, disk.
   */
  public List<Kind> exceeding(ResourceAggregate limit) {
    List<Kind> over = new ArrayList<>(3);
    for (Kind k : Kind.values()) {
      if (k.exceeds(this, limit)) {
        over.add(k);
      }
    }
    return over;
  }

  /** The resources below zero, in the order cpu, ram, disk. */
  public List<Kind> negative() {
    return ZERO.exceeding(this);
  }

  /** One of the three resources: how it is named in the API and written for people. */
  public enum Kind {
    CPU("cpu"),
    RAM("ram_mb"),
    DISK("disk_mb");

    /** The field of the API's quota shape. */
    public final String field;

    Kind(String field) {
      this.field = field;
    }

    /** The word quota messages use: {@code cpu}, {@code ram}, {@code disk}. */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    public double amount(ResourceAggregate a) {
      return switch (this) {
        case CPU -> a.cpu;
        case RAM -> a.ramMb;
        case DISK -> a.diskMb;
      };
    }

    boolean exceeds(ResourceAggregate a, ResourceAggregate limit) {
      return this == CPU ? a.cpu > limit.cpu + CPU_EPSILON : amount(a) > amount(limit);
    }

    /** The amount for people: {@code 2.5 CPU}, {@code 512 MiB}, {@code 1.5 GiB}. */
    public String human(double amount) {
      return this == CPU ? Units.cpu(amount) : Units.mebibytes(amount);
    }
  }
}
