package io.borealis.loadtest;

import io.borealis.persistence.cassandra.CassandraLauncher;
import io.borealis.persistence.cassandra.DisposableCassandra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loadtest/run durability}: the long form of the kill -9 durability test (see {@link
 * DurabilityRun}); the test suite runs a short form. Exits 1 when anything acknowledged was lost,
 * an instance had two active tasks, or a status went backwards.
 */
@Command(
    name = "durability",
    mixinStandardHelpOptions = true,
    description =
        "Kill -9 a node (own process, simulated fleet) at random moments under a workload of"
            + " creates, kills, restarts, added instances and status reports; after each restart"
            + " check what it serves against the log of acknowledged answers.")
final class Durability implements Callable<Integer> {

  @Option(names = "--kills", defaultValue = "20", description = "Kills (and checks).")
  int kills;

  @Option(names = "--seed", description = "Seed of the choices and kill moments (default: time).")
  Long seed;

  @Option(names = "--workers", defaultValue = "4", description = "Concurrent clients.")
  int workers;

  @Option(
      names = "--min-up",
      defaultValue = "1s",
      converter = ApiLoad.DurationConverter.class,
      description = "Shortest time the workload runs (from its first 2xx) before a kill.")
  Duration minUp;

  @Option(
      names = "--max-up",
      defaultValue = "5s",
      converter = ApiLoad.DurationConverter.class,
      description = "Longest time the workload runs (from its first 2xx) before a kill.")
  Duration maxUp;

  @Option(
      names = "--settle",
      defaultValue = "30s",
      converter = ApiLoad.DurationConverter.class,
      description = "How long an instance may take to get a task again after a restart.")
  Duration settle;

  @Option(
      names = "--store",
      defaultValue = "embedded",
      description = "The node's store: embedded (H2 in the data folder) or cassandra.")
  String store;

  @Option(
      names = "--cassandra",
      description =
          "Contact points host:port,... (store cassandra). Without it, the run starts a Cassandra"
              + " of its own under target/ and stops it at the end.")
  String cassandra;

  @Option(names = "--data-dir", description = "Default: a fresh temporary directory.")
  Path dataDir;

  @Option(names = "--report", description = "Default: loadtest/results/DATE-durability-STORE.json")
  Path report;

  @Option(
      names = "--node-java-opt",
      description = "An option for the node's JVM, e.g. -XX:TieredStopAtLevel=1 (repeatable).")
  List<String> nodeJavaOptions = new ArrayList<>();

  @Option(
      names = "--forget-data",
      description =
          "Negative control: wipe the node's data folder at every kill; the check must then find"
              + " losses (exit 1).")
  boolean forgetData;

  @Option(names = "--set", description = "A node setting, key=value (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  /** The node settings every run uses: the simulated fleet, running what it is given. */
  static final String NODE_SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 8, auto-run = on, start-delay = 20ms }
      """;

  /** The server's store options for {@code store} (and Cassandra's contact points). */
  static List<String> storeArgs(String store, String cassandra) {
    List<String> args = new ArrayList<>(List.of("--store", store));
    if (store.equals("cassandra")) {
      if (cassandra == null || cassandra.isBlank()) {
        throw new IllegalArgumentException("--store cassandra needs --cassandra host:port");
      }
      args.addAll(List.of("--cassandra", cassandra));
    }
    return args;
  }

  /**
   * Settings for {@code store} that keep a run's data apart: on Cassandra, keyspaces named after
   * the run's seed, so a run never resumes an earlier run's journal.
   */
  static String storeSettings(String store, long seed) {
    if (!store.equals("cassandra")) {
      return "";
    }
    String keyspace = "durability_" + Long.toHexString(seed);
    return "borealis.store.cassandra.keyspace = "
        + keyspace
        + "\nborealis.store.cassandra.snapshot-keyspace = "
        + keyspace
        + "_snapshot\n";
  }

  /** The contact point of a Cassandra of this run's own, started under target/. */
  static String ownCassandra() throws Exception {
    CassandraLauncher.Running running =
        DisposableCassandra.start(Path.of("target"), Duration.ofMinutes(3));
    System.err.println("durability: Cassandra of this run at " + running.contactPoint());
    return running.contactPoint();
  }

  @Override
  public Integer call() throws Exception {
    long s = seed != null ? seed : System.currentTimeMillis();
    StringBuilder conf = new StringBuilder(NODE_SETTINGS).append(storeSettings(store, s));
    if (store.equals("cassandra") && (cassandra == null || cassandra.isBlank())) {
      cassandra = ownCassandra();
    }
    settings.forEach((k, v) -> conf.append(k).append(" = ").append(v).append('\n'));
    Path work = dataDir != null ? dataDir : Files.createTempDirectory("borealis-durability");
    DurabilityRun.Result result =
        new DurabilityRun(
                new DurabilityRun.Settings(
                    s,
                    kills,
                    workers,
                    minUp,
                    maxUp,
                    storeArgs(store, cassandra),
                    conf.toString(),
                    work,
                    settle,
                    nodeJavaOptions,
                    forgetData))
            .run();
    Map<String, Object> out = result.report();
    Map<String, Object> machine = LoadTest.machine();
    machine.put("note", "node in a JVM of its own, harness in another");
    out.put("machine", machine);
    out.put("node_java_options", nodeJavaOptions);
    out.put("node_log", work.resolve("node.log").toString());
    LoadTest.write(out, report != null ? report : LoadTest.defaultReport("durability-" + store));
    return result.passed() ? 0 : 1;
  }
}
