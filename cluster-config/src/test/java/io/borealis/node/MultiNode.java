package io.borealis.node;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;

/**
 * Several Borealis nodes, each in its own JVM on loopback, forming one Pekko Cluster on the
 * Cassandra of the test tier ({@link CassandraTier}): the same keyspaces for all of them (they are
 * one cluster), fresh ones per cluster. Every node names all of them as seeds with {@code --seed},
 * the first one bootstraps. Only in the Cassandra tier: the embedded store is one node's.
 */
final class MultiNode implements AutoCloseable {

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<Integer> clusterPorts = new ArrayList<>();

  /**
   * {@code size} nodes with {@code settings} (a backend, say) under {@code folder}, not started.
   * Skips the calling test outside the Cassandra tier.
   */
  MultiNode(Path folder, int size, String settings) throws Exception {
    this(folder, size, settings, null);
  }

  /**
   * As {@link #MultiNode(Path, int, String)}, node {@code i} started with {@code args.apply(i)}
   * instead of {@code --cluster-port} and {@code --seed} when {@code args} is not null (cluster
   * bootstrap's flags, say).
   */
  MultiNode(Path folder, int size, String settings, IntFunction<List<String>> args)
      throws Exception {
    Assumptions.assumeTrue(
        CassandraTier.enabled(),
        "a cluster of several nodes needs the shared store: run with -D"
            + CassandraTier.STORE_PROPERTY
            + "=cassandra (the cassandra-tier execution)");
    // One keyspace for the cluster, named after its folder like a single node's.
    String shared = settings + CassandraTier.settingsFor(folder.resolve("cluster"));
    for (int i = 0; i < size; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        clusterPorts.add(s.getLocalPort());
      }
    }
    String seeds = String.join(",", clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    for (int i = 0; i < size; i++) {
      nodes.add(
          new NodeProcess(
              Files.createDirectories(folder.resolve("node" + (i + 1))),
              shared,
              args != null
                  ? args.apply(i)
                  : List.of(
                      "--cluster-port", Integer.toString(clusterPorts.get(i)), "--seed", seeds)));
    }
  }

  /** Starts the first node (it forms the cluster and is its oldest), then the others together. */
  MultiNode start() throws Exception {
    nodes.get(0).start();
    return startTogether(nodes.subList(1, nodes.size()));
  }

  /**
   * Starts every node at once (none serves before the cluster forms: with cluster bootstrap, that
   * takes the required contact points).
   */
  MultiNode startAll() throws Exception {
    return startTogether(nodes);
  }

  private MultiNode startTogether(List<NodeProcess> some) throws Exception {
    List<Thread> starting = new ArrayList<>();
    List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (NodeProcess node : some) {
      Thread t =
          new Thread(
              () -> {
                try {
                  node.start();
                } catch (Exception e) {
                  failures.add(e);
                }
              });
      t.start();
      starting.add(t);
    }
    for (Thread t : starting) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    return this;
  }

  /** Starts again every node whose process exited (a test before failed half-way, say). */
  void startStopped() throws Exception {
    for (NodeProcess node : nodes) {
      if (!node.isAlive()) {
        node.start();
      }
    }
  }

  /** Node {@code i}, from 0. */
  NodeProcess node(int i) {
    return nodes.get(i);
  }

  int size() {
    return nodes.size();
  }

  /**
   * The node whose log last says the resource backend singleton started there (placement and the
   * reconciler run beside it, on the oldest member), among those alive; waits up to {@code within}.
   */
  int singletonHolder(Duration within) {
    List<Integer> holders =
        Awaitility.await("a live node saying it runs the singletons")
            .atMost(within)
            .until(
                this::liveHolders,
                h -> {
                  if (h.size() > 1) {
                    throw new AssertionError(
                        "several live nodes say they run the singletons: " + h);
                  }
                  return h.size() == 1;
                });
    return holders.get(0);
  }

  /** The live nodes whose current log says the singletons started there. */
  private List<Integer> liveHolders() throws java.io.IOException {
    List<Integer> holders = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      NodeProcess node = nodes.get(i);
      if (node.isAlive()
          && node.currentLog().contains("The resource backend singleton starts on this node")) {
        holders.add(i);
      }
    }
    return holders;
  }

  @Override
  public void close() throws Exception {
    for (NodeProcess node : nodes) {
      node.close();
    }
  }
}
