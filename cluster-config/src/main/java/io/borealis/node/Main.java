package io.borealis.node;

import io.borealis.cli.Cli;
import io.borealis.cli.Env;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

  /**
   * Every command: the client's ({@code job}, {@code task}, {@code admin}, ...), {@code server},
   * {@code cassandra} (a local Cassandra) and {@code admin cassandra} (its schema).
   */
  static CommandLine commandLine(PrintStream out, PrintStream err, Env env) {
    CommandLine cli = Cli.commandLine(out, err, env);
    cli.addSubcommand(new Server());
    cli.addSubcommand(new CassandraCommands());
    cli.getSubcommands().get("admin").addSubcommand(new CassandraAdmin());
    cli.getSubcommands().get("admin").addSubcommand(new Passwd());
    CommandLine server = cli.getSubcommands().get("server");
    // Added after the tree was set up: print where the rest of the tree prints.
    for (String name : new String[] {"server", "cassandra"}) {
      setStreams(cli.getSubcommands().get(name), cli);
    }
    setStreams(cli.getSubcommands().get("admin").getSubcommands().get("cassandra"), cli);
    setStreams(cli.getSubcommands().get("admin").getSubcommands().get("passwd"), cli);
    // The registries say what each backend and store is.
    server
        .getCommandSpec()
        .usageMessage()
        .footer("", "Backends: " + Backends.help() + ".", "Stores: " + Stores.help() + ".");
    return cli;
  }

  private static void setStreams(CommandLine command, CommandLine from) {
    command.setOut(from.getOut());
    command.setErr(from.getErr());
    command.getSubcommands().values().forEach(sub -> setStreams(sub, from));
  }

  /** {@code borealis server}: runs a scheduler node until it is stopped. */
  @Command(
      name = "server",
      mixinStandardHelpOptions = true,
      description = "Run a scheduler node (stop it with Ctrl-C or SIGTERM).")
  static final class Server implements Callable<Integer> {

    @Option(
        names = "--backend",
        description = "Resource backend: ${COMPLETION-CANDIDATES} (default: local).",
        completionCandidates = BackendNames.class)
    String backend;

    @Option(
        names = "--store",
        description =
            "Where events and snapshots are stored: ${COMPLETION-CANDIDATES} (default: embedded,"
                + " an H2 file under the data folder).",
        completionCandidates = StoreNames.class)
    String store;

    @Option(
        names = "--cassandra",
        paramLabel = "HOST:PORT,...",
        description =
            "The Cassandra cluster's contact points (implies --store cassandra; default"
                + " 127.0.0.1:9042).")
    String cassandra;

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
        names = "--log-format",
        paramLabel = "text|json",
        description =
            "Log lines as text (default) or as one JSON object each, with task and update ids"
                + " (also BOREALIS_LOG_FORMAT=json).")
    String logFormat;

    @Option(
        names = "--sim-agents",
        description = "Number of simulated agents at start (sim backend; default 4).")
    Integer simAgents;

    @Option(
        names = "--cluster-host",
        paramLabel = "HOST",
        description =
            "The address other nodes reach this node's cluster transport at (default: 127.0.0.1,"
                + " enough for nodes on one machine).")
    String clusterHost;

    @Option(
        names = "--cluster-port",
        paramLabel = "PORT",
        description =
            "The port of this node's cluster transport (default: 0, a free one; a seed node needs"
                + " a fixed one, such as 2551).")
    Integer clusterPort;

    @Option(
        names = "--seed",
        paramLabel = "HOST:PORT,...",
        split = ",",
        description =
            "The seed nodes' cluster addresses (their --cluster-host:--cluster-port); this node's"
                + " own may be among them. The first one starts the cluster when no other is up."
                + " Without seeds (or --discovery) the node is a cluster of one.")
    List<String> seeds;

    @Option(
        names = "--discovery",
        paramLabel = "config|dns",
        description =
            "Form the cluster through cluster bootstrap instead of --seed: find the peers through"
                + " config (--contact-points) or dns (records of --service-name), or another"
                + " pekko.discovery method set up in --config.")
    String discovery;

    @Option(
        names = "--contact-points",
        paramLabel = "HOST:PORT,...",
        split = ",",
        description =
            "For --discovery config: every node's management endpoint (its --cluster-host and"
                + " --management-port), the same list on every node.")
    List<String> contactPoints;

    @Option(
        names = "--service-name",
        paramLabel = "NAME",
        description = "The name discovery knows the nodes by (default: borealis).")
    String serviceName;

    @Option(
        names = "--management-port",
        paramLabel = "PORT",
        description =
            "The port of this node's bootstrap contact point, on its --cluster-host (default:"
                + " 7626).")
    Integer managementPort;

    @Option(
        names = "--required-contact-points",
        paramLabel = "N",
        description =
            "How many nodes must be found before a new cluster forms (default: 2; 2 or 3 on a"
                + " cluster of three).")
    Integer requiredContactPoints;

    @Option(
        names = "--config",
        description = "A HOCON file with more settings (see the modules' reference.conf).")
    Path configFile;

    @Option(
        names = "--auth-conf",
        paramLabel = "FILE",
        description =
            "Turn authentication on with this users file (bcrypt hashes and roles; see"
                + " `borealis admin passwd`).")
    Path authConf;

    @Option(
        names = "--tls-keystore",
        paramLabel = "FILE",
        description =
            "Serve HTTPS with the key in this PKCS12 keystore (its password from"
                + " BOREALIS_TLS_PASSWORD or borealis.http.tls.keystore-password).")
    Path tlsKeystore;

    @Override
    public Integer call() throws Exception {
      if (backend != null && !Node.BACKENDS.contains(backend)) {
        System.err.println("borealis: " + Backends.unavailable(backend));
        return 2;
      }
      if (cassandra != null && store == null) {
        store = "cassandra";
      }
      if (store != null && !Node.STORES.contains(store)) {
        System.err.println("borealis: " + Stores.unavailable(store));
        return 2;
      }
      String format =
          logFormat != null
              ? logFormat
              : Optional.ofNullable(System.getenv("BOREALIS_LOG_FORMAT")).orElse("text");
      if (!LogFormat.NAMES.contains(format)) {
        System.err.println(
            "borealis: --log-format (or BOREALIS_LOG_FORMAT) must be text or json, not " + format);
        return 2;
      }
      LogFormat.use(format);
      if (clusterPort != null && (clusterPort < 0 || clusterPort > 65535)) {
        System.err.println("borealis: --cluster-port must be between 0 and 65535");
        return 2;
      }
      List<String> seedNodes;
      Map<String, Object> bootstrap;
      try {
        seedNodes = ClusterSeeds.addresses(seeds == null ? List.of() : seeds);
        bootstrap =
            Bootstrap.settings(
                new Bootstrap.Flags(
                    discovery,
                    seeds,
                    serviceName,
                    managementPort,
                    requiredContactPoints,
                    contactPoints));
      } catch (IllegalArgumentException e) {
        System.err.println("borealis: " + e.getMessage());
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
              clusterSettings(seedNodes, bootstrap));
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

    private Map<String, Object> clusterSettings(
        List<String> seedNodes, Map<String, Object> bootstrap) {
      Map<String, Object> settings = new java.util.HashMap<>(bootstrap);
      if (store != null) {
        settings.put(Stores.KIND, store);
      }
      if (cassandra != null) {
        settings.put("borealis.store.cassandra.contact-points", cassandra);
      }
      if (authConf != null) {
        settings.put("borealis.http.auth.enabled", true);
        settings.put("borealis.http.auth.users-file", authConf.toAbsolutePath().toString());
      }
      if (tlsKeystore != null) {
        settings.put("borealis.http.tls.keystore", tlsKeystore.toAbsolutePath().toString());
      }
      if (clusterHost != null) {
        settings.put("pekko.remote.artery.canonical.hostname", clusterHost);
      }
      if (clusterPort != null) {
        settings.put("pekko.remote.artery.canonical.port", clusterPort);
      }
      if (!seedNodes.isEmpty()) {
        settings.put("pekko.cluster.seed-nodes", seedNodes);
      }
      return settings;
    }
  }

  /** The backends, for help text. */
  static final class BackendNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Backends.names().iterator();
    }
  }

  /** The stores, for help text. */
  static final class StoreNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Stores.names().iterator();
    }
  }
}
