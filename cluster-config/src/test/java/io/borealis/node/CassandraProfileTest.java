package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cassandra store profile against the tier's real Cassandra (this class runs in the
 * cassandra-tier execution; elsewhere it is skipped): the node's configuration points the plugin at
 * the cluster, creates its keyspaces, and starts events by tag at the hour they were created.
 */
class CassandraProfileTest {

  @Test
  void theCassandraProfileCreatesItsKeyspacesAndPointsThePluginAtThem(@TempDir Path temp) {
    Assumptions.assumeTrue(CassandraTier.enabled(), "runs in the Cassandra tier only");
    String point = CassandraTier.contactPoint();
    Instant before = Instant.now().truncatedTo(ChronoUnit.HOURS);

    Config config =
        Node.config(
            Node.Options.of(temp.resolve("data"))
                .withSettings(
                    Map.of(
                        Stores.KIND,
                        "cassandra",
                        "borealis.store.cassandra.contact-points",
                        point,
                        "borealis.store.cassandra.keyspace",
                        "profile_test",
                        "borealis.store.cassandra.snapshot-keyspace",
                        "profile_test_snapshot")));

    assertThat(config.getString("pekko.persistence.journal.plugin"))
        .isEqualTo("pekko.persistence.cassandra.journal");
    assertThat(config.getString("pekko.persistence.snapshot-store.plugin"))
        .isEqualTo("pekko.persistence.cassandra.snapshot");
    assertThat(config.getString("borealis.store.read-journal"))
        .isEqualTo("pekko.persistence.cassandra.query");
    assertThat(config.getString("pekko.persistence.cassandra.journal.keyspace"))
        .isEqualTo("profile_test");
    assertThat(config.getStringList("datastax-java-driver.basic.contact-points"))
        .containsExactly(point);
    // The hour the keyspace was created, read back from borealis_meta (not the setting's default).
    String bucket = config.getString("pekko.persistence.cassandra.events-by-tag.first-time-bucket");
    Instant first =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HH:mm")
            .withZone(ZoneOffset.UTC)
            .parse(bucket, Instant::from);
    assertThat(first).isBetween(before, Instant.now());
  }
}
