package io.borealis.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options and the set-up of the scenarios on a cluster of node processes on Cassandra ({@code
 * failover}, {@code rolling}): a picocli mixin. The cluster's data goes to {@code --data-dir} or a
 * fresh temporary directory, its journal to a keyspace of the run's own on {@code --cassandra} or
 * on a Cassandra the run starts itself.
 */
final class ClusterScenario {

  @Option(names = "--nodes", defaultValue = "3", description = "Nodes in the cluster.")
  int size;

  @Option(
      names = "--cassandra",
      description = "Contact points host:port,... (default: a Cassandra of the run's own).")
  String cassandra;

  @Option(names = "--data-dir", description = "Default: a fresh temporary directory.")
  Path dataDir;

  @Option(names = "--report", description = "Default: loadtest/results/DATE-${COMMAND-NAME}.json")
  Path report;

  /** Where the scenario's nodes keep their data (set by {@link #cluster}). */
  Path work;

  /**
   * The cluster of the scenario {@code name}, not started yet; starts a Cassandra when none was
   * given.
   */
  LocalCluster cluster(String name) throws Exception {
    if (cassandra == null || cassandra.isBlank()) {
      cassandra = Durability.ownCassandra();
    }
    work = dataDir != null ? dataDir : Files.createTempDirectory("borealis-" + name);
    String keyspace = name + "_" + Long.toHexString(System.currentTimeMillis());
    return new LocalCluster(work, size, cassandra, keyspace);
  }

  /** Adds what every such scenario reports, and writes the report of the scenario {@code name}. */
  void write(String name, Map<String, Object> out) throws Exception {
    Map<String, Object> machine = LoadTest.machine();
    machine.put("note", "each node in a JVM of its own, harness in another, one Cassandra");
    out.put("machine", machine);
    out.put("work", work.toString());
    LoadTest.write(out, report != null ? report : LoadTest.defaultReport(name));
  }
}
