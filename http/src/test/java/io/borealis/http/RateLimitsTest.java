package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitsTest {

  private final AtomicLong now = new AtomicLong();

  @Test
  void aBurstPassesThenTheRateHolds() {
    RateLimits limits = new RateLimits(2, 3, now::get);

    assertThat(limits.take("a")).isZero();
    assertThat(limits.take("a")).isZero();
    assertThat(limits.take("a")).isZero();
    assertThat(limits.take("a")).isEqualTo(1);
    assertThat(limits.take("b")).isZero();

    now.addAndGet(500_000_000L);
    assertThat(limits.take("a")).isZero();
    assertThat(limits.take("a")).isEqualTo(1);
  }

  @Test
  void aZeroRateIsOff() {
    RateLimits limits = new RateLimits(0, 1, now::get);

    for (int i = 0; i < 1000; i++) {
      assertThat(limits.take("a")).isZero();
    }
  }
}
