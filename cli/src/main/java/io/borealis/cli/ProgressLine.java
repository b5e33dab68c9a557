package io.borealis.cli;

import java.io.PrintStream;
import java.util.Optional;

/**
 * The progress line of a wait: on a terminal one line redrawn in place, elsewhere (logs, pipes) a
 * line per change; nothing without a stream (with {@code -o json}).
 */
final class ProgressLine {

  private final Optional<PrintStream> out;
  private final boolean terminal;
  private String shown = "";

  ProgressLine(Optional<PrintStream> out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void show(String line) {
    if (out.isEmpty() || line.equals(shown)) {
      return;
    }
    PrintStream o = out.get();
    if (terminal) {
      int pad = Math.max(0, shown.length() - line.length());
      o.print("\r" + line + " ".repeat(pad));
      o.flush();
    } else {
      o.println(line);
    }
    shown = line;
  }

  /** Ends a line redrawn in place, so what follows starts on a line of its own. */
  void finish() {
    if (out.isPresent() && terminal && !shown.isEmpty()) {
      out.get().println();
    }
    shown = "";
  }
}
