package io.borealis.node;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;

/**
 * The seed nodes of a cluster as operators name them ({@code host:port}, the server's {@code
 * --seed}) and as Pekko takes them ({@code pekko://borealis@host:port}), and the check that a node
 * on the embedded store forms no cluster with other nodes.
 */
final class ClusterSeeds {

  /** The name of every node's actor system: the nodes of one cluster share it. */
  static final String SYSTEM = "borealis";

  private ClusterSeeds() {}

  /** Pekko addresses for {@code host:port} names; fails with a sentence an operator can act on. */
  static List<String> addresses(List<String> seeds) {
    List<String> out = new ArrayList<>();
    for (String seed : seeds) {
      String s = seed.trim();
      if (s.isEmpty()) {
        continue;
      }
      int colon = s.lastIndexOf(':');
      int port = -1;
      if (colon > 0) {
        try {
          port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "a seed node is HOST:PORT, the node's --cluster-host and --cluster-port (such as"
                + " 127.0.0.1:2551), not "
                + s);
      }
      out.add("pekko://" + SYSTEM + "@" + s.substring(0, colon) + ":" + port);
    }
    return List.copyOf(out);
  }

  /**
   * The configured seed nodes other than this node itself (its canonical host and port): empty for
   * a cluster of one, which is all the embedded store allows.
   */
  static List<String> others(Config config) {
    String host = config.getString("pekko.remote.artery.canonical.hostname");
    int port = config.getInt("pekko.remote.artery.canonical.port");
    List<String> others = new ArrayList<>();
    for (String seed : config.getStringList("pekko.cluster.seed-nodes")) {
      Address address = AddressFromURIString.parse(seed);
      boolean self =
          port != 0
              && address.getPort().equals(java.util.Optional.of(port))
              && address.getHost().equals(java.util.Optional.of(host));
      if (!self) {
        others.add(seed);
      }
    }
    return others;
  }

  /**
   * Why this node must not start, when it is on the embedded store and names other nodes as seeds:
   * the embedded store is one machine's file, and two nodes writing one entity's journal each in
   * its own file would diverge.
   */
  static java.util.Optional<String> refusal(Config config) {
    if (!"embedded".equals(config.getString(Stores.KIND))) {
      return java.util.Optional.empty();
    }
    List<String> others = others(config);
    if (others.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        "The embedded store is one machine's: a cluster of several nodes needs a shared store"
            + " (--store cassandra --cassandra HOST:PORT); the seeds name other nodes ("
            + String.join(", ", others)
            + ")");
  }
}
