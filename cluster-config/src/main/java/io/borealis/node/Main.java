package io.borealis.node;

import io.borealis.cli.Cli;
import io.borealis.cli.Env;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code borealis} entry point: the client's command tree ({@link Cli}) with the node's {@code
 * server} command added, so one launcher and one jar run both.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    System.exit(commandLine(System.out, System.err, Env.system()).execute(args));
  }

  /** Every command: {@code job}, {@code task} and {@code server}. */
  static CommandLine commandLine(PrintStream out, PrintStream err, Env env) {
    CommandLine cli = Cli.commandLine(out, err, env);
    cli.addSubcommand(new Server());
    return cli;
  }

  /** {@code borealis server}: runs a scheduler node until it is stopped. */
  @Command(
      name = "server",
      mixinStandardHelpOptions = true,
      description = "Run a scheduler node (stop it with Ctrl-C or SIGTERM).")
  static final class Server implements Callable<Integer> {

    @Option(
        names = "--backend",
        description = "Resource backend: ${COMPLETION-CANDIDATES}.",
        completionCandidates = Backends.class)
    String backend;

    @Option(
        names = "--data-dir",
        description = "Where the node keeps its data (default: ./data).",
        defaultValue = "data")
    Path dataDir;

    @Option(names = "--port", description = "HTTP port of the API (default: 8081).")
    Integer port;

    @Option(names = "--host", description = "Interface the API listens on (default: 0.0.0.0).")
    String host;

    @Option(
        names = "--sim-agents",
        description = "Number of simulated agents at start (sim backend; default 4).")
    Integer simAgents;

    @Option(
        names = "--config",
        description = "A HOCON file with more settings (see the modules' reference.conf).")
    Path configFile;

    @Override
    public Integer call() throws Exception {
      if (backend != null && !Node.BACKENDS.contains(backend)) {
        System.err.println(
            "borealis: backend '"
                + backend
                + "' is not available in this build (available: "
                + Node.BACKENDS
                + ")");
        return 2;
      }
      if (simAgents != null && simAgents < 0) {
        System.err.println("borealis: --sim-agents must be >= 0");
        return 2;
      }
      Node.Options options =
          new Node.Options(
              dataDir,
              Optional.ofNullable(backend),
              Optional.ofNullable(port),
              Optional.ofNullable(host),
              Optional.ofNullable(simAgents),
              Optional.ofNullable(configFile),
              Map.of());
      Node node;
      try {
        node = Node.start(options, Duration.ofMinutes(5));
      } catch (Node.StartFailure e) {
        System.err.println("borealis: " + e.getMessage());
        return 1;
      } catch (Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        System.err.println("borealis: the node could not start: " + cause.getMessage());
        return 1;
      }
      node.system().getWhenTerminated().toCompletableFuture().join();
      return 0;
    }
  }

  /** The backends, for help text. */
  static final class Backends implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return new java.util.TreeSet<>(Node.BACKENDS).iterator();
    }
  }
}
