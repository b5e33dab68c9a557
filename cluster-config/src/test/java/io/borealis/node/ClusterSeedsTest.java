package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's --seed names, and the embedded store's refusal of a cluster of several nodes. */
class ClusterSeedsTest {

  @TempDir Path temp;

  @Test
  void seedsAreHostPortPairsTurnedIntoPekkoAddresses() {
    assertThat(ClusterSeeds.addresses(List.of("10.0.0.1:2551", " node-b:2552 ")))
        .containsExactly("pekko://borealis@10.0.0.1:2551", "pekko://borealis@node-b:2552");
    assertThatThrownBy(() -> ClusterSeeds.addresses(List.of("10.0.0.1")))
        .hasMessage(
            "a seed node is HOST:PORT, the node's --cluster-host and --cluster-port (such as"
                + " 127.0.0.1:2551), not 10.0.0.1");
  }

  @Test
  void theEmbeddedStoreRefusesSeedsThatNameOtherNodes() {
    Config config = clusterOn(2551, List.of("127.0.0.1:2551", "127.0.0.1:2552"));

    assertThat(ClusterSeeds.refusal(config))
        .hasValue(
            "The embedded store is one machine's: a cluster of several nodes needs a shared store"
                + " (--store cassandra --cassandra HOST:PORT); the seeds name other nodes"
                + " (pekko://borealis@127.0.0.1:2552)");
  }

  @Test
  void theEmbeddedStoreAcceptsItsOwnAddressAsTheOnlySeed() {
    assertThat(ClusterSeeds.refusal(clusterOn(2551, List.of("127.0.0.1:2551")))).isEmpty();
    assertThat(ClusterSeeds.refusal(clusterOn(0, List.of()))).isEmpty();
  }

  private Config clusterOn(int port, List<String> seeds) {
    return Node.config(
        Node.Options.of(temp.resolve("data"))
            .withSettings(
                Map.of(
                    "pekko.remote.artery.canonical.port",
                    port,
                    "pekko.cluster.seed-nodes",
                    ClusterSeeds.addresses(seeds))));
  }
}
