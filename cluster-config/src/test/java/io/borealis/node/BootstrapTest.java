package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's cluster bootstrap flags, the Pekko settings they turn into, and the refusals a node
 * says in one line before anything starts.
 */
class BootstrapTest {

  @TempDir Path temp;

  private static Bootstrap.Flags flags(String discovery, List<String> seeds, List<String> points) {
    return new Bootstrap.Flags(discovery, seeds, null, null, null, points);
  }

  @Test
  void seedsAndDiscoveryExcludeEachOther() {
    assertThatThrownBy(
            () ->
                Bootstrap.settings(
                    flags("config", List.of("127.0.0.1:2551"), List.of("127.0.0.1:7626"))))
        .hasMessage(
            "--seed and --discovery exclude each other: a node joins static seed nodes or finds"
                + " its peers through discovery (cluster bootstrap), not both");
  }

  @Test
  void bootstrapFlagsWithoutDiscoveryAreRefusedByName() {
    assertThatThrownBy(
            () ->
                Bootstrap.settings(
                    new Bootstrap.Flags(null, null, null, 7700, null, List.of("h:7700"))))
        .hasMessage(
            "--management-port, --contact-points configure cluster bootstrap: add --discovery"
                + " config|dns (or leave them out)");
    assertThat(Bootstrap.settings(flags(null, List.of("127.0.0.1:2551"), null))).isEmpty();
  }

  @Test
  void flagsOutOfRangeOrMalformedAreRefused() {
    assertThatThrownBy(
            () -> Bootstrap.settings(new Bootstrap.Flags("dns", null, null, 0, null, null)))
        .hasMessage("--management-port must be between 1 and 65535");
    assertThatThrownBy(
            () -> Bootstrap.settings(new Bootstrap.Flags("dns", null, null, null, 0, null)))
        .hasMessage("--required-contact-points must be at least 1");
    assertThatThrownBy(() -> Bootstrap.settings(flags("config", null, List.of("10.0.0.1"))))
        .hasMessage(
            "a contact point is HOST:PORT, a node's --cluster-host and --management-port (such as"
                + " 127.0.0.1:7626), not 10.0.0.1");
    assertThatThrownBy(() -> Bootstrap.settings(flags("dns", null, List.of("10.0.0.1:7626"))))
        .hasMessage("--contact-points lists the peers for --discovery config, not for dns");
  }

