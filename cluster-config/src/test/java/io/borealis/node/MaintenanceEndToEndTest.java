package io.borealis.node;

import static io.borealis.node.EndToEndTest.items;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host maintenance end to end through the HTTP API (issue 10, "Done when"), against a node in its
 * own JVM running three simulated agents with {@code auto_run}: draining a host moves its tasks
 * elsewhere and the host ends DRAINED; ending maintenance puts it back in service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MaintenanceEndToEndTest {

  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 3, auto-run = on, start-delay = 20ms }
      borealis.maintenance { poll-interval = 1s, drained-check-interval = 200ms }
      """;

  NodeProcess node;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    node = new NodeProcess(Files.createDirectories(temp.resolve("shared")), SETTINGS).start();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static String hosts(String... hosts) {
    return "{\"hosts\": [\"" + String.join("\", \"", hosts) + "\"]}";
  }

  private static String modeOf(JsonNode list, String host) {
    for (JsonNode item : items(list)) {
      if (item.get("host").asText().equals(host)) {
        return item.get("mode").asText();
      }
    }
    return "NONE";
  }

  @Test
  void drainingAHostMovesItsTasksElsewhereAndTheHostEndsDrained() throws Exception {
    assertThat(
            node.call("POST", "/api/v1/jobs/www-data/prod/web", EndToEndTest.job(3, true, 1))
                .status())
        .isEqualTo(201);
    String tasks = "/api/v1/jobs/www-data/prod/web/tasks?limit_per_instance=1";
    JsonNode running = node.await(tasks, p -> EndToEndTest.allIn(p, 3, "RUNNING"));
    String host = items(running).get(0).get("host").asText();
    List<String> onHost = new ArrayList<>();
    for (JsonNode t : items(running)) {
      if (t.get("host").asText().equals(host)) {
        onHost.add(t.get("task_id").asText());
      }
    }

    var drained = node.call("POST", "/api/v1/maintenance/drain", hosts(host));
    assertThat(drained.status()).isEqualTo(200);
    assertThat(modeOf(drained.body(), host)).isEqualTo("DRAINING");

    // Each task of the host went DRAINING with Aurora's message (and was then killed).
    for (String id : onHost) {
      JsonNode task =
          node.await(
              "/api/v1/tasks/" + id,
              t -> {
                for (JsonNode e : t.get("events")) {
                  if (e.get("status").asText().equals("DRAINING")) {
                    return true;
                  }
                }
                return false;
              });
      JsonNode draining = null;
      for (JsonNode e : task.get("events")) {
        if (e.get("status").asText().equals("DRAINING")) {
          draining = e;
        }
      }
      assertThat(draining.get("message").asText())
          .isEqualTo("Draining machine for maintenance. Host drained by UNSECURE.");
    }
    // Rescheduled on the other hosts, and the host, empty, is DRAINED.
    node.await(
        tasks,
        p ->
            EndToEndTest.allIn(p, 3, "RUNNING")
                && items(p).stream().noneMatch(t -> t.get("host").asText().equals(host)));
    node.await("/api/v1/maintenance", m -> modeOf(m, host).equals("DRAINED"));
    JsonNode after = node.get(tasks);
    Set<String> hostsNow = new TreeSet<>();
    items(after).forEach(t -> hostsNow.add(t.get("host").asText()));
    assertThat(hostsNow).doesNotContain(host);

    var ended = node.call("POST", "/api/v1/maintenance/end", hosts(host));
    assertThat(ended.status()).isEqualTo(200);
    assertThat(modeOf(ended.body(), host)).isEqualTo("NONE");
    assertThat(items(node.get("/api/v1/maintenance")))
        .noneMatch(i -> i.get("host").asText().equals(host));
  }

  @Test
  void schedulesSlaDrainsAndListsHostsByMode() throws Exception {
    var started = node.call("POST", "/api/v1/maintenance/start", hosts("idle-b", "idle-a"));
    assertThat(started.status()).isEqualTo(200);
    assertThat(modeOf(started.body(), "idle-a")).isEqualTo("SCHEDULED");

    // No task runs on it: the first pass finds it empty.
    var sla =
        node.call(
            "POST",
            "/api/v1/maintenance/sla-drain",
            """
            {"hosts": ["idle-c"], "policy": {"count": {"count": 2, "duration_secs": 60}},
             "timeout_secs": 600}
            """);
    assertThat(sla.status()).isEqualTo(200);
    assertThat(modeOf(sla.body(), "idle-c")).isEqualTo("DRAINING");
    JsonNode listed = node.await("/api/v1/maintenance", m -> modeOf(m, "idle-c").equals("DRAINED"));
    List<String> order = new ArrayList<>();
    items(listed).forEach(i -> order.add(i.get("host").asText()));
    assertThat(order).containsSubsequence("idle-a", "idle-b", "idle-c");

    assertThat(
            node.call("POST", "/api/v1/maintenance/end", hosts("idle-a", "idle-b", "idle-c"))
                .status())
        .isEqualTo(200);
  }

  @Test
  void refusesBadInputNamingEachField() throws Exception {
    var reply =
        node.call(
            "POST",
            "/api/v1/maintenance/sla-drain",
            """
            {"hosts": ["ok", " ", 5], "policy": {"count": {"count": 0, "duration_secs": -1}},
             "timeout_secs": -1, "extra": true}
            """);
    assertThat(reply.status()).isEqualTo(400);
    List<String> fields = new ArrayList<>();
    reply.body().get("errors").forEach(e -> fields.add(e.get("field").asText()));
    assertThat(fields)
        .containsExactlyInAnyOrder(
            "hosts[1]",
            "hosts[2]",
            "policy.count.count",
            "policy.count.duration_secs",
            "timeout_secs",
            "extra");

    var empty = node.call("POST", "/api/v1/maintenance/drain", "{\"hosts\": []}");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body().get("errors").get(0).get("field").asText()).isEqualTo("hosts");
    var both =
        node.call(
            "POST",
            "/api/v1/maintenance/sla-drain",
            "{\"hosts\": [\"a\"], \"policy\": {\"count\": {\"count\": 1}, \"percentage\": {}}}");
    assertThat(both.status()).isEqualTo(400);
    List<String> bothFields = new ArrayList<>();
    both.body().get("errors").forEach(e -> bothFields.add(e.get("field").asText()));
    assertThat(bothFields).containsExactlyInAnyOrder("policy", "timeout_secs");
    assertThat(items(node.get("/api/v1/maintenance")))
        .noneMatch(i -> i.get("host").asText().equals("ok"));
  }
}
