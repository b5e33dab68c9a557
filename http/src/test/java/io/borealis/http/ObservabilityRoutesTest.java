package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.common.Metrics;
import io.borealis.persistence.QueryService;
import io.borealis.persistence.ReadView;
import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricDataParser;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.hawkular.agent.prometheus.types.MetricType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /vars}, {@code /vars.json}, {@code /metrics} (read by a Prometheus text-format parser and
 * checked line by line against the 0.0.4 grammar), the 500 counter, {@code /health}, {@code
 * /ready}, {@code /leaderhealth} and the admin status, through the whole API as a request meets it.
 */
class ObservabilityRoutesTest {

  private static RouteFixture fixture;
  private static Api api;
  private static final AtomicBoolean storeUp = new AtomicBoolean(true);
  private static final AtomicBoolean backendHere = new AtomicBoolean(true);
  private static final AtomicLong lost = new AtomicLong();

  @BeforeAll
  static void setUp() {
    fixture = RouteFixture.start("observability-routes-test");
    ApiContext ctx = fixture.context(failingRoles(fixture.view), Optional.empty());
    Metrics metrics = Metrics.of(fixture.system);
    metrics.gauge("task_store_LOST", lost::get);
    metrics.gauge("task_store_RUNNING", () -> 2);
    metrics.counter("scheduler_resource_offers").add(3);
    metrics.counter("tasks_LOST_www-data/prod/hello").increment();
    api = new Api(ctx, fixture.materializer, new StubNode());
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void metricsParseAsPrometheusTextWithStatusesAsLabels() throws Exception {
    Reply r = get("/metrics");

    assertThat(r.status).isEqualTo(200);
    assertThat(r.contentType).startsWith("text/plain").contains("version=0.0.4");
    assertStrictExposition(r.body);
    Map<String, MetricFamily> families = parse(r.body);
    assertThat(families)
        .containsKeys(
            "jvm_memory_used_bytes",
            "process_uptime_seconds",
            "borealis_jvm_uptime_secs",
            "borealis_system_load_avg",
            "borealis_process_cpu_cores_utilized");
    MetricFamily store = families.get("borealis_task_store");
    assertThat(store.getType()).isEqualTo(MetricType.GAUGE);
    Map<String, Double> byStatus = new HashMap<>();
    store
        .getMetrics()
        .forEach(m -> byStatus.put(m.getLabels().get("status"), ((Gauge) m).getValue()));
    assertThat(byStatus).containsEntry("RUNNING", 2.0).containsEntry("LOST", (double) lost.get());
    MetricFamily offers = families.get("borealis_scheduler_resource_offers_total");
    assertThat(offers.getType()).isEqualTo(MetricType.COUNTER);
    assertThat(((Counter) offers.getMetrics().get(0)).getValue()).isEqualTo(3.0);
    // Per-job names stay in /vars.
    assertThat(families.keySet()).noneMatch(n -> n.contains("tasks_lost"));
    assertThat(r.body).doesNotContain("www-data");
  }

  @Test
  void gaugesMoveInEveryFormWhenTheirCauseHappens() throws Exception {
    long before = (long) vars().getOrDefault("task_store_LOST", -1.0).doubleValue();
    lost.addAndGet(2);

    assertThat(vars().get("task_store_LOST").longValue()).isEqualTo(before + 2);
    assertThat(varsJson().get("task_store_LOST").asLong()).isEqualTo(before + 2);
    assertThat(labelled(parse(get("/metrics").body), "borealis_task_store", "status", "LOST"))
        .isEqualTo(before + 2.0);
  }

  @Test
  void varsAreNameValueLinesWithAuroraNames() throws Exception {
    Reply r = get("/vars");

    assertThat(r.status).isEqualTo(200);
    for (String line : r.body.split("\n")) {
      assertThat(line).matches("[^ ]+ -?[0-9.E-]+");
    }
    assertThat(vars())
        .containsKeys(
            "jvm_uptime_secs",
            "system_load_avg",
            "process_cpu_cores_utilized",
            "jvm_memory_heap_mb_used",
            "http_500_responses_events",
            "tasks_LOST_www-data/prod/hello");
    JsonNode json = varsJson();
    assertThat(json.isObject()).isTrue();
    assertThat(json.get("scheduler_resource_offers").asLong()).isEqualTo(3);
  }

  @Test
  void anInternalErrorCountsAsA500AndNotFoundDoesNot() throws Exception {
    long before = vars().get("http_500_responses_events").longValue();
    double fiveXxBefore = requests(parse(get("/metrics").body), "GET", "5xx");

    assertThat(get("/api/v1/no-such-thing").status).isEqualTo(404);
    Reply failed = get("/api/v1/roles");

    assertThat(failed.status).isEqualTo(500);
    assertThat(failed.body).doesNotContain("roles are broken");
    assertThat(vars().get("http_500_responses_events").longValue()).isEqualTo(before + 1);
    Map<String, MetricFamily> after = parse(get("/metrics").body);
    assertThat(requests(after, "GET", "5xx")).isEqualTo(fiveXxBefore + 1);
    assertThat(requests(after, "GET", "4xx")).isPositive();
    assertThat(after.get("borealis_http_request_duration_seconds").getType())
        .isEqualTo(MetricType.SUMMARY);
  }

  @Test
  void readyNamesTheStoreWhenItIsDownAndHealthStaysUp() throws Exception {
    assertThat(get("/ready").status).isEqualTo(200);
    storeUp.set(false);
    try {
      Reply r = get("/ready");
      assertThat(r.status).isEqualTo(503);
      assertThat(Json.MAPPER.readTree(r.body).get("detail").asText())
          .isEqualTo(
              "The node is not ready: the store (cassandra) is unreachable: no answer in 1 s.");
      assertThat(get("/health").status).isEqualTo(200);
    } finally {
      storeUp.set(true);
    }
  }

  @Test
  void leaderHealthAnswers200OnlyWhereTheBackendRuns() throws Exception {
    assertThat(get("/leaderhealth").status).isEqualTo(200);
    backendHere.set(false);
    try {
      Reply r = get("/leaderhealth");
      assertThat(r.status).isEqualTo(503);
      assertThat(r.body).contains("pekko://borealis@10.0.0.2:2552");
    } finally {
      backendHere.set(true);
    }
  }

  @Test
  void adminStatusSaysNodesBackendStoreAndTasks() throws Exception {
    Reply r = get("/api/v1/admin/status");

    assertThat(r.status).isEqualTo(200);
    JsonNode s = Json.MAPPER.readTree(r.body);
    assertThat(s.get("nodes")).hasSize(2);
    assertThat(s.get("answered_by").asText()).isEqualTo("pekko://borealis@10.0.0.1:2552");
    assertThat(s.at("/nodes/0/oldest").asBoolean()).isTrue();
    assertThat(s.at("/backend/kind").asText()).isEqualTo("sim");
    assertThat(s.at("/backend/registered_here").asBoolean()).isTrue();
    assertThat(s.at("/store/round_trip_ms").asLong()).isEqualTo(4);
    assertThat(s.at("/tasks/PENDING").asLong()).isZero();
    assertThat(s.at("/read_side/caught_up").asBoolean()).isTrue();
    assertThat(s.get("uptime_secs").asLong()).isNotNegative();
  }

  // ---------------------------------------------------------------------------------------------

  /** The 0.0.4 grammar, line by line: comments, then samples of a declared family. */
  private static void assertStrictExposition(String text) {
    Pattern type =
        Pattern.compile(
            "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)");
    Pattern help = Pattern.compile("# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*");
    Pattern sample =
        Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)"
                + "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})?"
                + " (-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|[-+]Inf)( -?[0-9]+)?");
    assertThat(text).endsWith("\n");
    List<String> typed = new ArrayList<>();
    for (String line : text.split("\n")) {
      var t = type.matcher(line);
      if (t.matches()) {
        assertThat(typed).as("one TYPE line per family").doesNotContain(t.group(1));
        typed.add(t.group(1));
        continue;
      }
      if (line.startsWith("#")) {
        assertThat(line).matches(help);
        continue;
      }
      var s = sample.matcher(line);
      assertThat(s.matches()).as("a sample line: %s", line).isTrue();
      String name = s.group(1);
      assertThat(typed)
          .as("the family of %s is declared", name)
          .anyMatch(
              f ->
                  name.equals(f)
                      || name.equals(f + "_sum")
                      || name.equals(f + "_count")
                      || name.equals(f + "_bucket"));
    }
  }

  private static Map<String, MetricFamily> parse(String text) throws Exception {
    var parser =
        new TextPrometheusMetricDataParser(
            new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    Map<String, MetricFamily> families = new HashMap<>();
    for (MetricFamily f = parser.parse(); f != null; f = parser.parse()) {
      families.put(f.getName(), f);
    }
    return families;
  }

  private static double labelled(
      Map<String, MetricFamily> families, String family, String label, String value) {
    return families.get(family).getMetrics().stream()
        .filter(m -> value.equals(m.getLabels().get(label)))
        .mapToDouble(m -> ((Gauge) m).getValue())
        .sum();
  }

  private static double requests(Map<String, MetricFamily> families, String method, String cls) {
    MetricFamily f = families.get("borealis_http_requests_total");
    if (f == null) {
      return 0;
    }
    return f.getMetrics().stream()
        .filter(m -> method.equals(m.getLabels().get("method")))
        .filter(m -> cls.equals(m.getLabels().get("status")))
        .mapToDouble(m -> ((Counter) m).getValue())
        .sum();
  }

  private static Map<String, Double> vars() throws Exception {
    Map<String, Double> values = new HashMap<>();
    for (String line : get("/vars").body.split("\n")) {
      int space = line.lastIndexOf(' ');
      values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return values;
  }

  private static JsonNode varsJson() throws Exception {
    return Json.MAPPER.readTree(get("/vars.json").body);
  }

  private record Reply(int status, String contentType, String body) {}

  private static Reply get(String path) throws Exception {
    HttpResponse response =
        api.handle(HttpRequest.GET(path)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    var strict = fixture.strict(response);
    return new Reply(
        response.status().intValue(),
        strict.getContentType().toString(),
        strict.getData().utf8String());
  }

  /** The view, except that listing roles fails as a bug would. */
  private static QueryService failingRoles(ReadView view) {
    return (QueryService)
        Proxy.newProxyInstance(
            QueryService.class.getClassLoader(),
            new Class<?>[] {QueryService.class},
            (proxy, method, args) -> {
              if (method.getName().equals("roles")) {
                throw new IllegalStateException("roles are broken");
              }
              try {
                return method.invoke(view, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Two members; this one the oldest; the store and the backend as the test sets them. */
  private static final class StubNode implements NodeStatus {
    @Override
    public List<Member> members() {
      return List.of(
          new Member("pekko://borealis@10.0.0.1:2552", "Up", List.of(), true, true, true),
          new Member("pekko://borealis@10.0.0.2:2552", "Up", List.of(), false, false, true));
    }

    @Override
    public Optional<String> backendHere() {
      return backendHere.get() ? Optional.of("sim") : Optional.empty();
    }

    @Override
    public Probe backend() {
      return new Probe(
          "sim",
          true,
          Optional.of(
              backendHere.get()
                  ? "pekko://borealis@10.0.0.1:2552"
                  : "pekko://borealis@10.0.0.2:2552"),
          Optional.of(Duration.ofMillis(2)),
          Optional.empty());
    }

    @Override
    public Probe store() {
      return storeUp.get()
          ? new Probe(
              "cassandra",
              true,
              Optional.empty(),
              Optional.of(Duration.ofMillis(4)),
              Optional.empty())
          : new Probe(
              "cassandra",
              false,
              Optional.empty(),
              Optional.empty(),
              Optional.of("no answer in 1 s"));
    }

    @Override
    public Instant startedAt() {
      return Instant.parse("2026-01-01T00:00:00Z");
    }

    @Override
    public String version() {
      return "test";
    }
  }
}
