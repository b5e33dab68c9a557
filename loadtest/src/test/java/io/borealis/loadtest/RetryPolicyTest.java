package io.borealis.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
  private final RetryPolicy policy = RetryPolicy.DEFAULT;
  private final Random random = new Random(1);

  @Test
  void waitsTheSecondsRetryAfterSays() {
    assertThat(policy.delay(Optional.of("2"), 1, NOW, NOW, random)).contains(Duration.ofSeconds(2));
  }

  @Test
  void waitsUntilTheDateRetryAfterNames() {
    assertThat(policy.delay(Optional.of("Thu, 03 Dec 2026 10:00:07 GMT"), 1, NOW, NOW, random))
        .contains(Duration.ofSeconds(7));
    assertThat(RetryPolicy.parse("Thu, 03 Dec 2026 09:59:00 GMT", NOW)).contains(Duration.ZERO);
  }

  @Test
  void capsAnOverlongRetryAfter() {
    assertThat(policy.delay(Optional.of("3600"), 1, NOW, NOW, random)).contains(policy.maxWait());
  }

  @Test
  void backsOffExponentiallyWithJitterWithoutTheHeader() {
    for (int attempt = 1; attempt <= 12; attempt++) {
      Duration full =
          Duration.ofMillis(Math.min(100L << (attempt - 1), policy.maxBackoff().toMillis()));
      Duration wait = policy.delay(Optional.empty(), attempt, NOW, NOW, random).orElseThrow();
      assertThat(wait).isBetween(full.dividedBy(2), full);
    }
  }

  @Test
  void treatsAnUnreadableHeaderAsMissing() {
    Duration wait = policy.delay(Optional.of("soon"), 1, NOW, NOW, random).orElseThrow();
    assertThat(wait).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void givesUpOnceTheRetriesWouldRunPastTheLimit() {
    Instant later = NOW.plus(policy.giveUpAfter()).minusSeconds(1);
    assertThat(policy.delay(Optional.of("2"), 40, NOW, later, random)).isEmpty();
    assertThat(policy.delay(Optional.of("0"), 40, NOW, later, random)).contains(Duration.ZERO);
  }

  @Test
  void onlyOverloadRefusalsAreRetried() {
    assertThat(RetryPolicy.overloaded(503)).isTrue();
    assertThat(RetryPolicy.overloaded(429)).isTrue();
    assertThat(RetryPolicy.overloaded(500)).isFalse();
    assertThat(RetryPolicy.overloaded(409)).isFalse();
  }
}
