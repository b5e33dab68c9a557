package io.borealis.node;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Set;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The node's log format: {@code text} lines or {@code json} objects (logback.xml picks the appender
 * named by {@code BOREALIS_LOG_FORMAT}). Chosen on the command line, it is set as that property and
 * logback is configured again, before the node logs anything.
 */
final class LogFormat {

  /** The formats logback.xml has an appender for. */
  static final Set<String> NAMES = Set.of("text", "json");

  private LogFormat() {}

  /** Logs in {@code format} from now on. */
  static void use(String format) {
    if (format.equals(System.getProperty("BOREALIS_LOG_FORMAT"))) {
      return;
    }
    System.setProperty("BOREALIS_LOG_FORMAT", format);
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext context) {
      context.reset();
      try {
        new ContextInitializer(context).autoConfig();
      } catch (JoranException e) {
        throw new IllegalStateException("logback could not be configured for " + format, e);
      }
    }
  }
}
