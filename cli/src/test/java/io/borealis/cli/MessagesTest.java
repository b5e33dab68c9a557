package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MessagesTest {

  @Test
  void durationsAreWrittenAsPeopleSayThem() {
    assertThat(Messages.human(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Messages.human(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(Messages.human(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Messages.human(Duration.ofMillis(90_179))).isEqualTo("1m30s");
    assertThat(Messages.human(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(Messages.human(Duration.ofSeconds(7505))).isEqualTo("2h5m5s");
  }

  @Test
  void millisecondsInTheSchedulersMessagesBecomeHuman() {
    assertThat(Messages.humanDurations("Rescheduled, penalized for 90179 ms for flapping"))
        .isEqualTo("Rescheduled, penalized for 1m30s for flapping");
    assertThat(Messages.humanDurations("took 12ms and 3000 ms")).isEqualTo("took 12ms and 3s");
    assertThat(Messages.humanDurations("no durations here, 5 msgs"))
        .isEqualTo("no durations here, 5 msgs");
  }

  @Test
  void countsTimesAndTaskIds() {
    assertThat(Messages.count(1, "new task")).isEqualTo("1 new task");
    assertThat(Messages.count(0, "task")).isEqualTo("0 tasks");
    assertThat(Messages.instances("2")).isEqualTo("instance 2");
    assertThat(Messages.instances("2-3")).isEqualTo("instances 2-3");
    assertThat(Messages.time("2026-11-21T22:00:00.123Z")).isEqualTo("2026-11-21 22:00:00Z");
    assertThat(Messages.time("soon")).isEqualTo("soon");
    assertThat(Messages.shortTaskId("www-data-prod-hello-0-6f1c2a3b-1111-4222-8333-444455556666"))
        .isEqualTo("6f1c2a3b");
    assertThat(Messages.shortTaskId("t-1")).isEqualTo("t-1");
  }
}
