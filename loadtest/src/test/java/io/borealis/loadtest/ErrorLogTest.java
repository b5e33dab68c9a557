package io.borealis.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class ErrorLogTest {

  @Test
  void countsErrorLinesOnlyAndKeepsTheFirst() {
    ErrorLog log = ErrorLog.attach().orElseThrow();
    Logger logger = LoggerFactory.getLogger("io.borealis.some.Component");

    logger.warn("not counted");
    logger.info("not counted either");
    logger.error("journal write failed for {}", "job-1");
    logger.error("and again");

    assertThat(log.errors()).isEqualTo(2);
    assertThat(log.first())
        .containsExactly(
            "io.borealis.some.Component - journal write failed for job-1",
            "io.borealis.some.Component - and again");
  }
}
