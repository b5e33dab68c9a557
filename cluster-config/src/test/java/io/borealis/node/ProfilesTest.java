package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store profile and the backend registry: what a node's configuration picks, what it prepares,
 * and the sentence it answers with when the choice is not in this build.
 */
class ProfilesTest {

  @TempDir Path temp;

  @Test
  void theEmbeddedStoreIsTheDefaultAndIsPrepared() {
    Path data = temp.resolve("data");

    Config config = Node.config(Node.Options.of(data));

    assertThat(config.getString(Stores.KIND)).isEqualTo("embedded");
    assertThat(config.getString("borealis.store.jdbc-url")).startsWith("jdbc:h2:file:");
    assertThat(data.resolve("journal")).isDirectory();
  }

  @Test
  void aStoreThatIsNotInThisBuildIsRefusedBeforeAnythingIsPrepared() {
    Path data = temp.resolve("data");
    Node.Options dynamo = Node.Options.of(data).withSettings(Map.of(Stores.KIND, "dynamo"));

    assertThatThrownBy(() -> Node.config(dynamo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "store 'dynamo' is not available in this build (available: cassandra, embedded)");
    assertThat(data.resolve("journal")).doesNotExist();
  }

  @Test
  void theCassandraStoreSaysHowToGetACassandraWhenNoneAnswers() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Node.Options cassandra =
        Node.Options.of(temp.resolve("data"))
            .withSettings(
                Map.of(
                    Stores.KIND,
                    "cassandra",
                    "borealis.store.cassandra.contact-points",
                    "127.0.0.1:" + port,
                    "borealis.store.cassandra.connect-timeout",
                    "1s"));

    assertThatThrownBy(() -> Node.config(cassandra))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot reach Cassandra at 127.0.0.1:" + port + " (")
        .hasMessageEndingWith(
            "start one with `./borealis cassandra start`, or point --cassandra at yours");
  }

  @Test
  void theStoreMayBeChosenInTheConfigFile() throws IOException {
    Path file = Files.writeString(temp.resolve("node.conf"), "borealis.store.kind = dynamo\n");
    Node.Options options =
        new Node.Options(
            temp.resolve("data"),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.of(file),
            Map.of());

    assertThatThrownBy(() -> Node.config(options))
        .hasMessageContaining("store 'dynamo' is not available in this build");
  }

  @Test
  void backendsComeFromOneRegistry() {
    assertThat(Node.BACKENDS).containsExactly("local", "sim");
    assertThatThrownBy(() -> Backends.named("mesos"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend 'mesos' is not available in this build (available: local, sim)");
  }

  @Test
  void theSimulatedBackendOffersAFleetAndNoSandboxes() {
    Config config = Node.config(Node.Options.of(temp.resolve("data")));

    Backends.Assembled sim =
        Backends.named("sim").assemble().apply(new Backends.Setup(config, Clock.systemUTC()));

    assertThat(sim.factory().name()).isEqualTo("sim");
    assertThat(sim.sandboxes()).isEmpty();
    assertThat(sim.fleet()).isNotSameAs(Backends.FleetControls.NONE);
  }

  @Test
  void theServerRefusesAStoreItDoesNotHaveAndListsTheChoicesInItsHelp() throws IOException {
    ClientRunner runner = new ClientRunner(temp, "test", 1);

    ClientRunner.Result refused =
        runner.run("server", "--store", "dynamo", "--data-dir", temp.resolve("d").toString());
    ClientRunner.Result help = runner.run("server", "--help");

    assertThat(refused.code()).isEqualTo(2);
    assertThat(temp.resolve("d")).doesNotExist();
    assertThat(help.code()).isZero();
    assertThat(help.out())
        .contains("--store")
        .contains("Backends: local: ")
        .contains("; sim: ")
        .contains("--cassandra")
        .contains("Stores: cassandra: ")
        .contains("; embedded: ");
  }
}
