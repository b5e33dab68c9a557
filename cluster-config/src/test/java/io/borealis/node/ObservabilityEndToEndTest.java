package io.borealis.node;

import static io.borealis.node.EndToEndTest.items;
import static io.borealis.node.EndToEndTest.job;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricDataParser;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operators' alert set on a real node (simulated fleet, {@code auto-run} off, a transient
 * timeout of 3 s): {@code framework_registered} is 1 on the node hosting the backend; offers
 * arriving grow {@code scheduler_resource_offers}; a task reported LOST moves {@code
 * task_store_LOST}; a task left ASSIGNED past the timeout counts in {@code timed_out_tasks}. Read
 * from {@code /vars} and from {@code /metrics} through a Prometheus text-format parser. Also {@code
 * /ready}, {@code /leaderhealth} and the admin status of a cluster of one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityEndToEndTest {

  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 2, auto-run = off }
      borealis.task.transient-state-timeout = 3s
      """;

  NodeProcess node;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    node = new NodeProcess(Files.createDirectories(temp.resolve("obs")), SETTINGS).start();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theAlertSetIsPresentAndMovesWhenItsCausesHappen() throws Exception {
    awaitVars(v -> v.getOrDefault("framework_registered", 0.0) == 1.0);
    Map<String, MetricFamily> first = metrics();
    assertThat(gauge(first, "borealis_framework_registered", null)).isEqualTo(1.0);
    assertThat(first)
        .containsKeys(
            "borealis_task_store",
            "borealis_timed_out_tasks_total",
            "borealis_scheduler_resource_offers_total",
            "borealis_http_500_responses_events_total",
            "borealis_jvm_uptime_secs");

    // Offers arrive: from the first agents, and again from an agent added now.
    double offers =
        awaitVars(v -> v.getOrDefault("scheduler_resource_offers", 0.0) > 0)
            .get("scheduler_resource_offers");
    assertThat(node.call("POST", "/api/v1/sim/agents", "{\"count\": 1}").status()).isEqualTo(201);
    awaitVars(v -> v.get("scheduler_resource_offers") > offers);
    assertThat(counter(metrics(), "borealis_scheduler_resource_offers_total"))
        .isGreaterThan(offers);

    // A task reported LOST.
    double lostBefore = gauge(metrics(), "borealis_task_store", "LOST");
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/lossy", job(1, true, 1)).status())
        .isEqualTo(201);
    String task = assigned("/api/v1/jobs/www-data/prod/lossy/tasks?instances=0");
    var lost = node.call("POST", "/api/v1/sim/tasks/" + task + "/status", "{\"status\": \"LOST\"}");
    assertThat(lost.status()).isEqualTo(202);
    awaitVars(v -> v.get("task_store_LOST") >= lostBefore + 1);
    assertThat(gauge(metrics(), "borealis_task_store", "LOST"))
        .isGreaterThanOrEqualTo(lostBefore + 1);

    // A task nobody reports for times out after 3 s: LOST, and counted.
    double timedOut = awaitVars(v -> true).get("timed_out_tasks");
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/stuck", job(1, true, 1)).status())
        .isEqualTo(201);
    awaitVars(v -> v.get("timed_out_tasks") > timedOut);
    assertThat(counter(metrics(), "borealis_timed_out_tasks_total")).isGreaterThan(timedOut);
  }

  @Test
  void theNodeIsReadyAndHostsTheBackend() throws Exception {
    Awaitility.await("/ready answering 200")
        .atMost(Duration.ofSeconds(15))
        .until(() -> node.raw("GET", "/ready", null).statusCode() == 200);
    assertThat(node.raw("GET", "/leaderhealth", null).statusCode()).isEqualTo(200);
    assertThat(node.raw("GET", "/health", null).statusCode()).isEqualTo(200);

    JsonNode status = node.get("/api/v1/admin/status");
    assertThat(status.get("nodes")).hasSize(1);
    JsonNode self = status.get("nodes").get(0);
    assertThat(self.get("status").asText()).isEqualTo("Up");
    assertThat(self.get("oldest").asBoolean()).isTrue();
    assertThat(self.get("self").asBoolean()).isTrue();
    assertThat(status.get("answered_by").asText()).isEqualTo(self.get("address").asText());
    assertThat(status.at("/backend/kind").asText()).isEqualTo("sim");
    assertThat(status.at("/backend/reachable").asBoolean()).isTrue();
    assertThat(status.at("/backend/registered_here").asBoolean()).isTrue();
    assertThat(status.at("/store/kind").asText()).isIn("embedded", "cassandra");
    assertThat(status.at("/agents/count").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(status.at("/read_side/caught_up").asBoolean()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------

  private String assigned(String tasks) throws Exception {
    JsonNode page =
        node.await(
            tasks,
            p -> !items(p).isEmpty() && items(p).get(0).get("status").asText().equals("ASSIGNED"),
            Duration.ofSeconds(30));
    return items(page).get(0).get("task_id").asText();
  }

  private Map<String, Double> awaitVars(Predicate<Map<String, Double>> done) {
    return Awaitility.await("/vars reaching the value")
        .atMost(Duration.ofSeconds(30))
        .until(this::vars, done);
  }

  private Map<String, Double> vars() throws Exception {
    var r = node.raw("GET", "/vars", null);
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Double> values = new HashMap<>();
    for (String line : r.body().split("\n")) {
      int space = line.lastIndexOf(' ');
      values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return values;
  }

  private Map<String, MetricFamily> metrics() throws Exception {
    var r = node.raw("GET", "/metrics", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("version=0.0.4");
    var parser =
        new TextPrometheusMetricDataParser(
            new ByteArrayInputStream(r.body().getBytes(StandardCharsets.UTF_8)));
    Map<String, MetricFamily> families = new HashMap<>();
    for (MetricFamily f = parser.parse(); f != null; f = parser.parse()) {
      families.put(f.getName(), f);
    }
    return families;
  }

  private static double gauge(Map<String, MetricFamily> families, String name, String status) {
    List<Metric> metrics = families.get(name).getMetrics();
    return metrics.stream()
        .filter(m -> status == null || status.equals(m.getLabels().get("status")))
        .mapToDouble(m -> ((Gauge) m).getValue())
        .sum();
  }

  private static double counter(Map<String, MetricFamily> families, String name) {
    return families.get(name).getMetrics().stream()
        .mapToDouble(m -> ((Counter) m).getValue())
        .sum();
  }
}
