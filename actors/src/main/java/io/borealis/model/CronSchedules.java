package io.borealis.model;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.field.CronFieldName;
import com.cronutils.model.field.expression.Always;
import com.cronutils.model.field.expression.QuestionMark;
import com.cronutils.parser.CronParser;
import java.util.Optional;

/**
 * Cron schedules as Aurora accepted them (aurora-semantics §5): five fields, Sunday is 0 (7 is not
 * a day), and a schedule may not restrict both the day of month and the day of week.
 */
public final class CronSchedules {

  private static final CronDefinition DEFINITION =
      CronDefinitionBuilder.defineCron()
          .withMinutes()
          .withValidRange(0, 59)
          .withStrictRange()
          .and()
          .withHours()
          .withValidRange(0, 23)
          .withStrictRange()
          .and()
          .withDayOfMonth()
          .withValidRange(1, 31)
          .and()
          .withMonth()
          .withValidRange(1, 12)
          .withStrictRange()
          .and()
          .withDayOfWeek()
          .withValidRange(0, 6)
          .withMondayDoWValue(1)
          .and()
          .instance();

  private static final CronParser PARSER = new CronParser(DEFINITION);

  private CronSchedules() {}

  /** Parses a schedule; empty with the reason in {@code problem} when it is not valid. */
  public static Optional<String> problem(String schedule) {
    String trimmed = schedule.trim();
    if (trimmed.split("\\s+").length != 5) {
      return Optional.of("must have five fields: minute hour day-of-month month day-of-week");
    }
    Cron cron;
    try {
      cron = PARSER.parse(trimmed);
    } catch (IllegalArgumentException e) {
      return Optional.of("is not a valid cron schedule: " + e.getMessage());
    }
    if (isRestricted(cron, CronFieldName.DAY_OF_MONTH)
        && isRestricted(cron, CronFieldName.DAY_OF_WEEK)) {
      return Optional.of("may not restrict both day of month and day of week");
    }
    return Optional.empty();
  }

  private static boolean isRestricted(Cron cron, CronFieldName field) {
    var expression = cron.retrieve(field).getExpression();
    return !(expression instanceof Always || expression instanceof QuestionMark);
  }
}
