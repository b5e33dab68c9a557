package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job updates end to end through the HTTP API (issue 9, "Done when"), against a node in its own JVM
 * running the simulated fleet with {@code auto_run} and real time ({@code watch_secs: 1}): a
 * rolling update rolls forward batch by batch; new tasks that fail roll the update back in reverse
 * order to ROLLED_BACK with a reason; pause holds and resume continues; a coordinated update waits
 * for its first pulse and stops when pulses stop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpdateEndToEndTest {

  NodeProcess node;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    node =
        new NodeProcess(Files.createDirectories(temp.resolve("shared")), EndToEndTest.SETTINGS)
            .start();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** A service job file; {@code cpu} tells the versions apart. */
  static String job(int instances, double cpu, String updateConfig) {
    return """
        {"instances": %d, "service": true, "max_task_failures": -1,
         "update_config": %s,
         "task": {"processes": [{"name": "main", "cmdline": "sleep 3600"}],
                  "resources": {"cpu": %s, "ram": "64MB", "disk": "64MB"}}}
        """
        .formatted(instances, updateConfig, cpu);
  }

  private void createRunning(String name, int instances) throws Exception {
    assertThat(
            node.call("POST", "/api/v1/jobs/www-data/prod/" + name, job(instances, 0.5, "{}"))
                .status())
        .isEqualTo(201);
    node.await(
        "/api/v1/jobs/www-data/prod/" + name + "/tasks?limit_per_instance=1",
        p -> EndToEndTest.allIn(p, instances, "RUNNING"));
  }

  /** Starts an update to cpu 0.25 with {@code updateConfig}; its id. */
  private String start(String name, int instances, String updateConfig, String id)
      throws Exception {
    var r =
        node.call(
            "POST",
            "/api/v1/jobs/www-data/prod/" + name + "/updates",
            "{\"job\": " + job(instances, 0.25, updateConfig) + ", \"id\": \"" + id + "\"}");
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    assertThat(r.body().get("update_id").asText()).isEqualTo(id);
    assertThat(r.raw().headers().firstValue("Location"))
        .contains("/api/v1/updates/www-data/prod/" + name + "/" + id);
    return id;
  }

  private static long index(NodeProcess.Reply reply) {
    return Long.parseLong(reply.raw().headers().firstValue("X-Borealis-Index").orElseThrow());
  }

  private static String path(String name, String id) {
    return "/api/v1/updates/www-data/prod/" + name + "/" + id;
  }

  private JsonNode awaitStatus(String name, String id, String status, Duration within)
      throws Exception {
    return node.await(path(name, id), u -> u.get("status").asText().equals(status), within);
  }

  /** The instance ids of the update's instance events with {@code action}, in event order. */
  private static List<Integer> instancesWith(JsonNode update, String action) {
    List<Integer> ids = new ArrayList<>();
    update
        .get("instance_events")
        .forEach(
            e -> {
              if (e.get("action").asText().equals(action)) {
                ids.add(e.get("instance_id").asInt());
              }
            });
    return ids;
  }

  @Test
  void tenInstancesInBatchesOfThreeRollForward() throws Exception {
    createRunning("roll", 10);
    String id = start("roll", 10, "{\"batch_size\": 3, \"watch_secs\": 1}", "roll-1");
    assertThat(node.get("/api/v1/jobs/www-data/prod/roll").get("active_update").asText())
        .isEqualTo(id);

    JsonNode done = awaitStatus("roll", id, "ROLLED_FORWARD", Duration.ofSeconds(90));

    assertThat(done.get("progress").get("done").asInt()).isEqualTo(10);
    assertThat(done.get("progress").get("failed").asInt()).isZero();
    List<Integer> updating = instancesWith(done, "INSTANCE_UPDATING");
    assertThat(updating).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    // Batches of three, in ascending order: no instance of a batch starts before the one before
    // it is done.
    assertThat(updating.subList(0, 3)).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(updating.subList(3, 6)).containsExactlyInAnyOrder(3, 4, 5);
    assertThat(updating.subList(6, 9)).containsExactlyInAnyOrder(6, 7, 8);
    assertThat(instancesWith(done, "INSTANCE_UPDATED")).hasSize(10);
    JsonNode job = node.get("/api/v1/jobs/www-data/prod/roll");
    assertThat(job.get("active_update").isNull()).isTrue();
    assertThat(job.get("active_groups")).hasSize(1);
    assertThat(job.get("active_groups").get(0).get("instances").asText()).isEqualTo("0-9");
    assertThat(
            job.get("active_groups")
                .get(0)
                .get("config")
                .get("task")
                .get("resources")
                .get("cpu")
                .asDouble())
        .isEqualTo(0.25);
    JsonNode listed = node.get("/api/v1/updates?job=www-data/prod/roll&status=ROLLED_FORWARD");
    assertThat(listed.get("total").asInt()).isEqualTo(1);
  }

  @Test
  void failingNewTasksRollBackInReverseOrderWithAReason() throws Exception {
    createRunning("bad", 4);
    Set<String> before = taskIds("bad");
    String id =
        start(
            "bad",
            4,
            "{\"batch_size\": 2, \"watch_secs\": 1, \"max_per_shard_failures\": 0,"
                + " \"max_total_failures\": 0, \"rollback_on_failure\": true}",
            "bad-1");

    // The first new task to run fails.
    JsonNode fresh =
        node.await(
            "/api/v1/jobs/www-data/prod/bad/tasks?limit_per_instance=1",
            p -> newRunning(p, before).isPresent());
    String failing = newRunning(fresh, before).orElseThrow();
    assertThat(
            node.call(
                    "POST",
                    "/api/v1/sim/tasks/" + failing + "/status",
                    "{\"status\": \"FAILED\", \"message\": \"exit 1\"}")
                .status())
        .isEqualTo(202);

    JsonNode back = awaitStatus("bad", id, "ROLLED_BACK", Duration.ofSeconds(90));

    assertThat(back.get("message").asText()).isNotBlank();
    assertThat(instancesWith(back, "INSTANCE_UPDATE_FAILED")).hasSize(1);
    List<Integer> rollingBack = instancesWith(back, "INSTANCE_ROLLING_BACK");
    List<Integer> descending = new ArrayList<>(rollingBack);
    descending.sort((a, b) -> b - a);
    assertThat(rollingBack).isNotEmpty().isEqualTo(descending);
    List<String> statuses = new ArrayList<>();
    back.get("update_events").forEach(e -> statuses.add(e.get("status").asText()));
    assertThat(statuses).containsSubsequence("ROLLING_FORWARD", "ROLLING_BACK", "ROLLED_BACK");
    JsonNode job =
        node.await(
            "/api/v1/jobs/www-data/prod/bad",
            j ->
                j.get("active_groups").size() == 1
                    && j.get("active_groups").get(0).get("instances").asText().equals("0-3"));
    assertThat(
            job.get("active_groups")
                .get(0)
                .get("config")
                .get("task")
                .get("resources")
                .get("cpu")
                .asDouble())
        .isEqualTo(0.5);
  }

  @Test
  void pauseHoldsTheUpdateAndResumeContinuesIt() throws Exception {
    createRunning("hold", 6);
    String id = start("hold", 6, "{\"batch_size\": 1, \"watch_secs\": 1}", "hold-1");
    node.await(path("hold", id), u -> !instancesWith(u, "INSTANCE_UPDATED").isEmpty());

    var paused = node.call("POST", path("hold", id) + "/pause", "{\"message\": \"lunch\"}");
    assertThat(paused.status()).isEqualTo(200);
    assertThat(paused.body().get("status").asText()).isEqualTo("ROLL_FORWARD_PAUSED");
    NodeProcess.Reply first = node.call("GET", path("hold", id), null);
    JsonNode held = first.body();
    int events = held.get("instance_events").size();
    // The hold is what is tested: three watch periods pass without a new instance event. Each
    // read long-polls past the index of the last one, so a change is seen as it happens.
    long index = index(first);
    Instant until = Instant.now().plusSeconds(3);
    while (Instant.now().isBefore(until)) {
      NodeProcess.Reply next =
          node.call("GET", path("hold", id) + "?index=" + index + "&wait=1s", null);
      assertThat(next.body().get("status").asText()).isEqualTo("ROLL_FORWARD_PAUSED");
      assertThat(next.body().get("instance_events").size()).isEqualTo(events);
      index = index(next);
    }
    assertThat(held.get("message").asText()).isEqualTo("lunch");

    var resumed = node.call("POST", path("hold", id) + "/resume", "");
    assertThat(resumed.status()).isEqualTo(200);
    assertThat(resumed.body().get("status").asText()).isEqualTo("ROLLING_FORWARD");
    JsonNode done = awaitStatus("hold", id, "ROLLED_FORWARD", Duration.ofSeconds(90));
    // Pause and resume record no instance event twice (§4.6).
    List<Integer> updated = instancesWith(done, "INSTANCE_UPDATED");
    assertThat(new HashSet<>(updated)).hasSize(updated.size());
  }

  @Test
  void aCoordinatedUpdateWaitsForPulsesAndStopsWhenTheyStop() throws Exception {
    createRunning("pulsed", 4);
    String id =
        start(
            "pulsed",
            4,
            "{\"batch_size\": 1, \"watch_secs\": 1, \"pulse_interval_secs\": 2}",
            "pulsed-1");

    JsonNode waiting = node.get(path("pulsed", id));
    assertThat(waiting.get("status").asText()).isEqualTo("ROLL_FORWARD_AWAITING_PULSE");
    assertThat(waiting.get("instance_events")).isEmpty();

    var pulse = node.call("POST", path("pulsed", id) + "/pulse", "");
    assertThat(pulse.body().get("status").asText()).isEqualTo("OK");
    awaitStatus("pulsed", id, "ROLLING_FORWARD", Duration.ofSeconds(10));
    // No more pulses: the timer moves it back to waiting for one.
    awaitStatus("pulsed", id, "ROLL_FORWARD_AWAITING_PULSE", Duration.ofSeconds(10));

    Instant deadline = Instant.now().plusSeconds(90);
    NodeProcess.Reply read = node.call("GET", path("pulsed", id), null);
    JsonNode u = read.body();
    while (!u.get("status").asText().equals("ROLLED_FORWARD") && Instant.now().isBefore(deadline)) {
      node.call("POST", path("pulsed", id) + "/pulse", "");
      // An external pulser's cadence, well inside the 2 s pulse interval: the next read answers
      // when the update changes, or after half a second.
      read = node.call("GET", path("pulsed", id) + "?index=" + index(read) + "&wait=500ms", null);
      u = read.body();
    }
    assertThat(u.get("status").asText()).isEqualTo("ROLLED_FORWARD");
    assertThat(node.call("POST", path("pulsed", id) + "/pulse", "").body().get("status").asText())
        .isEqualTo("FINISHED");
    assertThat(
            node.call("POST", "/api/v1/updates/never-started/pulse", "")
                .body()
                .get("status")
                .asText())
        .isEqualTo("FINISHED");
  }

  private Set<String> taskIds(String name) throws Exception {
    Set<String> ids = new HashSet<>();
    node.get("/api/v1/jobs/www-data/prod/" + name + "/tasks")
        .get("items")
        .forEach(t -> ids.add(t.get("task_id").asText()));
    return ids;
  }

  private static Optional<String> newRunning(JsonNode page, Set<String> before) {
    for (JsonNode t : page.get("items")) {
      String id = t.get("task_id").asText();
      if (!before.contains(id) && t.get("status").asText().equals("RUNNING")) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }
}
