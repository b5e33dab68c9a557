package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.borealis.cli.FakeScheduler.Answer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 13: a cluster of several nodes; the client moves on from a node that cannot answer. */
class SchedulerClientFailoverTest {

  static final String JOBS = "/api/v1/jobs";
  static final String OK = "{\"items\": [], \"total\": 0}";

  FakeScheduler first;
  FakeScheduler second;
  int refusing;
  HangUp hangUp;
  List<Duration> slept = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    first = new FakeScheduler();
    second = new FakeScheduler();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusing = s.getLocalPort();
    }
    hangUp = new HangUp();
  }

  @AfterEach
  void tearDown() throws IOException {
    first.close();
    second.close();
    hangUp.close();
  }

  SchedulerClient client(int... ports) {
    Env env =
        new Env(
            Map.of(),
            Path.of("/nonexistent"),
            false,
            Duration.ZERO,
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
            slept::add);
    List<URI> uris =
        java.util.Arrays.stream(ports).mapToObj(p -> URI.create("http://127.0.0.1:" + p)).toList();
    return new SchedulerClient(
        new Clusters.Cluster("three", uris, Optional.empty(), Optional.empty(), "test"),
        SchedulerClient.newHttpClient(env),
        Optional.empty(),
        env);
  }

  @Test
  void aRefusedConnectionMovesOnToTheNextNodeAndStaysThere() {
    first.json("GET " + JOBS, 200, OK);
    SchedulerClient client = client(refusing, first.port());

    assertThat(client.get(JOBS).status()).isEqualTo(200);
    assertThat(client.apiBase()).isEqualTo("http://127.0.0.1:" + first.port());
    client.get(JOBS);

    // The second read starts at the node that answered: the refusing one is not tried again.
    assertThat(first.requests("GET " + JOBS)).hasSize(2);
    assertThat(slept).isEmpty();
  }

  @Test
  void aWriteFailsOverWhenNoConnectionWasMadeAndReadsKeepItsIndex() {
    first.answer(
        "POST " + JOBS + "/r/e/n/kill",
        Answer.json(200, "{\"message\": \"x\"}", Map.of("X-Borealis-Index", "42")));
    second.json("GET " + JOBS, 200, OK);
    SchedulerClient client = client(refusing, first.port(), second.port());

    client.post(JOBS + "/r/e/n/kill", Json.object());
    first.close();
    client.get(JOBS);

    assertThat(first.requests("POST " + JOBS + "/r/e/n/kill")).hasSize(1);
    // Read-your-writes across nodes: the node that serves the read waits for the write's index.
    assertThat(second.requests)
        .extracting(FakeScheduler.Request::uri)
        .containsExactly(JOBS + "?index=42&wait=5000ms");
  }

  @Test
  void aReadAnswered503WithoutRetryAfterIsAskedOfTheNextNodeAtOnce() {
    first.answer("GET " + JOBS, Answer.json(503, "{\"title\": \"Not ready\"}", Map.of()));
    second.json("GET " + JOBS, 200, OK);

    assertThat(client(first.port(), second.port()).get(JOBS).status()).isEqualTo(200);
    assertThat(slept).isEmpty();
  }

  @Test
  void whenEveryNodeAnswers503AStreamedReadWaitsAndAsksAgain() throws Exception {
    first.answers(
        "GET /api/v1/events",
        Answer.json(503, "{\"title\": \"Not ready\"}", Map.of()),
        Answer.json(200, "{}", Map.of()));
    second.answer("GET /api/v1/events", Answer.json(503, "{\"title\": \"Not ready\"}", Map.of()));
    SchedulerClient client = client(first.port(), second.port());

    try (InputStream body = client.stream("/api/v1/events")) {
      assertThat(new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("{}");
    }
    // Both nodes were asked, then, a second later, the first one again.
    assertThat(slept).containsExactly(Duration.ofSeconds(1));
    assertThat(first.requests("GET /api/v1/events")).hasSize(2);
    assertThat(second.requests("GET /api/v1/events")).hasSize(1);
  }

  @Test
  void aReadWaitsOutRetryAfterOnTheSameNode() {
    // Overload is the node's word that it will take the request shortly: it is not a failure.
    first.answers(
        "GET " + JOBS,
        Answer.json(503, "{\"title\": \"Busy\"}", Map.of("Retry-After", "2")),
        Answer.json(200, OK, Map.of()));
    SchedulerClient client = client(first.port(), second.port());

    assertThat(client.get(JOBS).status()).isEqualTo(200);
    assertThat(first.requests("GET " + JOBS)).hasSize(2);
    assertThat(second.requests).isEmpty();
    assertThat(slept).containsExactly(Duration.ofSeconds(2));
  }

  @Test
  void aWriteAnswered503WithoutRetryAfterIsNotSentToAnotherNode() {
    first.answer("POST " + JOBS + "/r/e/n", Answer.json(503, "{\"title\": \"Timeout\"}", Map.of()));
    second.json("POST " + JOBS + "/r/e/n", 201, "{}");

    assertThatThrownBy(
            () -> client(first.port(), second.port()).post(JOBS + "/r/e/n", Json.object()))
        .isInstanceOfSatisfying(
            CliException.ProblemException.class,
            e -> assertThat(e.problem().status()).isEqualTo(503));
    assertThat(second.requests).isEmpty();
  }

  @Test
  void aPostSentButNotAnsweredIsNotSentAgainAnywhere() {
    second.json("POST " + JOBS + "/r/e/n/restart", 200, "{}");

    assertThatThrownBy(
            () -> client(hangUp.port(), second.port()).post(JOBS + "/r/e/n/restart", Json.object()))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.UNREACHABLE))
        .hasMessageContaining("it may have been done");
    assertThat(hangUp.accepted.get()).isEqualTo(1);
    assertThat(second.requests).isEmpty();
  }

  @Test
  void anIdempotentPutSentButNotAnsweredIsSentToTheNextNode() {
    second.json("PUT /api/v1/quotas/r", 200, "{}");

    assertThat(client(hangUp.port(), second.port()).put("/api/v1/quotas/r", Json.object()).status())
        .isEqualTo(200);
    assertThat(hangUp.accepted.get()).isEqualTo(1);
  }

  @Test
  void whenNoNodeAnswersTheErrorNamesEachWithItsReason() {
    assertThatThrownBy(() -> client(refusing, hangUp.port()).get(JOBS))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.UNREACHABLE))
        .hasMessageStartingWith("cannot reach any scheduler of cluster 'three' (2 tried): ")
        .hasMessageContaining("http://127.0.0.1:" + refusing + ": ")
        .hasMessageContaining("; http://127.0.0.1:" + hangUp.port() + ": ");
  }

  /** A node that takes the connection and the request, then hangs up without answering. */
  static final class HangUp implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    final AtomicInteger accepted = new AtomicInteger();
    final Thread thread = new Thread(this::serve, "hang-up");

    HangUp() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          accepted.incrementAndGet();
          InputStream in = s.getInputStream();
          // Read the request head, so the client has sent it, then close without a word.
          byte[] buf = new byte[8192];
          int n = 0;
          while (n < buf.length) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
              break;
            }
            n += r;
            if (new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("\r\n\r\n")) {
              break;
            }
          }
        } catch (IOException e) {
          // Closed: the test is over.
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
