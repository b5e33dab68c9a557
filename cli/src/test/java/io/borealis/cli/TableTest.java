package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {

  @Test
  void alignsColumnsWithoutTrailingBlanks() {
    String text =
        new Table("INSTANCE", "STATUS", "HOST")
            .row(0, "RUNNING", "agent-1")
            .row(10, "PENDING", null)
            .row(2, "FAILED", "a")
            .render();
    assertThat(text)
        .isEqualTo(
            """
            INSTANCE  STATUS   HOST
            0         RUNNING  agent-1
            10        PENDING  -
            2         FAILED   a
            """);
  }

  @Test
  void keepsEachRowOnOneLine() {
    assertThat(new Table("A", "B").row("x\ny", "").render()).isEqualTo("A    B\nx y  -\n");
  }

  @Test
  void aRowNeedsAValuePerColumn() {
    assertThatThrownBy(() -> new Table("A", "B").row("only one"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new Table("A").isEmpty()).isTrue();
  }
}
