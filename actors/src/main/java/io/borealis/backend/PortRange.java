package io.borealis.backend;

import java.util.ArrayList;
import java.util.List;

/** An inclusive range of ports, written {@code 31000-32000}. */
public record PortRange(int begin, int end) {

  public PortRange {
    if (begin < 1 || end > 65535 || end < begin) {
      throw new IllegalArgumentException("'" + begin + "-" + end + "' is not a port range");
    }
  }

  public int size() {
    return end - begin + 1;
  }

  /** Parses {@code 31000-32000,33000} (comma-separated ranges or single ports). */
  public static List<PortRange> parseList(String text) {
    List<PortRange> ranges = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      try {
        int dash = p.indexOf('-');
        int begin = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
        int end = dash < 0 ? begin : Integer.parseInt(p.substring(dash + 1).trim());
        ranges.add(new PortRange(begin, end));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + p + "' is not a port range such as 31000-32000");
      }
    }
    return ranges;
  }
}
