package io.borealis.http;

import io.borealis.model.FieldError;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading and checking query and path parameters; every problem is a 400 naming the parameter. */
final class Params {

  private static final Pattern DURATION = Pattern.compile("^(\\d+)(ms|s|m)?$");

  private Params() {}

  static JobKey jobKey(Call call) {
    String role = call.path("role");
    String env = call.path("env");
    String name = call.path("name");
    List<FieldError> errors = JobKey.validate(role, env, name, "");
    if (!errors.isEmpty()) {
      // Nothing can be done without a valid key: report it with whatever else is wrong.
      call.problems(errors);
      call.checked();
    }
    return new JobKey(role, env, name);
  }

  static int nonNegative(Call call, String name, int dflt, int max) {
    Optional<String> v = call.query(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < 0 || n > max) {
        call.problem(name, "must be between 0 and " + max);
        return dflt;
      }
      return n;
    } catch (NumberFormatException e) {
      call.problem(name, "must be a whole number");
      return dflt;
    }
  }

  /** A whole number >= 0 that may exceed an int (a position in a file). */
  static Optional<Long> nonNegativeLong(Call call, String name) {
    Optional<String> v = call.query(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      long n = Long.parseLong(v.get());
      if (n < 0) {
        call.problem(name, "must be >= 0");
        return Optional.empty();
      }
      return Optional.of(n);
    } catch (NumberFormatException e) {
      call.problem(name, "must be a whole number between 0 and " + Long.MAX_VALUE);
      return Optional.empty();
    }
  }

  /** {@code true} or {@code false}; anything else is a problem. */
  static boolean bool(Call call, String name, boolean dflt) {
    Optional<String> v = call.query(name);
    if (v.isEmpty()) {
      return dflt;
    }
    if (v.get().equals("true") || v.get().equals("false")) {
      return Boolean.parseBoolean(v.get());
    }
    call.problem(name, "must be true or false");
    return dflt;
  }

  static Set<ScheduleStatus> statuses(Call call, String name) {
    Optional<String> v = call.query(name);
    if (v.isEmpty()) {
      return Set.of();
    }
    Set<ScheduleStatus> result = EnumSet.noneOf(ScheduleStatus.class);
    List<String> bad = new ArrayList<>();
    for (String s : v.get().split(",")) {
      try {
        result.add(ScheduleStatus.valueOf(s.trim().toUpperCase()));
      } catch (IllegalArgumentException e) {
        bad.add(s.trim());
      }
    }
    if (!bad.isEmpty()) {
      call.problem(
          name,
          "unknown status " + bad + " (statuses are " + List.of(ScheduleStatus.values()) + ")");
    }
    return result;
  }

  static Set<Integer> instances(Call call, String name, int max) {
    Optional<String> v = call.query(name);
    if (v.isEmpty()) {
      return Set.of();
    }
    try {
      return InstanceRanges.parse(v.get(), max);
    } catch (IllegalArgumentException e) {
      call.problem(name, e.getMessage());
      return Set.of();
    }
  }

  static Set<String> strings(Call call, String name) {
    Optional<String> v = call.query(name);
    Set<String> result = new LinkedHashSet<>();
    v.ifPresent(
        s -> {
          for (String part : s.split(",")) {
            if (!part.isBlank()) {
              result.add(part.trim());
            }
          }
        });
    return result;
  }

  static Optional<Duration> duration(Call call, String name, Duration max) {
    Optional<String> v = call.query(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = DURATION.matcher(v.get().trim());
    if (!m.matches()) {
      call.problem(name, "must be a duration such as 30s, 500ms or 2m");
      return Optional.empty();
    }
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d;
    try {
      long n = Long.parseLong(m.group(1));
      d =
          switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
          };
    } catch (NumberFormatException | ArithmeticException tooLarge) {
      // More digits than a long holds, or more minutes than a Duration: over any maximum.
      d = null;
    }
    if (d == null || d.compareTo(max) > 0) {
      call.problem(name, "must be at most " + max.toSeconds() + "s");
      return Optional.empty();
    }
    return Optional.of(d);
  }

  static Optional<Long> index(Call call) {
    Optional<String> v = call.query("index");
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      long n = Long.parseLong(v.get());
      if (n < 0) {
        call.problem("index", "must be >= 0");
        return Optional.empty();
      }
      return Optional.of(n);
    } catch (NumberFormatException e) {
      call.problem("index", "must be a whole number");
      return Optional.empty();
    }
  }
}
