package io.borealis.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** Aurora's instance-set syntax: {@code 0-3,7,9-10}. */
public final class InstanceRanges {

  private InstanceRanges() {}

  /**
   * Parses a range expression into a sorted set of instance ids.
   *
   * @throws IllegalArgumentException naming what is wrong, for a 400
   */
  public static SortedSet<Integer> parse(String text, int maxSize) {
    SortedSet<Integer> ids = new TreeSet<>();
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("an instance set must not be empty");
    }
    for (String part : text.split(",")) {
      String p = part.trim();
      int dash = p.indexOf('-');
      try {
        int first = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
        int last = dash < 0 ? first : Integer.parseInt(p.substring(dash + 1).trim());
        if (first < 0 || last < first) {
          throw new IllegalArgumentException("'" + p + "' is not a range of instance ids");
        }
        // The limit is on the resulting set: repeated ids count once. Stops as soon as the set
        // outgrows it, so a huge range is never built.
        for (int i = first; i <= last && i >= 0; i++) {
          if (ids.add(i) && ids.size() > maxSize) {
            throw new IllegalArgumentException("the instance set is larger than " + maxSize);
          }
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "'" + p + "' is not an instance id or range such as 0-3");
      }
    }
    return ids;
  }

  /** The shortest range expression for a set of ids, e.g. {@code 0-3,7}. */
  public static String format(Collection<Integer> ids) {
    List<String> parts = new ArrayList<>();
    Integer start = null;
    Integer prev = null;
    for (int id : new TreeSet<>(ids)) {
      if (start == null) {
        start = id;
      } else if (id != prev + 1) {
        parts.add(start.equals(prev) ? "" + start : start + "-" + prev);
        start = id;
      }
      prev = id;
    }
    if (start != null) {
      parts.add(start.equals(prev) ? "" + start : start + "-" + prev);
    }
    return String.join(",", parts);
  }
}
