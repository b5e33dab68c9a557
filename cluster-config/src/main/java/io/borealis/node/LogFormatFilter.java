package io.borealis.node;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets an appender of logback.xml write only in the chosen log format: {@code selected} is the
 * format chosen ({@code ${BOREALIS_LOG_FORMAT:-text}}); the appender writes when it equals {@code
 * when}, or, with {@code unless}, when it is anything else. Both appenders stay attached to the
 * root, so logback has no unused appender to warn about, and no expression engine is needed.
 */
public final class LogFormatFilter extends Filter<ILoggingEvent> {

  private String selected = "text";
  private String when;
  private String unless;
  private boolean writes;

  public void setSelected(String selected) {
    this.selected = selected;
  }

  public void setWhen(String when) {
    this.when = when;
  }

  public void setUnless(String unless) {
    this.unless = unless;
  }

  @Override
  public void start() {
    writes = when != null ? when.equals(selected) : !selected.equals(unless);
    super.start();
  }

  @Override
  public FilterReply decide(ILoggingEvent event) {
    return writes ? FilterReply.NEUTRAL : FilterReply.DENY;
  }
}
