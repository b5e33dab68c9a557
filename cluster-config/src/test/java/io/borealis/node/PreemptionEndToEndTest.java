package io.borealis.node;

import static io.borealis.node.EndToEndTest.allIn;
import static io.borealis.node.EndToEndTest.items;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preemption end to end (aurora-semantics §3.4), through HTTP against a node running the simulated
 * fleet with its preemption timers shortened: a production job finds the cluster full of a
 * preemptible job, takes down what it needs, and runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PreemptionEndToEndTest {

  /** Two agents of 2 CPUs; preemption searches every second for tasks pending a second. */
  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 2, cpu = 2, auto-run = on, start-delay = 20ms }
      borealis.placement.preemption {
        initial-delay = 1s, interval = 1s, preemption-delay = 1s, slot-hold = 1m, reservation = 1m
      }
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

  static String job(int instances, String tier, double cpu) {
    return """
        {"instances": %d, "service": true, "tier": "%s",
         "task": {"processes": [{"name": "main", "cmdline": "sleep 3600"}],
                  "resources": {"cpu": %s, "ram": "256MB", "disk": "256MB"}}}
        """
        .formatted(instances, tier, cpu);
  }

  private boolean productionShown(String job) throws Exception {
    JsonNode config = node.get("/api/v1/jobs/" + job).get("active_groups").get(0).get("config");
    return config.get("production").asBoolean();
  }

  @Test
  void aProductionJobPreemptsAPreemptibleOneOnAFullCluster() throws Exception {
    assertThat(node.call("POST", "/api/v1/jobs/ads/prod/filler", job(4, "preemptible", 1)).status())
        .isEqualTo(201);
    node.await("/api/v1/jobs/ads/prod/filler/tasks", p -> allIn(p, 4, "RUNNING"));

    // Production jobs need quota in their role.
    assertThat(
            node.call(
                    "PUT",
                    "/api/v1/quotas/www-data",
                    "{\"cpu\": 4, \"ram_mb\": 1024, \"disk_mb\": 1024}")
                .status())
        .isEqualTo(200);
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/web", job(1, "preferred", 2)).status())
        .isEqualTo(201);
    JsonNode web =
        node.await(
            "/api/v1/jobs/www-data/prod/web/tasks",
            p -> allIn(p, 1, "RUNNING"),
            Duration.ofSeconds(60));
    JsonNode prod = items(web).get(0);
    String prodId = prod.get("task_id").asText();
    // Production is derived from the tier, and shown.
    assertThat(productionShown("www-data/prod/web")).isTrue();
    assertThat(productionShown("ads/prod/filler")).isFalse();

    // Exactly the two tasks of the agent it runs on made room for it, with Aurora's message.
    List<String> preemptedHosts = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    for (JsonNode t : items(node.get("/api/v1/jobs/ads/prod/filler/tasks"))) {
      JsonNode history = node.get("/api/v1/tasks/" + t.get("task_id").asText());
      history
          .get("events")
          .forEach(
              e -> {
                if (e.get("status").asText().equals("PREEMPTING")) {
                  preemptedHosts.add(t.get("host").asText());
                  messages.add(e.get("message").asText());
                }
              });
    }
    assertThat(messages).containsOnly("Preempting in favor of " + prodId).hasSize(2);
    assertThat(preemptedHosts).containsOnly(prod.get("host").asText());
    // The preempted instances were rescheduled and wait: the cluster is full.
    node.await(
        "/api/v1/jobs/ads/prod/filler/tasks?limit_per_instance=1",
        p ->
            items(p).stream().filter(t -> t.get("status").asText().equals("PENDING")).count() == 2);
  }
}
