package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.borealis.cli.FakeScheduler.Answer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 7: the client honours Retry-After, and reads its own writes. */
class SchedulerClientTest {

  static final String JOBS = "/api/v1/jobs";
  static final String OK = "{\"items\": [], \"total\": 0}";
  static final String BUSY =
      "{\"title\": \"Service Unavailable\", \"status\": 503,"
          + " \"detail\": \"Too many writes in flight\"}";

  FakeScheduler fake;
  List<Duration> slept = new CopyOnWriteArrayList<>();
  SchedulerClient client;

  @BeforeEach
  void setUp() throws IOException {
    fake = new FakeScheduler();
    Env env =
        new Env(
            Map.of(),
            Path.of("/nonexistent"),
            false,
            Duration.ZERO,
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
            slept::add);
    Clusters.Cluster cluster =
        new Clusters.Cluster(
            "fake",
            URI.create("http://127.0.0.1:" + fake.port()),
            Optional.empty(),
            Optional.empty(),
            "test");
    client =
        new SchedulerClient(cluster, SchedulerClient.newHttpClient(env), Optional.empty(), env);
  }

  @AfterEach
  void tearDown() {
    fake.close();
  }

  static Answer busy(int status, Map<String, String> headers) {
    return Answer.json(status, BUSY, headers);
  }

  @Test
  void aReadAnswered503IsRetriedAfterRetryAfter() {
    fake.answers(
        "GET " + JOBS,
        busy(503, Map.of("Retry-After", "7")),
        busy(429, Map.of("Retry-After", "2")),
        Answer.json(200, OK, Map.of()));

    assertThat(client.get(JOBS).status()).isEqualTo(200);

    assertThat(fake.requests(("GET " + JOBS))).hasSize(3);
    assertThat(slept).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(2));
  }

  @Test
  void aReadIsRetriedEvenWithoutRetryAfterWaitingASecond() {
    fake.answers("GET " + JOBS, busy(503, Map.of()), Answer.json(200, OK, Map.of()));
    assertThat(client.get(JOBS).status()).isEqualTo(200);
    assertThat(slept).containsExactly(Duration.ofSeconds(1));
  }

  @Test
  void aWriteRefusedWithRetryAfterIsSentAgain() {
    fake.answers(
        "POST " + JOBS + "/r/e/n",
        busy(503, Map.of("Retry-After", "3")),
        Answer.json(201, "{\"instances\": 1}", Map.of()));

    assertThat(client.post(JOBS + "/r/e/n", Json.object()).status()).isEqualTo(201);
    assertThat(fake.requests("POST " + JOBS + "/r/e/n")).hasSize(2);
    assertThat(slept).containsExactly(Duration.ofSeconds(3));
  }

  @Test
  void aWriteAnswered503WithoutRetryAfterIsNotSentTwice() {
    // Without Retry-After the node does not say that nothing happened: the write may have.
    fake.answers("POST " + JOBS + "/r/e/n", busy(503, Map.of()), Answer.json(201, "{}", Map.of()));

    assertThatThrownBy(() -> client.post(JOBS + "/r/e/n", Json.object()))
        .isInstanceOfSatisfying(
            CliException.ProblemException.class,
            e -> assertThat(e.problem().status()).isEqualTo(503))
        .hasMessage("Service Unavailable: Too many writes in flight");
    assertThat(fake.requests("POST " + JOBS + "/r/e/n")).hasSize(1);
    assertThat(slept).isEmpty();
  }

  @Test
  void aNodeThatStaysOverloadedIsGivenUpOnWithExitThree() {
    fake.answers("POST " + JOBS + "/r/e/n", busy(503, Map.of("Retry-After", "1")));

    assertThatThrownBy(() -> client.post(JOBS + "/r/e/n", Json.object()))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.UNREACHABLE))
        .hasMessageContaining("the scheduler of cluster 'fake' is overloaded")
        .hasMessageContaining("Too many writes in flight")
        .hasMessageContaining("gave up after 5 tries")
        .hasMessageContaining("nothing was changed");
    assertThat(fake.requests("POST " + JOBS + "/r/e/n")).hasSize(1 + SchedulerClient.MAX_RETRIES);
    assertThat(slept).hasSize(SchedulerClient.MAX_RETRIES);
  }

  @Test
  void retryAfterIsSecondsOrAnHttpDateAndBounded() {
    Instant now = Instant.parse("2015-10-21T07:27:50Z");
    assertThat(SchedulerClient.retryAfter("12", now)).contains(Duration.ofSeconds(12));
    assertThat(SchedulerClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now))
        .contains(Duration.ofSeconds(10));
    assertThat(SchedulerClient.retryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now))
        .contains(Duration.ZERO);
    assertThat(SchedulerClient.retryAfter("86400", now)).contains(SchedulerClient.MAX_RETRY_AFTER);
    assertThat(SchedulerClient.retryAfter("soon", now)).isEmpty();
  }

  @Test
  void readsAfterAWriteWaitForTheWritesIndex() {
    fake.json("GET " + JOBS, 200, OK);
    fake.json("GET " + JOBS + "?role=r", 200, OK);
    fake.answer(
        "POST " + JOBS + "/r/e/n/kill",
        Answer.json(200, "{\"message\": \"x\"}", Map.of("X-Borealis-Index", "42")));

    client.get(JOBS);
    client.post(JOBS + "/r/e/n/kill", Json.object());
    client.get(JOBS);
    client.get(JOBS + "?role=r");

    assertThat(fake.requests)
        .extracting(FakeScheduler.Request::uri)
        .containsExactly(
            JOBS,
            JOBS + "/r/e/n/kill",
            JOBS + "?index=42&wait=5000ms",
            JOBS + "?role=r&index=42&wait=5000ms");
    assertThat(client.written()).hasValue(42);
  }
}
