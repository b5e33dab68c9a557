package io.borealis.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
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
 * error (command line, job file, cluster configuration), 3 the scheduler cannot be reached.
 */
@Command(
    name = "borealis",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    description = "A cluster scheduler in the tradition of Apache Aurora.",
    subcommands = {JobCommands.class, TaskCommands.class})
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
          err.println("borealis: " + e.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(e, c.getErr());
          err.println(
              "Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
          return CliException.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          if (e instanceof CliException failure) {
            err.println("borealis: " + failure.getMessage());
            failure.details().forEach(err::println);
            return failure.exitCode();
          }
          // A bug: say so in one line; --verbose shows where.
          err.println("borealis: unexpected error: " + e);
          if (parsed != null && parsed.originalArgs().contains("--verbose")) {
            e.printStackTrace(err);
          }
          return CliException.REFUSED;
        });
    return cli;
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
