package io.borealis.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code borealis} command: Aurora's client commands over the scheduler's HTTP API. The node's
 * entry point adds its {@code server} command to the same tree, so one launcher runs both.
 *
 * <p>Exit codes: 0 done, 1 the scheduler refused (or a job waited for did not come up), 2 a usage
 * error (command line, job file, cluster configuration), 3 the scheduler cannot be reached. A wait
 * for an update ({@code update start --wait}, {@code update wait}) exits 0 only when it
 * ROLLED_FORWARD, and 10 ROLLED_BACK, 11 ABORTED, 12 FAILED, 13 ERROR ({@link UpdateWaiter}), so
 * that no end of an update is mistaken for a usage error or an unreachable scheduler.
 */
@Command(
    name = "borealis",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    description = "A cluster scheduler in the tradition of Apache Aurora.",
    subcommands = {
      JobCommands.class,
      UpdateCommands.class,
      TaskCommands.class,
      AdminCommands.class
    })
public final class Cli implements Callable<Integer> {

  static final String VERSION = "0.1.0";

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliException.USAGE;
  }

  /** Runs one command line and returns its exit code; never throws, never exits. */
  public static int run(String[] args, PrintStream out, PrintStream err, Env env) {
    return commandLine(out, err, env).execute(args);
  }

  /**
   * The command tree, printing to {@code out} and {@code err}, ready for {@link
   * CommandLine#execute}. Callers may add subcommands (the node adds {@code server}).
   */
  public static CommandLine commandLine(PrintStream out, PrintStream err, Env env) {
    Context ctx = new Context(out, err, env);
    CommandLine cli = new CommandLine(new Cli(), new Factory(ctx));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.registerConverter(JobKeyArg.class, text -> convert(() -> JobKeyArg.parse(text)));
    cli.registerConverter(Duration.class, text -> convert(() -> duration(text)));
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine c = e.getCommandLine();
          if (wantsJson(List.of(args))) {
            printError(out, e.getMessage(), CliException.USAGE, List.of(), null);
          }
          err.println("borealis: " + e.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(e, c.getErr());
          err.println(
              "Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
          return CliException.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          boolean json = parsed != null && wantsJson(parsed.originalArgs());
          if (e instanceof CliException failure) {
            if (json) {
              printError(
                  out,
                  failure.getMessage(),
                  failure.exitCode(),
                  failure.details(),
                  failure instanceof CliException.ProblemException p ? p.problem() : null);
            }
            err.println("borealis: " + failure.getMessage());
            failure.details().forEach(err::println);
            return failure.exitCode();
          }
          // A bug: say so in one line; --verbose shows where.
          if (json) {
            printError(out, "unexpected error: " + e, CliException.REFUSED, List.of(), null);
          }
          err.println("borealis: unexpected error: " + e);
          if (parsed != null && parsed.originalArgs().contains("--verbose")) {
            e.printStackTrace(err);
          }
          return CliException.REFUSED;
        });
    return cli;
  }

  /**
   * Whether the command line asks for {@code -o json}, read from the words themselves, since a
   * command line that failed to parse has no options to ask.
   */
  static boolean wantsJson(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        return false;
      }
      String value = null;
      if ((a.equals("-o") || a.equals("--output")) && i + 1 < args.size()) {
        value = args.get(i + 1);
      } else if (a.startsWith("--output=")) {
        value = a.substring("--output=".length());
      } else if (a.startsWith("-o=")) {
        value = a.substring(3);
      } else if (a.startsWith("-o") && !a.startsWith("--")) {
        value = a.substring(2);
      }
      if (value != null && value.equalsIgnoreCase("json")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A failure as the one JSON document of a {@code -o json} run: {@code {"error": {"message",
   * "exit_code", "details"?, "problem"?}}}, where {@code problem} is the scheduler's problem body
   * when it answered with one.
   */
  static void printError(
      PrintStream out, String message, int exitCode, List<String> details, Problem problem) {
    ObjectNode error = Json.object();
    error.put("message", message);
    error.put("exit_code", exitCode);
    if (!details.isEmpty()) {
      ArrayNode lines = error.putArray("details");
      details.forEach(d -> lines.add(d.strip()));
    }
    if (problem != null) {
      error.set("problem", problem.toJson());
    }
    ObjectNode doc = Json.object();
    doc.set("error", error);
    out.println(Json.pretty(doc));
    out.flush();
  }

  /** {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT5M}). */
  static Duration duration(String text) {
    Matcher m = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?").matcher(text.strip());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      switch (unit) {
        case "ms":
          return Duration.ofMillis(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofSeconds(n);
      }
    }
    try {
      return Duration.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration such as 30s, 500ms, 5m or 1h");
    }
  }

  /** {@code 5m}, {@code 30s}, {@code 250ms}: the way {@link #duration} reads them. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private interface Parse<T> {
    T get();
  }

  // Picocli reports a TypeConversionException's message as it is; any other exception it wraps.
  private static <T> T convert(Parse<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  /** Builds commands that take the run's {@link Context}; picocli builds the rest itself. */
  private record Factory(Context ctx) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      try {
        return type.getDeclaredConstructor(Context.class).newInstance(ctx);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(type);
      }
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Borealis " + VERSION};
    }
  }
}
