package io.borealis.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationConverterTest {

  private final ApiLoad.DurationConverter converter = new ApiLoad.DurationConverter();

  @Test
  void readsShortAndIsoForms() {
    assertThat(converter.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(converter.convert("60s")).isEqualTo(Duration.ofSeconds(60));
    assertThat(converter.convert("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(converter.convert("PT90S")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void rejectsANumberWithoutUnit() {
    assertThatThrownBy(() -> converter.convert("60")).isInstanceOf(IllegalArgumentException.class);
  }
}
