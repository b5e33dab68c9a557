package io.borealis.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Aurora's cron syntax (aurora-semantics §5): what {@link CronSchedules} accepts and rejects. */
class CronSchedulesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "*/5 * * * *",
        "0 0 * * MON-FRI",
        "15 3 1 JAN *",
        "0 0 * * 0",
        "0 0 * * SUN",
        "0 0 * * SAT",
        "0 0 * * 6",
        "0-30/10 * * * *",
        "0,15,30,45 8-18 * * *",
        "59 23 31 DEC *",
        "0 12 * JAN-MAR MON",
        "  0   0 * * *  ",
      })
  void acceptsAValidSchedule(String schedule) {
    assertThat(CronSchedules.problem(schedule)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"* * * *", "* * * * * *", "", "*/5"})
  void rejectsAScheduleWithoutExactlyFiveFields(String schedule) {
    assertThat(CronSchedules.problem(schedule))
        .hasValueSatisfying(p -> assertThat(p).contains("five"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "60 * * * *",
        "0 24 * * *",
        "0 0 0 * *",
        "0 0 32 * *",
        "0 0 * 0 *",
        "0 0 * 13 *",
        "a * * * *",
        "0 0 * * FUNDAY",
      })
  void rejectsAValueOutsideItsField(String schedule) {
    assertThat(CronSchedules.problem(schedule)).isPresent();
  }

  @Test
  void rejectsSevenAsADayOfWeek() {
    // Sunday is 0; Aurora's parser did not take 7 for Sunday.
    assertThat(CronSchedules.problem("* * * * 7")).isPresent();
    assertThat(CronSchedules.problem("0 0 * * 5-7")).isPresent();
  }

  @Test
  void rejectsRestrictingBothDayOfMonthAndDayOfWeek() {
    assertThat(CronSchedules.problem("0 0 1 * 1"))
        .hasValueSatisfying(p -> assertThat(p).contains("day of month").contains("day of week"));
    assertThat(CronSchedules.problem("0 0 1-15 * MON-FRI")).isPresent();
  }

  @Test
  void allowsRestrictingEitherDayFieldAlone() {
    assertThat(CronSchedules.problem("0 0 1 * *")).isEmpty();
    assertThat(CronSchedules.problem("0 0 * * 1")).isEmpty();
  }
}
