package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.persistence.cassandra.CassandraLauncher;
import io.borealis.persistence.cassandra.DisposableCassandra;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Cassandra outage under a serving node (Cassandra tier only: it starts a Cassandra of its own
 * and stops it): {@code /ready} turns 503 naming the store, while {@code /health} stays 200 (the
 * node still serves reads) and {@code /leaderhealth} still says where the backend runs.
 */
class StoreOutageTest {

  @Test
  void readyNamesTheStoreWhenCassandraStopsAndHealthStaysUp(@TempDir Path temp) throws Exception {
    Assumptions.assumeTrue(CassandraTier.enabled(), "runs on the Cassandra tier");
    CassandraLauncher.Running cassandra;
    try {
      // Under a folder of its own: starting one stops the leftovers under its folder, and the
      // tier's shared Cassandra lives directly under target/.
      cassandra =
          DisposableCassandra.start(Path.of("target", "outage-cassandra"), Duration.ofMinutes(3));
    } catch (CassandraLauncher.LaunchFailure e) {
      Assumptions.abort("Cassandra cannot run here: " + e.getMessage());
      return;
    }
    String settings =
        """
        borealis.backend.kind = sim
        borealis.store.kind = cassandra
        borealis.store.cassandra.contact-points = "%s"
        borealis.store.cassandra.keyspace = outage
        borealis.store.cassandra.snapshot-keyspace = outage_snapshot
        """
            .formatted(cassandra.contactPoint());
    try (NodeProcess node =
        new NodeProcess(Files.createDirectories(temp.resolve("outage")), settings, false).start()) {
      await(node, "/ready", r -> r.statusCode() == 200);
      assertThat(node.raw("GET", "/leaderhealth", null).statusCode()).isEqualTo(200);

      CassandraLauncher.stop(cassandra.dataDir(), Duration.ofSeconds(30));

      HttpResponse<String> ready = await(node, "/ready", r -> r.statusCode() == 503);
      assertThat(ready.body())
          .contains(
              "The node is not ready: the store (cassandra) is unreachable: its health check"
                  + " does not succeed.");
      assertThat(ready.body()).doesNotContain("starting");
      assertThat(node.raw("GET", "/health", null).statusCode()).isEqualTo(200);
      assertThat(node.raw("GET", "/leaderhealth", null).statusCode()).isEqualTo(200);
    } finally {
      CassandraLauncher.stop(cassandra.dataDir(), Duration.ofSeconds(30));
    }
  }

  private static HttpResponse<String> await(
      NodeProcess node, String path, Predicate<HttpResponse<String>> done) {
    return Awaitility.await("GET " + path)
        .atMost(Duration.ofSeconds(60))
        .until(() -> node.raw("GET", path, null), done);
  }
}
