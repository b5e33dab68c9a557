package io.borealis.loadtest;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Counts the ERROR lines the in-process node logs (a burst must produce none), and keeps the first
 * few so that a report can say what they were.
 */
final class ErrorLog extends AppenderBase<ILoggingEvent> {

  private static final int KEEP = 5;

  private final AtomicLong errors = new AtomicLong();
  private final List<String> first = new ArrayList<>();

  /** Attaches a counter to the root logger; empty when logging does not go to logback. */
  static Optional<ErrorLog> attach() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return Optional.empty();
    }
    ErrorLog log = new ErrorLog();
    log.setContext(context);
    log.setName("loadtest-error-counter");
    log.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(log);
    return Optional.of(log);
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (!event.getLevel().isGreaterOrEqual(Level.ERROR)) {
      return;
    }
    errors.incrementAndGet();
    synchronized (first) {
      if (first.size() < KEEP) {
        first.add(event.getLoggerName() + " - " + event.getFormattedMessage());
      }
    }
  }

  long errors() {
    return errors.get();
  }

  List<String> first() {
    synchronized (first) {
      return List.copyOf(first);
    }
  }
}
