package io.borealis.quota;

import java.util.Locale;

/** Amounts written for people in quota messages: cores, and MiB grown into GiB and TiB. */
final class Units {

  private Units() {}

  /** {@code 2 CPU}, {@code 0.25 CPU}. */
  static String cpu(double cores) {
    return trim(String.format(Locale.ROOT, "%.3f", cores)) + " CPU";
  }

  /** {@code 512 MiB} below 1 GiB, else {@code 1.5 GiB} or {@code 2.0 TiB} (one decimal). */
  static String mebibytes(double mb) {
    double abs = Math.abs(mb);
    if (abs < 1024) {
      return String.format(Locale.ROOT, "%d MiB", Math.round(mb));
    }
    if (abs < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f GiB", mb / 1024);
    }
    return String.format(Locale.ROOT, "%.1f TiB", mb / (1024 * 1024));
  }

  /** Drops trailing zeros of a fixed-point number, and the point when nothing follows it. */
  private static String trim(String fixed) {
    String s = fixed.contains(".") ? fixed.replaceAll("0+$", "") : fixed;
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