  @Test
  void configDiscoveryListsTheContactPointsAsTheServicesEndpoints() {
    Map<String, Object> flagged =
        Bootstrap.settings(
            new Bootstrap.Flags(
                "config", null, "sched", 7700, 3, List.of("10.0.0.1:7700", " 10.0.0.2:7701")));

    Config config = configOf(flagged);

    assertThat(config.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.1");
    assertThat(config.getInt("pekko.management.http.port")).isEqualTo(7700);
    String discovery = "pekko.management.cluster.bootstrap.contact-point-discovery.";
    assertThat(config.getString(discovery + "discovery-method")).isEqualTo("config");
    assertThat(config.getString(discovery + "service-name")).isEqualTo("sched");
    assertThat(config.getInt(discovery + "required-contact-point-nr")).isEqualTo(3);
    assertThat(
            config.getBoolean(
                "pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port"))
        .isFalse();
    assertThat(
            config.getConfigList("pekko.discovery.config.services.sched.endpoints").stream()
                .map(e -> e.getString("host") + ":" + e.getInt("port"))
                .toList())
        .containsExactly("10.0.0.1:7700", "10.0.0.2:7701");
    // Only the bootstrap's contact point is served: no health checks, no cluster management.
    assertThat(config.getString("pekko.management.http.routes.health-checks")).isEmpty();
    assertThat(config.getString("pekko.management.http.routes.cluster-management")).isEmpty();
    assertThat(Bootstrap.refusal(config)).isEmpty();
  }

  @Test
  void dnsIsPekkosDnsDiscoveryOfTheServiceName() {
    Config config = configOf(Bootstrap.settings(flags("dns", null, null)));

    String discovery = "pekko.management.cluster.bootstrap.contact-point-discovery.";
    assertThat(config.getString(discovery + "discovery-method")).isEqualTo("pekko-dns");
    assertThat(config.getString(discovery + "service-name")).isEqualTo("borealis");
    assertThat(config.getInt("pekko.management.http.port")).isEqualTo(7626);
    assertThat(Bootstrap.refusal(config)).isEmpty();
  }

  @Test
  void configDiscoveryWithoutContactPointsIsRefused() {
    assertThat(Bootstrap.refusal(configOf(Bootstrap.settings(flags("config", null, null)))))
        .hasValue(
            "Config discovery needs the nodes' management endpoints: --contact-points"
                + " HOST:PORT,... (their --cluster-host and --management-port;"
                + " borealis.cluster.bootstrap.contact-points)");
  }

  @Test
  void anUnknownDiscoveryMethodIsRefused() {
    assertThat(Bootstrap.refusal(configOf(Bootstrap.settings(flags("kubernetes-api", null, null)))))
        .hasValue(
            "The discovery method kubernetes-api is not in this build: use config or dns, or"
                + " configure pekko.discovery.kubernetes-api.class (with its module on the class"
                + " path)");
  }

  @Test
  void theEmbeddedStoreRefusesBootstrap() {
    Map<String, Object> settings =
        new HashMap<>(Bootstrap.settings(flags("config", null, List.of("127.0.0.1:7626"))));
    settings.put(Stores.KIND, "embedded");

    assertThat(Bootstrap.refusal(Node.config(Node.Options.of(temp).withSettings(settings))))
        .hasValue(
            "The embedded store is one machine's: a cluster of several nodes needs a shared store"
                + " (--store cassandra --cassandra HOST:PORT); cluster bootstrap (--discovery) is"
                + " for finding other nodes");
  }

  @Test
  void seedNodesSetInAConfigFileAreRefusedBesideBootstrap() {
    Map<String, Object> settings = new HashMap<>(Bootstrap.settings(flags("dns", null, null)));
    settings.put("pekko.cluster.seed-nodes", List.of("pekko://borealis@127.0.0.1:2551"));

    assertThat(Bootstrap.refusal(configOf(settings)))
        .hasValue(
            "Cluster bootstrap (borealis.cluster.bootstrap.discovery = dns) and seed nodes"
                + " (pekko.cluster.seed-nodes) exclude each other: use one of them");
  }

  @Test
  void withoutDiscoveryNothingChanges() {
    Config config = configOf(Map.of());

    assertThat(Bootstrap.Settings.from(config).enabled()).isFalse();
    assertThat(Bootstrap.pekkoSettings(config).isEmpty()).isTrue();
    assertThat(Bootstrap.refusal(config)).isEmpty();
  }

  @Test
  void aTakenManagementPortIsSaidInOneSentence() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Config config =
          configOf(
              Bootstrap.settings(
                  new Bootstrap.Flags("dns", null, null, taken.getLocalPort(), null, null)));

      assertThatThrownBy(() -> Bootstrap.checkManagementPortFree(Bootstrap.Settings.from(config)))
          .isInstanceOf(Node.StartFailure.class)
          .hasMessage(
              "The management port "
                  + taken.getLocalPort()
                  + " is already in use: stop the other process or choose another with"
                  + " --management-port");
    }
  }

  /**
   * A node's configuration with these settings, said to be on Cassandra (made on the embedded
   * store, which needs no server, with the store's kind changed afterwards).
   */
  private Config configOf(Map<String, Object> settings) {
    return com.typesafe.config.ConfigFactory.parseMap(Map.of(Stores.KIND, "cassandra"))
        .withFallback(Node.config(Node.Options.of(temp.resolve("data")).withSettings(settings)));
  }
}
