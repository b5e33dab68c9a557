package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any node answers any read (issue 13): two nodes in one Pekko cluster on one Cassandra journal. A
 * job created through node 1 is read through node 2 with the write's index and is there on the
 * first answer; a long-poll on node 2 wakes for a change made through node 1; an event stream on
 * node 2 resumed with an id from node 1 misses nothing. Cassandra tier only (the embedded store is
 * one node's).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodeReadsTest {

  private static final String ROLE = "www-data/prod/";

  NodeProcess one;
  NodeProcess two;

  @BeforeAll
  void startNodes(@TempDir Path temp) throws Exception {
    Assumptions.assumeTrue(
        CassandraTier.enabled(), "several nodes share a journal on Cassandra only");
    int port1 = freePort();
    int port2 = freePort();
    String seed = "pekko.cluster.seed-nodes = [\"pekko://borealis@127.0.0.1:" + port1 + "\"]\n";
    String settings =
        """
        borealis.backend.kind = sim
        borealis.backend.sim { agents = 4, auto-run = off }
        borealis.http.event-heartbeat = 1s
        """;
    Path dir1 = Files.createDirectories(temp.resolve("one"));
    one =
        new NodeProcess(
                dir1, settings + seed + "pekko.remote.artery.canonical.port = " + port1 + "\n")
            .start();
    // Node two on node one's keyspaces: one journal.
    two =
        new NodeProcess(
                Files.createDirectories(temp.resolve("two")),
                settings + seed + "pekko.remote.artery.canonical.port = " + port2 + "\n",
                CassandraTier.settingsFor(dir1))
            .start();
  }

  @AfterAll
  void stopNodes() throws Exception {
    if (two != null) {
      two.close();
    }
    if (one != null) {
      one.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static long index(NodeProcess.Reply reply) {
    return Long.parseLong(reply.raw().headers().firstValue("X-Borealis-Index").orElseThrow());
  }

  @Test
  void aJobCreatedThroughOneNodeIsReadThroughTheOtherWithTheWritesIndex() throws Exception {
    List<Long> crossMs = new ArrayList<>();
    List<Long> sameMs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String job = ROLE + "ryw" + i;
      var created = one.call("POST", "/api/v1/jobs/" + job, EndToEndTest.job(1, true, 1));
      assertThat(created.status()).as("create %s: %s", job, created.body()).isEqualTo(201);
      long index = index(created);

      long started = System.nanoTime();
      var read = two.call("GET", "/api/v1/jobs/" + job + "?index=" + index + "&wait=20s", null);
      crossMs.add((System.nanoTime() - started) / 1_000_000);
      assertThat(read.status()).as("read %s on node two: %s", job, read.body()).isEqualTo(200);
      assertThat(read.body().get("instances").asInt()).isEqualTo(1);
      assertThat(index(read)).isGreaterThan(index);

      started = System.nanoTime();
      var again = one.call("GET", "/api/v1/jobs/" + job + "?index=" + index + "&wait=20s", null);
      sameMs.add((System.nanoTime() - started) / 1_000_000);
      assertThat(again.status()).isEqualTo(200);
    }
    System.out.printf(
        "Read-your-writes on two nodes: through the other node %s ms (median %d), through the"
            + " writing node %s ms (median %d)%n",
        crossMs, median(crossMs), sameMs, median(sameMs));
    // Bounded by the store's delay and a query, not by the wait.
    assertThat(median(crossMs)).isLessThan(10_000);
  }

  @Test
  void aLongPollOnOneNodeWakesForAChangeMadeThroughTheOther() throws Exception {
    String job = ROLE + "poll";
    var created = one.call("POST", "/api/v1/jobs/" + job, EndToEndTest.job(1, true, 1));
    assertThat(created.status()).isEqualTo(201);
    // Node two has the job, its task assigned (nothing else happens to it on its own).
    long seen = index(created);
    while (true) {
      var read =
          two.call("GET", "/api/v1/jobs/" + job + "/tasks?index=" + seen + "&wait=20s", null);
      seen = index(read);
      List<JsonNode> tasks = EndToEndTest.items(read.body());
      if (tasks.size() == 1 && tasks.get(0).get("status").asText().equals("ASSIGNED")) {
        break;
      }
    }

    long polled = System.nanoTime();
    // Returns once the request is on node two's connection: the change comes after it was asked.
    CompletableFuture<NodeProcess.Exchange> poll =
        two.exchangeAsync(
            "GET /api/v1/jobs/"
                + job
                + "?index="
                + seen
                + "&wait=30s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    CompletableFuture<Long> answeredAt = poll.thenApply(r -> System.nanoTime());
    long changed = System.nanoTime();
    var added =
        one.call(
            "POST",
            "/api/v1/jobs/" + job + "/instances",
            "{\"template_instance\": 0, \"count\": 1}");
    assertThat(added.status()).as("add: %s", added.body()).isBetween(200, 299);

    NodeProcess.Exchange answer = poll.get(30, TimeUnit.SECONDS);
    long answeredMs = (System.nanoTime() - polled) / 1_000_000;
    JsonNode details = NodeProcess.JSON.readTree(answer.body());
    assertThat(answer.status()).as("poll: %s", answer.body()).isEqualTo(200);
    // It answered for the change (not before it), well before its wait was over.
    assertThat(answeredAt.get()).isGreaterThan(changed);
    assertThat(details.get("instances").asInt()).isEqualTo(2);
    assertThat(Long.parseLong(answer.headers().get("x-borealis-index"))).isGreaterThan(seen);
    assertThat(answeredMs).isLessThan(20_000);
    System.out.printf(
        "A long-poll on node two woke %d ms after the change through node one%n",
        (answeredAt.get() - changed) / 1_000_000);
  }

  @Test
  void anEventStreamResumedOnTheOtherNodeMissesNothing() throws Exception {
    String job = ROLE + "stream";
    String query = "?topics=job:" + job;
    String lastId;
    try (EventStreamTest.Follower first = new EventStreamTest.Follower(one.port(), query, null)) {
      assertThat(one.call("POST", "/api/v1/jobs/" + job, EndToEndTest.job(1, true, 1)).status())
          .isEqualTo(201);
      while (true) {
        EventStreamTest.Sse e = first.next("instance 0 assigned");
        if (e.event().equals("task") && e.data().get("status").asText().equals("ASSIGNED")) {
          lastId = e.id();
          break;
        }
      }
    }
    // Away from the stream: an instance is added through node one.
    var added =
        one.call(
            "POST",
            "/api/v1/jobs/" + job + "/instances",
            "{\"template_instance\": 0, \"count\": 1}");
    assertThat(added.status()).isBetween(200, 299);

    try (EventStreamTest.Follower resumed =
        new EventStreamTest.Follower(two.port(), query, lastId)) {
      List<String> got = new ArrayList<>();
      boolean assigned = false;
      while (!assigned) {
        EventStreamTest.Sse e = resumed.next("instance 1 assigned on node two");
        assertThat(e.event()).as("resumed with %s, got %s", lastId, got).isNotEqualTo("reset");
        got.add(e.event() + " " + e.data());
        assigned =
            e.event().equals("task")
                && e.data().get("instance_id").asInt() == 1
                && e.data().get("status").asText().equals("ASSIGNED");
      }
      assertThat(got)
          .anyMatch(s -> s.startsWith("job ") && s.contains("instances_added"))
          .anyMatch(
              s ->
                  s.startsWith("task ")
                      && s.contains("\"instance_id\":1")
                      && s.contains("PENDING"));
    }
  }

  private static long median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }
}
