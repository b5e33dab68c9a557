package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/** The options every command takes. */
final class Common {

  enum Output {
    TABLE,
    JSON
  }

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "table (for people; the default) or json (for scripts).")
  Output output = Output.TABLE;

  @Option(
      names = "--verbose",
      description = "Show each HTTP request, and the stack trace of an unexpected error.")
  boolean verbose;

  boolean json() {
    return output == Output.JSON;
  }

  static void printJson(PrintStream out, JsonNode node) {
    out.println(Json.pretty(node));
  }
}
