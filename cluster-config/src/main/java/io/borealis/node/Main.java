package io.borealis.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code borealis} command. */
@Command(
    name = "borealis",
    mixinStandardHelpOptions = true,
    version = "Borealis 0.1.0",
    description = "A cluster scheduler in the tradition of Apache Aurora.",
    subcommands = {Main.Server.class})
public final class Main implements Callable<Integer> {

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 2;
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExitCodeExceptionMapper(e -> 2);
    int code = cli.execute(args);
    if (code != 0) {
      System.exit(code);
    }
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
