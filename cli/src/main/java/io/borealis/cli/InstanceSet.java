package io.borealis.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A set of instance ids in Aurora's range syntax, {@code 0-3,7}. Kept as ranges: what a user types
 * is checked and sent on, never expanded, so {@code 0-99999} costs nothing here and the scheduler
 * applies its own limit.
 */
record InstanceSet(List<Range> ranges) {

  record Range(int first, int last) {
    @Override
    public String toString() {
      return first == last ? Integer.toString(first) : first + "-" + last;
    }
  }

  InstanceSet {
    ranges = List.copyOf(ranges);
  }

  /**
   * Parses {@code 0-3,7}.
   *
   * @throws IllegalArgumentException saying which part is wrong
   */
  static InstanceSet parse(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("the instance set is empty");
    }
    List<Range> ranges = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.strip();
      int dash = p.indexOf('-', 1);
      try {
        int first = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
        int last = dash < 0 ? first : Integer.parseInt(p.substring(dash + 1).strip());
        if (first < 0 || last < first) {
          throw new IllegalArgumentException("'" + p + "' is not a range of instance ids");
        }
        ranges.add(new Range(first, last));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "'" + p + "' is not an instance id or a range such as 0-3");
      }
    }
    return new InstanceSet(ranges);
  }

  boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The ids of this set that {@code ids} does not hold, as ranges (never expanded). */
  InstanceSet minus(SortedSet<Integer> ids) {
    List<Range> left = new ArrayList<>();
    for (Range r : ranges) {
      long from = r.first();
      for (int id :
          ids.subSet(r.first(), r.last() == Integer.MAX_VALUE ? r.last() : r.last() + 1)) {
        if (id > from) {
          left.add(new Range((int) from, id - 1));
        }
        from = id + 1L;
      }
      if (from <= r.last()) {
        left.add(new Range((int) from, r.last()));
      }
    }
    return new InstanceSet(left);
  }

  /** The one instance this set names, if it names exactly one. */
  boolean isSingle() {
    int id = ranges.get(0).first();
    return ranges.stream().allMatch(r -> r.first() == id && r.last() == id);
  }

  int first() {
    return ranges.get(0).first();
  }

  /** Every id; only for sets the scheduler sent, which are bounded by the job's size. */
  SortedSet<Integer> ids() {
    SortedSet<Integer> ids = new TreeSet<>();
    for (Range r : ranges) {
      for (int i = r.first(); i <= r.last(); i++) {
        ids.add(i);
      }
    }
    return ids;
  }

  /** The shortest range text for some ids: {@code 0-2,5}. */
  static String format(Collection<Integer> ids) {
    List<String> parts = new ArrayList<>();
    int start = -1;
    int prev = -1;
    for (int id : new TreeSet<>(ids)) {
      if (start < 0) {
        start = id;
      } else if (id != prev + 1) {
        parts.add(new Range(start, prev).toString());
        start = id;
      }
      prev = id;
    }
    if (start >= 0) {
      parts.add(new Range(start, prev).toString());
    }
    return String.join(",", parts);
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    ranges.forEach(r -> parts.add(r.toString()));
    return String.join(",", parts);
  }
}
