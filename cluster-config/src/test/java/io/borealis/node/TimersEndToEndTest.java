package io.borealis.node;

import static io.borealis.node.EndToEndTest.items;
import static io.borealis.node.EndToEndTest.job;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task lifecycle timers through HTTP, against a node running the simulated fleet with {@code
 * auto-run} off (a launched task stays ASSIGNED until the test reports for its agent) and short
 * timers: a transient timeout of 4 s, a flapping penalty of 1 s growing to 8 s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimersEndToEndTest {

  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 2, auto-run = off }
      borealis.task {
        transient-state-timeout = 4s
        flapping-threshold = 1 minute
        initial-flapping-penalty = 1s
        max-flapping-penalty = 8s
      }
      """;

  private static final Pattern PENALIZED =
      Pattern.compile("^Rescheduled, penalized for (\\d+) ms for flapping$");

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

  @Test
  void aTaskStuckInAssignedIsLostAfterTheTimeoutAndRescheduled() throws Exception {
    String tasks = "/api/v1/jobs/www-data/prod/stuck/tasks?instances=0";
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/stuck", job(1, true, 1)).status())
        .isEqualTo(201);
    String stuck = newestIn(tasks, "ASSIGNED", null);
    Instant assignedAt = lastEventAt(stuck, "ASSIGNED");

    // Nothing reports for the task: the timeout makes it LOST and a new task takes its place.
    JsonNode after =
        node.await(
            tasks,
            p -> items(p).size() >= 2 && items(p).get(1).get("status").asText().equals("LOST"),
            Duration.ofSeconds(30));
    JsonNode lost = items(after).get(1);
    assertThat(lost.get("task_id").asText()).isEqualTo(stuck);
    assertThat(lost.get("reason").asText()).isEqualTo("Task timed out");
    assertThat(Duration.between(assignedAt, lastEventAt(stuck, "LOST")))
        .isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
    JsonNode replacement = items(after).get(0);
    assertThat(replacement.get("ancestor_id").asText()).isEqualTo(stuck);
    assertThat(events(replacement.get("task_id").asText()).get(0).get("message").asText())
        .isEqualTo("Rescheduled");
  }

  @Test
  void aServiceThatFailsAtOnceIsThrottledForExactlyThePenaltyItsMessageStates() throws Exception {
    String tasks = "/api/v1/jobs/www-data/prod/flappy/tasks?instances=0&limit_per_instance=1";
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/flappy", job(1, true, 1)).status())
        .isEqualTo(201);

    List<Long> penalties = new ArrayList<>();
    String task = newestIn(tasks, "ASSIGNED", null);
    for (int failure = 1; failure <= 3; failure++) {
      report(task, "RUNNING");
      report(task, "FAILED");
      String next = newestIn(tasks, "ASSIGNED", task);
      List<JsonNode> history = events(next);
      String created = history.get(0).get("status").asText();
      String message = history.get(0).get("message").asText();
      if (failure == 1) {
        // The first quick failure of a lineage is not penalised.
        assertThat(created).isEqualTo("PENDING");
        assertThat(message).isEqualTo("Rescheduled");
      } else {
        assertThat(created).isEqualTo("THROTTLED");
        Matcher m = PENALIZED.matcher(message);
        assertThat(m.matches()).as(message).isTrue();
        long penalty = Long.parseLong(m.group(1));
        penalties.add(penalty);
        // It waited exactly the stated penalty (give or take the timer's tick), not a redraw.
        Instant throttled = Instant.parse(history.get(0).get("timestamp").asText());
        Instant pending = Instant.parse(history.get(1).get("timestamp").asText());
        assertThat(history.get(1).get("status").asText()).isEqualTo("PENDING");
        assertThat(Duration.between(throttled, pending).toMillis())
            .isBetween(penalty, penalty + 1_000);
      }
      task = next;
    }
    // Each penalty walks one more flapped ancestor: initial·[1, 2), then initial·[1, 4).
    assertThat(penalties.get(0)).isBetween(1_000L, 1_999L);
    assertThat(penalties.get(1)).isBetween(1_000L, 3_999L);
  }

  @Test
  void anOperatorCanAskForAReconciliationNow() throws Exception {
    var explicit =
        node.call(
            "POST", "/api/v1/admin/reconcile", "{\"kind\": \"explicit\", \"batch_size\": 10}");
    assertThat(explicit.status()).isEqualTo(202);
    assertThat(explicit.body().get("batch_size").asInt()).isEqualTo(10);
    assertThat(node.call("POST", "/api/v1/admin/reconcile", "{\"kind\": \"implicit\"}").status())
        .isEqualTo(202);
    assertThat(node.call("POST", "/api/v1/admin/reconcile", "{\"batch_size\": 0}").status())
        .isEqualTo(400);
  }

  /** The id of the instance's newest task once it is in {@code status} and is not {@code not}. */
  private String newestIn(String tasks, String status, String not) throws Exception {
    JsonNode page =
        node.await(
            tasks,
            p -> {
              List<JsonNode> items = items(p);
              return !items.isEmpty()
                  && items.get(0).get("status").asText().equals(status)
                  && !items.get(0).get("task_id").asText().equals(not);
            },
            Duration.ofSeconds(30));
    return items(page).get(0).get("task_id").asText();
  }

  private void report(String taskId, String status) throws Exception {
    var r =
        node.call(
            "POST", "/api/v1/sim/tasks/" + taskId + "/status", "{\"status\": \"" + status + "\"}");
    assertThat(r.status()).as("report %s for %s: %s", status, taskId, r.body()).isEqualTo(202);
  }

  private List<JsonNode> events(String taskId) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    node.get("/api/v1/tasks/" + taskId).get("events").forEach(events::add);
    return events;
  }

  private Instant lastEventAt(String taskId, String status) throws Exception {
    Instant at = null;
    for (JsonNode e : events(taskId)) {
      if (e.get("status").asText().equals(status)) {
        at = Instant.parse(e.get("timestamp").asText());
      }
    }
    assertThat(at).as("%s of task %s", status, taskId).isNotNull();
    return at;
  }
}
