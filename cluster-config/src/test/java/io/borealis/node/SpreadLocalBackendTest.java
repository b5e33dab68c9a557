package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the local backend on a cluster of two node JVMs sharing one Cassandra journal (the
 * Cassandra tier only: two nodes cannot share the embedded store). Each node's agent runs its own
 * machine's processes; the backend singleton (on the oldest node, node one) places a task on node
 * two's agent, and the task's sandbox is read through node one's API. When node one leaves, the
 * singleton moves to node two and takes the running task over: the kill reaches it, and it was
 * never replaced.
 */
class SpreadLocalBackendTest {

  @TempDir Path temp;
  NodeProcess one;
  NodeProcess two;

  @AfterEach
  void stop() throws Exception {
    for (NodeProcess n : new NodeProcess[] {two, one}) {
      if (n != null) {
        n.close();
      }
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A node of the cluster whose seed is node one's cluster port. */
  static String settings(String host, int clusterPort, int seedPort, int taskPort) {
    return """
        pekko.remote.artery.canonical.port = %d
        pekko.cluster.seed-nodes = ["pekko://borealis@127.0.0.1:%d"]
        borealis.backend.kind = local
        borealis.backend.local {
          hostname = "%s"
          ports = "%d"
          kill-grace = 1 second
          graceful-shutdown-wait = 1 second
          # The test's processes must not outlive its nodes.
          kill-tasks-on-stop = on
          cluster.spread = on
        }
        """
        .formatted(clusterPort, seedPort, host, taskPort);
  }

  @Test
  void aTaskOnTheSecondNodesAgentHasItsSandboxReadThroughTheFirstNode() throws Exception {
    Assumptions.assumeTrue(
        CassandraTier.enabled(), "two nodes share a journal only on the Cassandra tier");
    Path shared = temp.resolve("cluster");
    int seed = freePort();
    one =
        new NodeProcess(
                Files.createDirectories(temp.resolve("one")),
                settings("node-one", seed, seed, freePort()),
                shared)
            .start();
    two =
        new NodeProcess(
                Files.createDirectories(temp.resolve("two")),
                settings("node-two", freePort(), seed, freePort()),
                shared)
            .start();

    var created =
        one.call(
            "POST",
            "/api/v1/jobs/www-data/prod/spread",
            """
            {"instances": 1, "service": true, "constraints": {"host": "node-two"},
             "task": {"processes": [{"name": "main",
                                     "cmdline": "echo hello from {{mesos.hostname}}; sleep 600"}],
                      "resources": {"cpu": 0.1, "ram": "16MB", "disk": "16MB"}}}
            """);
    assertThat(created.status()).as("%s", created.body()).isEqualTo(201);

    JsonNode tasks =
        one.await(
            "/api/v1/jobs/www-data/prod/spread/tasks",
            p -> EndToEndTest.allIn(p, 1, "RUNNING"),
            Duration.ofSeconds(90));
    JsonNode task = EndToEndTest.items(tasks).get(0);
    assertThat(task.get("host").asText()).isEqualTo("node-two");
    String stdout = "/api/v1/tasks/" + task.get("task_id").asText() + "/sandbox/.logs/main/stdout";

    // Node one has no sandbox of the task on its disk: it asks node two, and both answer alike.
    String throughOne = awaitBody(one, stdout, "hello from node-two\n");
    assertThat(throughOne).isEqualTo(two.raw("GET", stdout, null).body());
    HttpResponse<String> listing =
        one.raw("GET", "/api/v1/tasks/" + task.get("task_id").asText() + "/sandbox", null);
    assertThat(listing.statusCode()).isEqualTo(200);
    assertThat(listing.body()).contains("\".logs\"");

    // Node one leaves (SIGTERM): the singleton moves to node two, whose agent keeps its process
    // and attaches to the new holder; the kill goes through it, and the task was never replaced.
    one.close();
    one = null;
    assertThat(two.call("POST", "/api/v1/jobs/www-data/prod/spread/kill", "{}").status())
        .isEqualTo(200);
    JsonNode killed =
        two.await(
            "/api/v1/jobs/www-data/prod/spread/tasks",
            p -> EndToEndTest.allIn(p, 1, "KILLED"),
            Duration.ofSeconds(90));
    assertThat(EndToEndTest.items(killed).get(0).get("task_id").asText())
        .isEqualTo(task.get("task_id").asText());
    assertThat(two.raw("GET", stdout, null).body()).isEqualTo("hello from node-two\n");
  }

  /** The body of a read once it is {@code wanted} (the process writes it shortly after start). */
  private static String awaitBody(NodeProcess node, String path, String wanted) {
    return Awaitility.await("GET " + path + " answering " + wanted)
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> node.raw("GET", path, null),
            r -> r.statusCode() == 200 && r.body().equals(wanted))
        .body();
  }
}
