package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClustersTest {

  @TempDir Path temp;
  Path etc;
  Path home;
  Env env;

  @BeforeEach
  void setUp() throws IOException {
    etc = Files.createDirectories(temp.resolve("etc"));
    home = Files.createDirectories(temp.resolve("home"));
    env = new Env(Map.of("BOREALIS_CONFIG_ROOT", etc.toString()), home, false, Duration.ZERO);
  }

  void system(String json) throws IOException {
    Files.writeString(etc.resolve("clusters.json"), json);
  }

  void user(String json) throws IOException {
    Files.writeString(
        Files.createDirectories(home.resolve(".borealis")).resolve("clusters.json"), json);
  }

  @Test
  void knowsTheBuiltInLocalClusterWithoutAnyFile() {
    Clusters.Cluster local = Clusters.load(env).get("local");
    assertThat(local.apiBase()).isEqualTo("http://localhost:8081");
    assertThat(local.webBase()).isEqualTo("http://localhost:8081");
  }

  @Test
  void theUserFileOverridesTheSystemFileByName() throws IOException {
    system(
        """
        [{"name": "dev", "scheduler_uri": "http://sys-dev:8081"},
         {"name": "prod", "scheduler_uri": "http://sys-prod:8081", "proxy_url": "https://prod.example.com/"}]
        """);
    user("[{\"name\": \"dev\", \"scheduler_uri\": \"http://my-dev:9000/\", \"zk\": \"ignored\"}]");

    Clusters clusters = Clusters.load(env);

    assertThat(clusters.get("dev").apiBase()).isEqualTo("http://my-dev:9000");
    assertThat(clusters.get("dev").source()).endsWith(".borealis/clusters.json");
    assertThat(clusters.get("prod").apiBase()).isEqualTo("http://sys-prod:8081");
    assertThat(clusters.get("prod").webBase()).isEqualTo("https://prod.example.com");
    assertThat(clusters.all()).extracting(Clusters.Cluster::name).contains("local", "dev", "prod");
  }

  @Test
  void aFileMayRedefineLocal() throws IOException {
    user("[{\"name\": \"local\", \"scheduler_uri\": \"localhost:9999\"}]");
    assertThat(Clusters.load(env).get("local").apiBase()).isEqualTo("http://localhost:9999");
  }

  @Test
  void anUnknownClusterIsAUsageErrorListingTheKnownOnes() throws IOException {
    system("[{\"name\": \"dev\", \"scheduler_uri\": \"http://dev:8081\"}]");
    assertThatThrownBy(() -> Clusters.load(env).get("nope"))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.USAGE))
        .hasMessageContaining("unknown cluster 'nope'")
        .hasMessageContaining("dev, local")
        // Where it looked, so a BOREALIS_CONFIG_ROOT that points elsewhere shows.
        .hasMessageContaining(
            "(a cluster is defined in "
                + env.configRoot().resolve("clusters.json")
                + " or "
                + env.home().resolve(".borealis/clusters.json")
                + ")");
  }

  @Test
  void onlyUnauthenticatedClustersCanBeUsed() throws IOException {
    system(
        """
        [{"name": "open", "scheduler_uri": "http://a:1", "auth_mechanism": "UNAUTHENTICATED"},
         {"name": "kerb", "scheduler_uri": "http://b:1", "auth_mechanism": "KERBEROS"}]
        """);
    Clusters clusters = Clusters.load(env);
    assertThat(clusters.get("open").checkAuth().name()).isEqualTo("open");
    assertThatThrownBy(() -> clusters.get("kerb").checkAuth())
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.USAGE))
        .hasMessageContaining("auth_mechanism KERBEROS");
  }

  @Test
  void aBrokenFileIsAUsageErrorSayingWhere() throws IOException {
    system("[{\"name\": \"dev\",\n \"scheduler_uri\": }]");
    assertThatThrownBy(() -> Clusters.load(env))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.USAGE))
        .hasMessageContaining("clusters.json: line 2, column");
  }

  @Test
  void entriesNeedANameAndAnHttpSchedulerUri() throws IOException {
    system("{\"name\": \"dev\"}");
    assertThatThrownBy(() -> Clusters.load(env)).hasMessageContaining("JSON list");
    system("[{\"scheduler_uri\": \"http://a:1\"}]");
    assertThatThrownBy(() -> Clusters.load(env)).hasMessageContaining("has no name");
    system("[{\"name\": \"dev\"}]");
    assertThatThrownBy(() -> Clusters.load(env)).hasMessageContaining("has no scheduler_uri");
    system("[{\"name\": \"dev\", \"scheduler_uri\": \"ftp://a:1\"}]");
    assertThatThrownBy(() -> Clusters.load(env)).hasMessageContaining("not an http(s) URL");
  }

  @Test
  void theUserFileIsUnderHomeFromTheEnvironmentWhenItIsSet() throws IOException {
    // Issue 8, item 11: Java's user.home ignores $HOME, which a user or a CI job may set.
    assertThat(Env.home(Map.of("HOME", home.toString()), "/root")).isEqualTo(home);
    assertThat(Env.home(Map.of("HOME", ""), "/root")).isEqualTo(Path.of("/root"));
    assertThat(Env.home(Map.of(), "/root")).isEqualTo(Path.of("/root"));

    user("[{\"name\": \"mine\", \"scheduler_uri\": \"http://mine:1\"}]");
    Env fromHome =
        new Env(
            Map.of("BOREALIS_CONFIG_ROOT", etc.toString(), "HOME", home.toString()),
            Env.home(Map.of("HOME", home.toString()), "/nonexistent"),
            false,
            Duration.ZERO);
    assertThat(Clusters.load(fromHome).get("mine").apiBase()).isEqualTo("http://mine:1");
  }

  @Test
  void aClusterOfSeveralNodesListsItsSchedulerUrisInOrder() throws IOException {
    system(
        """
        [{"name": "ha", "scheduler_uri": ["http://n1:8081/", "n2:8081", "https://n3:8443"]}]
        """);
    Clusters.Cluster ha = Clusters.load(env).get("ha");
    assertThat(ha.schedulerUris())
        .extracting(Object::toString)
        .containsExactly("http://n1:8081/", "http://n2:8081", "https://n3:8443");
    assertThat(ha.apiBase()).isEqualTo("http://n1:8081");
    assertThat(ha.apiBase(2)).isEqualTo("https://n3:8443");
    assertThat(ha.webBase()).isEqualTo("http://n1:8081");
  }

  @Test
  void aListOfSchedulerUrisMustHoldDistinctHttpUrls() throws IOException {
    system("[{\"name\": \"ha\", \"scheduler_uri\": []}]");
    assertThatThrownBy(() -> Clusters.load(env))
        .hasMessageContaining("cluster 'ha': scheduler_uri is an empty list");
    system("[{\"name\": \"ha\", \"scheduler_uri\": [\"http://a:1\", 7]}]");
    assertThatThrownBy(() -> Clusters.load(env))
        .hasMessageContaining("scheduler_uri #1 must be a string, not 7");
    system("[{\"name\": \"ha\", \"scheduler_uri\": [\"http://a:1\", \"ftp://b:1\"]}]");
    assertThatThrownBy(() -> Clusters.load(env))
        .hasMessageContaining("scheduler_uri 'ftp://b:1' is not an http(s) URL");
    system("[{\"name\": \"ha\", \"scheduler_uri\": [\"a:1\", \"http://a:1\"]}]");
    assertThatThrownBy(() -> Clusters.load(env)).hasMessageContaining("lists http://a:1 twice");
    system("[{\"name\": \"ha\", \"scheduler_uri\": {\"a\": 1}}]");
    assertThatThrownBy(() -> Clusters.load(env))
        .hasMessageContaining("scheduler_uri must be a string or a list of strings");
  }
}
