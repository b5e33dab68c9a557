package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.borealis.common.Metrics;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SLA coordinator client against a real HTTP server playing the coordinator (§3.6). */
class HttpSlaCoordinatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JobKey JOB = new JobKey("www-data", "prod", "web");
  private static final InstanceKey INSTANCE = JOB.instance(3);
  private static final TaskConfig CONFIG =
      TaskConfig.simple(JOB, true, Resources.of(0.5, 256, 512));

  /** What the coordinator answers next: a status and a body. */
  private volatile int status = 200;

  private volatile String answer = "{\"drain\": true}";
  private final CountDownLatch never = new CountDownLatch(1);
  private volatile boolean hang;
  private final BlockingQueue<Asked> asked = new LinkedBlockingQueue<>();
  private HttpServer server;
  private String url;

  record Asked(String method, String query, String contentType, JsonNode body) {}

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/sla",
        exchange -> {
          byte[] in = exchange.getRequestBody().readAllBytes();
          asked.add(
              new Asked(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getRawQuery(),
                  exchange.getRequestHeaders().getFirst("Content-Type"),
                  JSON.readTree(in)));
          if (hang) {
            try {
              never.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] out = answer.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, out.length);
          exchange.getResponseBody().write(out);
          exchange.close();
        });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort() + "/sla";
  }

  @AfterEach
  void stop() {
    never.countDown();
    server.stop(0);
  }

  private final Metrics metrics = Metrics.standalone();

  private boolean ask(SlaPolicy.Coordinator policy) throws Exception {
    return new HttpSlaCoordinator("east", Duration.ofSeconds(1), metrics)
        .allows(policy, INSTANCE, "www-data-prod-web-3-abc", CONFIG)
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void itPostsTheTaskAndItsConfigurationAndTakesTrueAtTheStatusKeyAsYes() throws Exception {
    assertThat(ask(new SlaPolicy.Coordinator(url, "drain"))).isTrue();

    Asked a = asked.poll(1, TimeUnit.SECONDS);
    assertThat(a.method()).isEqualTo("POST");
    assertThat(a.query()).isEqualTo("task=east%2Fwww-data%2Fprod%2Fweb%2F3");
    assertThat(a.contentType()).isEqualTo("application/json");
    assertThat(a.body().path("task").asText()).isEqualTo("east/www-data/prod/web/3");
    assertThat(a.body().path("task_id").asText()).isEqualTo("www-data-prod-web-3-abc");
    JsonNode config = a.body().path("taskConfig");
    // The configuration as the API shows a job's task.
    assertThat(config.path("service").asBoolean()).isTrue();
    assertThat(config.path("task").path("name").asText()).isEqualTo("web");
    assertThat(config.path("task").path("resources").path("cpu").asDouble()).isEqualTo(0.5);
  }

  @Test
  void aUrlWithItsOwnQueryKeepsIt() throws Exception {
    assertThat(ask(new SlaPolicy.Coordinator(url + "?pool=a", "drain"))).isTrue();
    assertThat(asked.poll(1, TimeUnit.SECONDS).query())
        .isEqualTo("pool=a&task=east%2Fwww-data%2Fprod%2Fweb%2F3");
  }

  @Test
  void theStatusKeyIsThePolicys() throws Exception {
    answer = "{\"drain\": true, \"ok\": false}";
    assertThat(ask(new SlaPolicy.Coordinator(url, "ok"))).isFalse();
    answer = "{\"ok\": true}";
    assertThat(ask(new SlaPolicy.Coordinator(url, "ok"))).isTrue();
  }

  @Test
  void anythingButA200WithTrueIsNotNow() throws Exception {
    SlaPolicy.Coordinator policy = new SlaPolicy.Coordinator(url, "drain");
    answer = "{\"drain\": false}";
    assertThat(ask(policy)).isFalse();
    answer = "{\"drain\": \"true\"}";
    assertThat(ask(policy)).isFalse();
    answer = "{}";
    assertThat(ask(policy)).isFalse();
    answer = "not json";
    assertThat(ask(policy)).isFalse();
    status = 500;
    answer = "{\"drain\": true}";
    assertThat(ask(policy)).isFalse();
    // One answer read (false); the others were the coordinator's mistakes.
    assertThat(metrics.value("sla_coordinator_attempts")).isEqualTo(5);
    assertThat(metrics.value("sla_coordinator_success")).isEqualTo(1);
    assertThat(metrics.value("sla_coordinator_user_errors")).isEqualTo(4);
    assertThat(metrics.value("sla_coordinator_errors")).isZero();
  }

  @Test
  void aCoordinatorThatDoesNotAnswerInTimeOrCannotBeReachedIsNotNow() throws Exception {
    hang = true;
    assertThat(ask(new SlaPolicy.Coordinator(url, "drain"))).isFalse();
    never.countDown();
    server.stop(0);
    assertThat(ask(new SlaPolicy.Coordinator(url, "drain"))).isFalse();
    assertThat(metrics.value("sla_coordinator_errors")).isEqualTo(2);
  }
}
