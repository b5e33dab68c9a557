package io.borealis.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the client words things for people: counts with the right plural, durations as {@code 1m30s},
 * times to the second, task ids short. {@code -o json} shows every value as the scheduler sent it.
 */
final class Messages {

  private static final Pattern MILLIS = Pattern.compile("\\b(\\d+) ?ms\\b");
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  // Task ids end in a UUID (TaskIds): role-env-name-instance-uuid.
  private static final Pattern TASK_ID_UUID =
      Pattern.compile("-([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

  private Messages() {}

  /** {@code 1 task}, {@code 2 tasks}. */
  static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** {@code instance 2}, {@code instances 0-3}: the noun in the number the set needs. */
  static String instances(String ranges) {
    boolean one = ranges.matches("\\d+");
    return (one ? "instance " : "instances ") + ranges;
  }

  /** {@code 250ms}, {@code 1.5s}, {@code 45s}, {@code 1m30s}, {@code 2h5m}. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return ms % 1000 == 0
          ? ms / 1000 + "s"
          : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0).replace(".0s", "s");
    }
    long s = ms / 1000;
    StringBuilder out = new StringBuilder();
    if (s >= 3600) {
      out.append(s / 3600).append('h');
    }
    if (s % 3600 / 60 > 0) {
      out.append(s % 3600 / 60).append('m');
    }
    if (s % 60 > 0) {
      out.append(s % 60).append('s');
    }
    return out.toString();
  }

  /** A scheduler's message with each {@code 90179 ms} as {@code 1m30s}. */
  static String humanDurations(String text) {
    Matcher m = MILLIS.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String human;
      try {
        human = human(Duration.ofMillis(Long.parseLong(m.group(1))));
      } catch (NumberFormatException tooLong) {
        human = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(human));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** {@code 2026-11-21 22:00:00Z} for an ISO-8601 instant; anything else as it is. */
  static String time(String iso) {
    try {
      return SECONDS.format(Instant.parse(iso));
    } catch (DateTimeParseException e) {
      return iso;
    }
  }

  /**
   * The first eight characters of a task id's UUID, which tell the tasks of one job apart in a
   * table; an id of another form as it is.
   */
  static String shortTaskId(String taskId) {
    Matcher m = TASK_ID_UUID.matcher(taskId);
    return m.find() ? m.group(1) : taskId;
  }
}
