package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster bootstrap instead of seeds (issue 13): two node JVMs started together with config
 * discovery, each listing both management endpoints and no seed, form one cluster on one Cassandra
 * journal; a job created through one is read through the other with the write's index. Each node's
 * management port serves the bootstrap's contact point and nothing else. Cassandra tier only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BootstrapTwoNodesTest {

  private static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 4, auto-run = off }
      """;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Integer> managementPorts = new ArrayList<>();
  private MultiNode cluster;
  private Path temp;

  @BeforeAll
  void startNodes(@TempDir Path temp) throws Exception {
    this.temp = temp;
    for (int i = 0; i < 2; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        managementPorts.add(s.getLocalPort());
      }
    }
    String contactPoints =
        String.join(",", managementPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    // No --cluster-port: the contact points tell each other the cluster addresses.
    cluster =
        new MultiNode(
            temp,
            2,
            SETTINGS,
            i ->
                List.of(
                    "--discovery",
                    "config",
                    "--contact-points",
                    contactPoints,
                    "--management-port",
                    Integer.toString(managementPorts.get(i))));
    cluster.startAll();
  }

  @AfterAll
  void stopNodes() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void twoNodesFoundThroughConfigDiscoveryFormOneClusterThatReadsItsWrites() throws Exception {
    for (int i = 0; i < 2; i++) {
      JsonNode status =
          cluster
              .node(i)
              .await(
                  "/api/v1/admin/status",
                  s ->
                      s.get("nodes").size() == 2
                          && StreamSupport.stream(s.get("nodes").spliterator(), false)
                              .allMatch(m -> m.get("status").asText().equals("Up")));
      assertThat(status.get("nodes").findValuesAsText("self"))
          .containsExactlyInAnyOrder("true", "false");
    }

    String job = "www-data/prod/bootstrapped";
    var created = cluster.node(0).call("POST", "/api/v1/jobs/" + job, EndToEndTest.job(1, true, 1));
    assertThat(created.status()).as("create: %s", created.body()).isEqualTo(201);
    long index =
        Long.parseLong(created.raw().headers().firstValue("X-Borealis-Index").orElseThrow());

    var read =
        cluster.node(1).call("GET", "/api/v1/jobs/" + job + "?index=" + index + "&wait=20s", null);
    assertThat(read.status()).as("read on node two: %s", read.body()).isEqualTo(200);
    assertThat(read.body().get("instances").asInt()).isEqualTo(1);
  }

  @Test
  void theManagementPortServesTheContactPointAndNoClusterManagement() throws Exception {
    for (int port : managementPorts) {
      HttpResponse<String> seeds = send("GET", port, "/bootstrap/seed-nodes");
      assertThat(seeds.statusCode()).as(seeds.body()).isEqualTo(200);
      assertThat(seeds.body()).contains("\"seedNodes\"");

      // Pekko Management's cluster routes would list, down or remove members: not mounted.
      assertThat(send("GET", port, "/cluster/members").statusCode()).isEqualTo(404);
      assertThat(send("PUT", port, "/cluster/members").statusCode()).isEqualTo(404);
      assertThat(send("DELETE", port, "/cluster/members/pekko://borealis@127.0.0.1:1").statusCode())
          .isEqualTo(404);
      assertThat(send("GET", port, "/cluster/shards/Job").statusCode()).isEqualTo(404);
      // Nor its health checks (the API has /health and /ready).
      assertThat(send("GET", port, "/health/ready").statusCode()).isEqualTo(404);
      assertThat(send("GET", port, "/health/alive").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aThirdNodeOnATakenManagementPortSaysSoInOneLineAndExits() throws Exception {
    // On the cluster's store (the embedded one would be refused first).
    NodeProcess third =
        new NodeProcess(
            java.nio.file.Files.createDirectories(temp.resolve("third")),
            SETTINGS + CassandraTier.settingsFor(temp.resolve("cluster")),
            List.of(
                "--discovery",
                "config",
                "--contact-points",
                "127.0.0.1:" + managementPorts.get(0),
                "--management-port",
                Integer.toString(managementPorts.get(0))));
    try {
      int exitCode = third.startExpectingExit(Duration.ofSeconds(60));

      String output = third.output();
      assertThat(exitCode).as(output).isEqualTo(1);
      assertThat(output.strip())
          .isEqualTo(
              "borealis: The management port "
                  + managementPorts.get(0)
                  + " is already in use: stop the other process or choose another with"
                  + " --management-port");
    } finally {
      third.close();
    }
  }

  private HttpResponse<String> send(String method, int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(
                method,
                method.equals("PUT")
                    ? HttpRequest.BodyPublishers.ofString("operation=Down")
                    : HttpRequest.BodyPublishers.noBody())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
