package io.borealis.loadtest;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When to retry a request the node refused as overloaded. A {@code 503} or {@code 429} means
 * nothing changed (the API contract), so the harness waits and sends the same request again: as
 * long as {@code Retry-After} says (seconds or an HTTP date, capped at {@code maxWait}), or,
 * without the header, an exponential back-off with jitter so that many refused clients do not
 * return in step. Pure: the clock and the randomness come from the caller.
 */
record RetryPolicy(
    Duration baseBackoff, Duration maxBackoff, Duration maxWait, Duration giveUpAfter) {

  /** The harness's defaults: 100 ms doubling up to 5 s, Retry-After honoured up to 30 s. */
  static final RetryPolicy DEFAULT =
      new RetryPolicy(
          Duration.ofMillis(100),
          Duration.ofSeconds(5),
          Duration.ofSeconds(30),
          Duration.ofMinutes(10));

  /** Whether a response with this status is an overload refusal that may be retried. */
  static boolean overloaded(int status) {
    return status == 503 || status == 429;
  }

  /**
   * How long to wait before attempt {@code attempt + 1}, given the {@code Retry-After} header of
   * the refusal of attempt {@code attempt} (1-based); empty once {@code giveUpAfter} has passed
   * since the first attempt.
   */
  Optional<Duration> delay(
      Optional<String> retryAfter,
      int attempt,
      Instant firstAttempt,
      Instant now,
      RandomGenerator random) {
    Duration wait =
        retryAfter.flatMap(h -> parse(h, now)).orElseGet(() -> backoff(attempt, random));
    if (wait.compareTo(maxWait) > 0) {
      wait = maxWait;
    }
    if (Duration.between(firstAttempt, now.plus(wait)).compareTo(giveUpAfter) > 0) {
      return Optional.empty();
    }
    return Optional.of(wait);
  }

  /** Full back-off for this attempt, then a uniformly random half to full of it. */
  private Duration backoff(int attempt, RandomGenerator random) {
    long base = baseBackoff.toNanos() << Math.min(Math.max(attempt - 1, 0), 30);
    long capped = Math.min(base, maxBackoff.toNanos());
    return Duration.ofNanos(capped / 2 + (long) (random.nextDouble() * (capped / 2)));
  }

  /** {@code Retry-After} as delta-seconds or an HTTP date (RFC 9110 §10.2.3); empty if neither. */
  static Optional<Duration> parse(String header, Instant now) {
    String value = header.trim();
    try {
      long seconds = Long.parseLong(value);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      // Fall through to the date form.
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
    } catch (DateTimeParseException notADate) {
      return Optional.empty();
    }
  }
}
