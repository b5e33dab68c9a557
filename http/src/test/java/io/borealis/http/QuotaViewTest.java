package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.quota.ResourceAggregate;
import org.junit.jupiter.api.Test;

/** The amounts {@code GET /api/v1/quotas/{role}} shows. */
class QuotaViewTest {

  @Test
  void summedCoresShowWithoutBinaryNoise() {
    double used = 0.1 + 0.1 + 0.1;

    QuotaRoutes.AmountView view = QuotaRoutes.AmountView.of(new ResourceAggregate(used, 48, 64));

    assertThat(new String(Json.bytes(view), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"cpu\":0.3,\"ram_mb\":48,\"disk_mb\":64}");
  }
}
