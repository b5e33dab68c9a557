package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event stream, {@code GET /api/v1/events}, against a node on the simulated fleet whose agents
 * do nothing on their own (statuses are posted by the test, as the agent would report them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventStreamTest {

  /** One server-sent event as a client saw it. */
  record Sse(String id, String event, JsonNode data, long receivedNanos) {}

  /** A client following a stream on its own thread. */
  static final class Follower implements AutoCloseable {
    final BlockingQueue<Sse> events = new LinkedBlockingQueue<>();

    /** What {@link #next} has handed out, in order. */
    final List<Sse> seen = new ArrayList<>();

    volatile boolean ended;
    volatile int status;
    private final Thread reader;
    private volatile Stream<String> lines;

    Follower(int port, String query, String lastEventId) throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/events" + query));
      if (lastEventId != null) {
        b.header("Last-Event-ID", lastEventId);
      }
      HttpResponse<Stream<String>> response =
          HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofLines());
      status = response.statusCode();
      lines = response.body();
      reader =
          new Thread(
              () -> {
                String id = null;
                String event = null;
                StringBuilder data = new StringBuilder();
                try {
                  for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                      if (event != null) {
                        events.add(
                            new Sse(
                                id,
                                event,
                                NodeProcess.JSON.readTree(data.toString()),
                                System.nanoTime()));
                      }
                      id = null;
                      event = null;
                      data.setLength(0);
                    } else if (line.startsWith("id: ")) {
                      id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                      event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                      data.append(line.substring(6));
                    }
                  }
                } catch (Exception e) {
                  // Closed by the test.
                }
                ended = true;
              });
      reader.setDaemon(true);
      reader.start();
    }

    Sse next(String what) throws InterruptedException {
      Sse e = events.poll(10, TimeUnit.SECONDS);
      assertThat(e).as("an event: %s", what).isNotNull();
      seen.add(e);
      return e;
    }

    /** The next task event for {@code taskId} with {@code status}, skipping others. */
    Sse until(String taskId, String status) throws InterruptedException {
      while (true) {
        Sse e = next(taskId + " " + status);
        if (e.event().equals("task")
            && e.data().get("task_id").asText().equals(taskId)
            && e.data().get("status").asText().equals(status)) {
          return e;
        }
      }
    }

    List<Sse> drain(Duration quiet) throws InterruptedException {
      List<Sse> got = new ArrayList<>();
      Sse e;
      while ((e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
        got.add(e);
      }
      return got;
    }

    @Override
    public void close() throws InterruptedException {
      lines.close();
      reader.join(5000);
    }
  }

  NodeProcess node;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    node =
        new NodeProcess(
                Files.createDirectories(temp.resolve("events")),
                """
                borealis.backend.kind = sim
                borealis.backend.sim { agents = 4, auto-run = off }
                borealis.http.event-heartbeat = 1s
                """)
            .start();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private String assignedTask(Follower f, String job) throws Exception {
    while (true) {
      Sse e = f.next("ASSIGNED of " + job);
      if (e.event().equals("task") && e.data().get("status").asText().equals("ASSIGNED")) {
        return e.data().get("task_id").asText();
      }
    }
  }

  @Test
  void aTaskReportedRunningIsStreamedAtOnce() throws Exception {
    try (Follower f = new Follower(node.port(), "?topics=job:www-data/prod/stream", null)) {
      assertThat(f.status).isEqualTo(200);
      assertThat(
              node.call("POST", "/api/v1/jobs/www-data/prod/stream", EndToEndTest.job(1, true, 1))
                  .status())
          .isEqualTo(201);
      Sse created = f.next("job created");
      assertThat(created.event()).isEqualTo("job");
      assertThat(created.data().get("change").asText()).isEqualTo("created");
      String task = assignedTask(f, "stream");

      node.call("POST", "/api/v1/sim/tasks/" + task + "/status", "{\"status\": \"STARTING\"}");
      long reported = System.nanoTime();
      node.call("POST", "/api/v1/sim/tasks/" + task + "/status", "{\"status\": \"RUNNING\"}");

      Sse running = f.until(task, "RUNNING");
      assertThat(running.data().get("previous_status").asText()).isEqualTo("STARTING");
      assertThat(running.data().get("job_key").asText()).isEqualTo("www-data/prod/stream");
      assertThat(Duration.ofNanos(running.receivedNanos() - reported))
          .isLessThan(Duration.ofSeconds(1));
    }
  }

  @Test
  void aClientThatReconnectsWithLastEventIdLosesAndRepeatsNothing() throws Exception {
    String query = "?topics=job:www-data/prod/resume";
    try (Follower whole = new Follower(node.port(), query, null)) {
      Follower first = new Follower(node.port(), query, null);
      node.call("POST", "/api/v1/jobs/www-data/prod/resume", EndToEndTest.job(2, true, 1));
      String task = assignedTask(first, "resume");
      // Take what has arrived so far, then hang up.
      List<Sse> before = new ArrayList<>(first.drain(Duration.ofMillis(500)));
      first.close();
      List<Sse> firstGot = new ArrayList<>(first.seen);
      firstGot.addAll(before);
      String lastId = firstGot.get(firstGot.size() - 1).id();

      // Meanwhile: the task starts, fails and is replaced.
      node.call("POST", "/api/v1/sim/tasks/" + task + "/status", "{\"status\": \"STARTING\"}");
      node.call("POST", "/api/v1/sim/tasks/" + task + "/status", "{\"status\": \"RUNNING\"}");
      node.call(
          "POST",
          "/api/v1/sim/tasks/" + task + "/status",
          "{\"status\": \"FAILED\", \"message\": \"exit 1\"}");
      whole.until(task, "FAILED");

      try (Follower resumed = new Follower(node.port(), query, lastId)) {
        List<Sse> after = resumed.drain(Duration.ofSeconds(2));
        List<Sse> everything = whole.drain(Duration.ofMillis(500));
        List<String> all = new ArrayList<>();
        // `whole` already handed the test some events above: count from the stream start.
        all.addAll(ids(whole.seen));
        all.addAll(ids(everything));
        List<String> pieced = new ArrayList<>(ids(firstGot));
        pieced.addAll(ids(after));
        assertThat(after).noneMatch(e -> e.event().equals("reset"));
        assertThat(pieced).doesNotHaveDuplicates();
        assertThat(pieced).containsExactlyElementsOf(all);
      }
    }
  }

  private static List<String> ids(List<Sse> events) {
    return events.stream().map(e -> e.id() + " " + e.event() + " " + e.data()).toList();
  }

  @Test
  void anIdFromAnotherNodeOrBeforeARestartStartsWithReset() throws Exception {
    try (Follower f = new Follower(node.port(), "?topics=*", "someothernode.5")) {
      Sse first = f.next("reset");
      assertThat(first.event()).isEqualTo("reset");
    }
  }

  @Test
  void aBadTopicIsA400NamingIt() throws Exception {
    var r = node.call("GET", "/api/v1/events?topics=jobs:x", null);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().get("errors").get(0).get("field").asText()).isEqualTo("topics");
  }

  @Test
  void idleStreamsCarryHeartbeats() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.port() + "/api/v1/events?topics=task:none"))
            .build();
    HttpResponse<Stream<String>> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
    try (Stream<String> lines = response.body()) {
      // The opening comment, then at least two heartbeats within the test's patience.
      long comments = lines.filter(l -> l.startsWith(":")).limit(3).count();
      assertThat(comments).isEqualTo(3);
    }
  }
}
