package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The preemption settings: Aurora's defaults in reference.conf, each one configurable. */
class PreemptionSettingsTest {

  @Test
  void referenceConfHoldsAurorasDefaults() {
    assertThat(PreemptionSettings.from(ConfigFactory.load())).isEqualTo(PreemptionSettings.DEFAULT);
  }

  @Test
  void everySettingCanBeShortened() {
    PreemptionSettings s =
        PreemptionSettings.from(
            ConfigFactory.parseString(
                    "borealis.placement.preemption { enabled = off, initial-delay = 1s,"
                        + " interval = 2s, preemption-delay = 3s, slot-hold = 4s,"
                        + " reservation = 5s, max-batch-size = 0 }")
                .withFallback(ConfigFactory.load()));

    assertThat(s)
        .isEqualTo(
            new PreemptionSettings(
                false,
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(3),
                Duration.ofSeconds(4),
                Duration.ofSeconds(5),
                1));
  }
}
