package io.borealis.placement;

import io.borealis.model.Constraint;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The offers of one round indexed by free cpu, free ram and attribute values, so a group's search
 * visits only the offers that could take it: those at least as large as its request in cpu and ram,
 * and carrying one of the values each of its (non-negated) value constraints asks for. Other vetoes
 * are left to {@link Vetoes}, which still decides. Sorted once per round, before any task of the
 * round is placed, and attribute buckets built on first use. Mutable, confined to one round.
 */
final class OfferIndex {

  private final Slot[] slots;

  /** Positions sorted by free cpu, and those cpus; likewise for ram. Null until needed. */
  private int[] byCpu;

  private double[] cpus;
  private int[] byRam;
  private long[] rams;

  /** Attribute name → value → positions of the offers whose host has it. */
  private final Map<String, Map<String, BitSet>> byAttribute = new HashMap<>();

  OfferIndex(Slot[] slots) {
    this.slots = slots;
  }

  /**
   * The positions of the offers a demand could fit, in the round's order (null when no offer can be
   * ruled out: every offer must be tried), and how many were ruled out without a veto being
   * evaluated: for lacking a value a constraint asks for, and (of the rest) for being too small.
   */
  record Search(BitSet positions, int lackingValue, int tooSmall) {}

  Search search(Demand demand) {
    int n = slots.length;
    BitSet result = null;
    for (Constraint.Value v : demand.values()) {
      if (v.negated()) {
        continue;
      }
      BitSet any = new BitSet(n);
      Map<String, BitSet> buckets = attribute(v.name());
      for (String value : v.values()) {
        BitSet b = buckets.get(value);
        if (b != null) {
          any.or(b);
        }
      }
      result = and(result, any);
    }
    int withValues = result == null ? n : result.cardinality();
    ResourceRequest r = demand.request();
    sortBySize();
    int cpuFrom = firstAtLeast(cpus, r.cpu() - 1e-9);
    int ramFrom = firstAtLeast(rams, r.ramMb());
    if (cpuFrom > 0 || ramFrom > 0) {
      // The shorter tail of the two sortings is the cheaper one to collect.
      BitSet large = new BitSet(n);
      if (n - cpuFrom <= n - ramFrom) {
        for (int i = cpuFrom; i < n; i++) {
          large.set(byCpu[i]);
        }
      } else {
        for (int i = ramFrom; i < n; i++) {
          large.set(byRam[i]);
        }
      }
      result = and(result, large);
    }
    int eligible = result == null ? n : result.cardinality();
    return new Search(result, n - withValues, withValues - eligible);
  }

  private static BitSet and(BitSet so, BitSet more) {
    if (so == null) {
      return more;
    }
    so.and(more);
    return so;
  }

  private Map<String, BitSet> attribute(String name) {
    return byAttribute.computeIfAbsent(
        name,
        x -> {
          Map<String, BitSet> buckets = new HashMap<>();
          for (int i = 0; i < slots.length; i++) {
            for (String value : slots[i].attributes.getOrDefault(name, Set.of())) {
              buckets.computeIfAbsent(value, v -> new BitSet(slots.length)).set(i);
            }
          }
          return buckets;
        });
  }

  private void sortBySize() {
    if (byCpu != null) {
      return;
    }
    int n = slots.length;
    Integer[] positions = new Integer[n];
    for (int i = 0; i < n; i++) {
      positions[i] = i;
    }
    java.util.Arrays.sort(positions, (a, b) -> Double.compare(slots[a].cpu(), slots[b].cpu()));
    byCpu = new int[n];
    cpus = new double[n];
    for (int i = 0; i < n; i++) {
      byCpu[i] = positions[i];
      cpus[i] = slots[positions[i]].cpu();
    }
    java.util.Arrays.sort(positions, (a, b) -> Long.compare(slots[a].ramMb(), slots[b].ramMb()));
    byRam = new int[n];
    rams = new long[n];
    for (int i = 0; i < n; i++) {
      byRam[i] = positions[i];
      rams[i] = slots[positions[i]].ramMb();
    }
  }

  /** The first index whose value is at least {@code min} (values ascending); n if none. */
  private static int firstAtLeast(double[] values, double min) {
    int lo = 0;
    int hi = values.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] < min) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int firstAtLeast(long[] values, long min) {
    int lo = 0;
    int hi = values.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] < min) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
