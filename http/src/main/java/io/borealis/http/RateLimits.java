package io.borealis.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client (a user, or the remote address of an anonymous caller): {@code
 * requestsPerSecond} tokens a second up to {@code burst}; a request takes one. Off when the rate is
 * zero. Buckets of clients that have been idle long enough to be full again are dropped when the
 * table grows large, so a scan of many addresses cannot grow it without bound.
 */
final class RateLimits {

  private static final int MAX_CLIENTS = 10_000;

  private final double perSecond;
  private final double burst;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  private record Bucket(double tokens, long at) {}

  RateLimits(double perSecond, int burst, LongSupplier nanos) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
    this.nanos = nanos;
  }

  boolean enabled() {
    return perSecond > 0;
  }

  /**
   * Takes a token for {@code client}: 0 when the request may go on, else how many whole seconds (at
   * least 1) until the next token.
   */
  long take(String client) {
    if (!enabled()) {
      return 0;
    }
    long now = nanos.getAsLong();
    if (buckets.size() >= MAX_CLIENTS) {
      buckets.values().removeIf(b -> refill(b, now) >= burst);
    }
    long[] wait = {0};
    buckets.compute(
        client,
        (k, b) -> {
          double tokens = b == null ? burst : refill(b, now);
          if (tokens >= 1) {
            return new Bucket(tokens - 1, now);
          }
          wait[0] = Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
          return new Bucket(tokens, now);
        });
    return wait[0];
  }

  private double refill(Bucket b, long now) {
    return Math.min(burst, b.tokens() + (now - b.at()) / 1e9 * perSecond);
  }
}
