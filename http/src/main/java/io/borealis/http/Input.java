package io.borealis.http;

import io.borealis.model.FieldError;
import io.borealis.model.InstanceRanges;
import io.borealis.model.ScheduleStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a route reads from a request's query, and every problem found in the request so far (in the
 * query, the path or the body): {@link #checked()} reports them all at once as one 400. Pekko's
 * parameter directives reject at the first bad parameter; the API names every bad field, so the
 * routes read the query through this instead ({@link ApiDirectives#input}).
 */
final class Input {

  private static final Pattern DURATION = Pattern.compile("^(\\d+)(ms|s|m)?$");

  private final Map<String, List<String>> query;
  private final List<FieldError> problems = new ArrayList<>();

  /** The query, with a problem noted for every parameter not in {@code known}. */
  Input(Map<String, List<String>> query, Set<String> known) {
    this.query = query;
    for (String name : new TreeSet<>(query.keySet())) {
      if (!known.contains(name)) {
        problem(
            name,
            known.isEmpty()
                ? "is not a known query parameter (this resource takes none)"
                : "is not a known query parameter (known: " + new TreeSet<>(known) + ")");
      }
    }
  }

  /** Notes a problem with the request; {@link #checked()} reports them all at once. */
  void problem(String field, String message) {
    problems.add(new FieldError(field, message));
  }

  void problems(List<FieldError> more) {
    problems.addAll(more);
  }

  /** Throws every problem noted so far as one 400. */
  void checked() {
    if (!problems.isEmpty()) {
      throw new BadRequest(problems);
    }
  }

  /** A query parameter; given twice is a problem. */
  Optional<String> query(String name) {
    List<String> values = query.get(name);
    if (values == null || values.isEmpty()) {
      return Optional.empty();
    }
    if (values.size() > 1) {
      problem(name, "is given more than once");
    }
    return Optional.of(values.get(0));
  }

  int nonNegative(String name, int dflt, int max) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < 0 || n > max) {
        problem(name, "must be between 0 and " + max);
        return dflt;
      }
      return n;
    } catch (NumberFormatException e) {
      problem(name, "must be a whole number");
      return dflt;
    }
  }

  /** A whole number >= 0 that may exceed an int (a position in a file). */
  Optional<Long> nonNegativeLong(String name) {
    return whole(name, "must be >= 0", "must be a whole number between 0 and " + Long.MAX_VALUE);
  }

  /** {@code ?index=}: the view position a read waits for. */
  Optional<Long> index() {
    return whole("index", "must be >= 0", "must be a whole number");
  }

  private Optional<Long> whole(String name, String negative, String notANumber) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      long n = Long.parseLong(v.get());
      if (n < 0) {
        problem(name, negative);
        return Optional.empty();
      }
      return Optional.of(n);
    } catch (NumberFormatException e) {
      problem(name, notANumber);
      return Optional.empty();
    }
  }

  /** {@code true} or {@code false}; anything else is a problem. */
  boolean bool(String name, boolean dflt) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return dflt;
    }
    if (v.get().equals("true") || v.get().equals("false")) {
      return Boolean.parseBoolean(v.get());
    }
    problem(name, "must be true or false");
    return dflt;
  }

  Set<ScheduleStatus> statuses(String name) {
    Optional<String> v = query(name);
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
      problem(
          name,
          "unknown status " + bad + " (statuses are " + List.of(ScheduleStatus.values()) + ")");
    }
    return result;
  }

  Set<Integer> instances(String name, int max) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return Set.of();
    }
    try {
      return InstanceRanges.parse(v.get(), max);
    } catch (IllegalArgumentException e) {
      problem(name, e.getMessage());
      return Set.of();
    }
  }

  /** A comma-separated list; blank parts are left out. */
  Set<String> strings(String name) {
    Set<String> result = new LinkedHashSet<>();
    query(name)
        .ifPresent(
            s -> {
              for (String part : s.split(",")) {
                if (!part.isBlank()) {
                  result.add(part.trim());
                }
              }
            });
    return result;
  }

  Optional<Duration> duration(String name, Duration max) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = DURATION.matcher(v.get().trim());
    if (!m.matches()) {
      problem(name, "must be a duration such as 30s, 500ms or 2m");
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
      problem(name, "must be at most " + max.toSeconds() + "s");
      return Optional.empty();
    }
    return Optional.of(d);
  }
}
