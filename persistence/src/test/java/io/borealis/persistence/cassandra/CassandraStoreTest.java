package io.borealis.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.cassandra.KeyspaceAndTableStatements;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.junit.jupiter.api.Test;

class CassandraStoreTest {

  static final Config DEFAULTS = ConfigFactory.load();

  static CassandraStore.Settings settings() {
    return CassandraStore.Settings.from(DEFAULTS);
  }

  @Test
  void contactPointsAreHostAndPortSeparatedByCommas() {
    assertThat(CassandraStore.parseContactPoints("10.0.0.1:9043, cass-2:9042,cass-3"))
        .containsExactly(
            InetSocketAddress.createUnresolved("10.0.0.1", 9043),
            InetSocketAddress.createUnresolved("cass-2", 9042),
            InetSocketAddress.createUnresolved("cass-3", 9042));
    assertThatThrownBy(() -> CassandraStore.parseContactPoints("host:port"))
        .hasMessage(
            "a Cassandra contact point is host:port (such as 127.0.0.1:9042), not host:port");
    assertThatThrownBy(() -> CassandraStore.parseContactPoints(" , "))
        .hasMessageContaining("no Cassandra contact point");
  }

  @Test
  void theDefaultsFitOneDevelopmentNode() {
    CassandraStore.Settings s = settings();
    assertThat(s.contactPoints())
        .containsExactly(InetSocketAddress.createUnresolved("127.0.0.1", 9042));
    assertThat(s.replicationFactor()).isEqualTo(1);
    assertThat(s.createSchema()).isTrue();
    assertThat(CassandraStore.replication(s))
        .isEqualTo("{'class': 'SimpleStrategy', 'replication_factor': 1}");
  }

  @Test
  void networkTopologyReplicationNamesEachDataCentre() {
    Config c =
        ConfigFactory.parseString(
                "borealis.store.cassandra { replication-strategy = NetworkTopologyStrategy,"
                    + " data-center-replication-factors = [\"dc1:3\", \"dc2:5\"] }")
            .withFallback(DEFAULTS);
    assertThat(CassandraStore.replication(CassandraStore.Settings.from(c)))
        .isEqualTo("{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 5}");
  }

  @Test
  void theShippedCqlHasItsPlaceholdersFilled() {
    String cql =
        CassandraStore.cql(
            settings().withReplicationFactor(3), Instant.parse("2026-12-03T16:47:12Z"));
    assertThat(cql).doesNotContain("{{");
    assertThat(cql).contains("CREATE KEYSPACE IF NOT EXISTS borealis\n");
    assertThat(cql).contains("'replication_factor': 3}");
    assertThat(cql).contains("VALUES ('first-time-bucket', '20261203T16:00')");
    assertThat(CassandraStore.statements(cql)).hasSize(11).allMatch(s -> !s.startsWith("--"));
  }

  /**
   * The shipped CQL creates the tables the plugin itself would create (same columns, same keys): a
   * plugin upgrade that changes them fails here.
   */
  @Test
  void theShippedTablesAreThePluginsOwn() {
    Config config =
        ConfigFactory.load(
            ConfigFactory.parseString(
                    "borealis.store.cassandra.contact-point-list = [\"127.0.0.1:9042\"]")
                .withFallback(ConfigFactory.parseResources("borealis/cassandra-store.conf"))
                .withFallback(DEFAULTS));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "schema", config);
    try {
      KeyspaceAndTableStatements plugin =
          new KeyspaceAndTableStatements(
              system, "pekko.persistence.cassandra", PluginSettings.apply(system.classicSystem()));
      List<String> pluginStatements = new ArrayList<>();
      pluginStatements.addAll(plugin.getCreateJournalTablesStatements());
      pluginStatements.addAll(plugin.getCreateSnapshotTablesStatements());
      Map<String, String> theirs = tables(pluginStatements);
      Map<String, String> ours =
          tables(CassandraStore.statements(CassandraStore.cql(settings(), Instant.EPOCH)));
      assertThat(theirs)
          .containsOnlyKeys(
              "borealis.messages",
              "borealis.tag_views",
              "borealis.tag_write_progress",
              "borealis.tag_scanning",
              "borealis.metadata",
              "borealis.all_persistence_ids",
              "borealis_snapshot.snapshots");
      theirs.forEach((table, columns) -> assertThat(ours.get(table)).as(table).isEqualTo(columns));
      assertThat(CassandraStore.cql(settings(), Instant.EPOCH))
          .contains("CLUSTERING ORDER BY (sequence_nr DESC)");
    } finally {
      system.terminate();
    }
  }

  /** Table name to its column and key definition, without white space or options. */
  private static Map<String, String> tables(List<String> statements) {
    Map<String, String> tables = new HashMap<>();
    for (String s : statements) {
      if (!s.startsWith("CREATE TABLE IF NOT EXISTS ")) {
        continue;
      }
      String rest = s.substring("CREATE TABLE IF NOT EXISTS ".length());
      int with = rest.indexOf("WITH ");
      String definition = (with < 0 ? rest : rest.substring(0, with)).replaceAll("\\s+", "");
      int paren = definition.indexOf('(');
      tables.put(
          definition.substring(0, paren), definition.substring(paren).toLowerCase(Locale.ROOT));
    }
    return tables;
  }
}
