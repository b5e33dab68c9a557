package io.borealis.http;

import io.borealis.model.FieldError;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobKey;
import io.borealis.task.ScheduleStatus;
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
      throw new BadRequest(errors);
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
        throw new BadRequest(name, "must be between 0 and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadRequest(name, "must be a whole number");
    }
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
      throw new BadRequest(
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
    return instanceSet(v.get(), name, max);
  }

  static Set<Integer> instanceSet(String text, String field, int max) {
    try {
      return InstanceRanges.parse(text, max);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(field, e.getMessage());
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
      throw new BadRequest(name, "must be a duration such as 30s, 500ms or 2m");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d =
        switch (unit) {
          case "ms" -> Duration.ofMillis(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofSeconds(n);
        };
    if (d.compareTo(max) > 0) {
      throw new BadRequest(name, "must be at most " + max.toSeconds() + "s");
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
        throw new BadRequest("index", "must be >= 0");
      }
      return Optional.of(n);
    } catch (NumberFormatException e) {
      throw new BadRequest("index", "must be a whole number");
    }
  }
}
