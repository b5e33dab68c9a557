package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads see writes: every read issued right after a 2xx write on the same node (no polling, no
 * sleep) reflects that write — the job, its tasks and the job list — over 100 rounds of create, add
 * instances, restart and kill against a node on the simulated fleet.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadYourWritesTest {

  private static final Set<String> KILL_STARTED = Set.of("KILLING", "KILLED");
  private static final Set<String> RESTART_STARTED =
      Set.of("RESTARTING", "KILLED", "LOST", "FINISHED", "FAILED");

  NodeProcess node;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    node =
        new NodeProcess(
                Files.createDirectories(temp.resolve("ryw")),
                """
                borealis.backend.kind = sim
                borealis.backend.sim { agents = 20, auto-run = on, start-delay = 5ms }
                """)
            .start();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void everyReadAfterAWriteReflectsIt() throws Exception {
    int stale = 0;
    List<String> staleReads = new ArrayList<>();
    for (int round = 0; round < 100; round++) {
      String job = "ryw/prod/job" + round;
      String base = "/api/v1/jobs/" + job;

      var created = node.call("POST", base, EndToEndTest.job(2, true, 1));
      assertThat(created.status()).as("create %s", job).isEqualTo(201);
      assertThat(created.raw().headers().firstValue("X-Borealis-Index")).isPresent();
      JsonNode details = node.call("GET", base, null).body();
      JsonNode tasks = node.call("GET", base + "/tasks", null).body();
      JsonNode list = node.call("GET", "/api/v1/jobs?role=ryw", null).body();
      if (!details.path("instances").isInt()
          || details.path("instances").asInt() != 2
          || instances(tasks).size() != 2
          || EndToEndTest.items(list).stream()
              .noneMatch(j -> j.get("job_key").asText().equals(job))) {
        staleReads.add("after create " + job + ": " + details + " / " + tasks);
      }

      var added =
          node.call("POST", base + "/instances", "{\"template_instance\": 0, \"count\": 1}");
      assertThat(added.status()).as("add to %s: %s", job, added.body()).isBetween(200, 299);
      tasks = node.call("GET", base + "/tasks", null).body();
      details = node.call("GET", base, null).body();
      list = node.call("GET", "/api/v1/jobs?role=ryw", null).body();
      JsonNode summary =
          EndToEndTest.items(list).stream()
              .filter(j -> j.get("job_key").asText().equals(job))
              .findFirst()
              .orElse(null);
      if (instances(tasks).size() != 3
          || details.path("instances").asInt() != 3
          || summary == null
          || summary.get("instances").asInt() != 3) {
        staleReads.add("after add " + job + ": " + details + " / " + tasks);
      }

      var restarted = node.call("POST", base + "/restart", "{\"instances\": \"0\"}");
      assertThat(restarted.status()).as("restart %s: %s", job, restarted.body()).isEqualTo(200);
      if (restarted.body().get("instances").asText().equals("0")) {
        String before = latest(tasks).get(0);
        tasks = node.call("GET", base + "/tasks?instances=0", null).body();
        String status = statusOf(tasks, before);
        if (!RESTART_STARTED.contains(status)) {
          staleReads.add("after restart " + job + ": task " + before + " is " + status);
        }
      }

      var killed = node.call("POST", base + "/kill", "{}");
      assertThat(killed.status()).as("kill %s: %s", job, killed.body()).isEqualTo(200);
      tasks = node.call("GET", base + "/tasks", null).body();
      for (JsonNode t : EndToEndTest.items(tasks)) {
        String status = t.get("status").asText();
        boolean ended = Set.of("FINISHED", "FAILED", "LOST").contains(status);
        if (!ended && !KILL_STARTED.contains(status)) {
          staleReads.add("after kill " + job + ": " + t.get("task_id").asText() + " is " + status);
        }
      }
      list = node.call("GET", "/api/v1/jobs?role=ryw", null).body();
      summary =
          EndToEndTest.items(list).stream()
              .filter(j -> j.get("job_key").asText().equals(job))
              .findFirst()
              .orElse(null);
      if (summary != null && summary.get("stats").get("pending").asInt() != 0) {
        staleReads.add("after kill " + job + ": still pending in the list " + summary);
      }
    }
    assertThat(staleReads).as("reads that did not see the write before them").isEmpty();
    assertThat(stale).isZero();
  }

  @Test
  void aReadWithTheWritesIndexAnswersAtOnce() throws Exception {
    var created = node.call("POST", "/api/v1/jobs/ryw/prod/indexed", EndToEndTest.job(1, true, 1));
    long index =
        Long.parseLong(created.raw().headers().firstValue("X-Borealis-Index").orElseThrow());

    long started = System.nanoTime();
    var read =
        node.call("GET", "/api/v1/jobs/ryw/prod/indexed/tasks?index=" + index + "&wait=30s", null);
    long tookMs = (System.nanoTime() - started) / 1_000_000;

    assertThat(read.status()).isEqualTo(200);
    assertThat(EndToEndTest.items(read.body())).hasSize(1);
    assertThat(Long.parseLong(read.raw().headers().firstValue("X-Borealis-Index").orElseThrow()))
        .isGreaterThan(index);
    // It did not sit out the wait: the write was already visible.
    assertThat(tookMs).isLessThan(20_000);
  }

  @Test
  void readsWithTheWritesIndexDoNotWait() throws Exception {
    List<Long> tookMs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String job = "/api/v1/jobs/ryw/prod/timed" + i;
      var created = node.call("POST", job, EndToEndTest.job(1, true, 1));
      String index = created.raw().headers().firstValue("X-Borealis-Index").orElseThrow();
      long started = System.nanoTime();
      var read = node.call("GET", job + "?index=" + index + "&wait=30s", null);
      tookMs.add((System.nanoTime() - started) / 1_000_000);
      assertThat(read.status()).isEqualTo(200);
    }
    List<Long> sorted = tookMs.stream().sorted().toList();
    System.out.printf(
        "Reads with the write's index on the writing node alone: %s ms (median %d, max %d)%n",
        tookMs, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    // On a node alone the write is visible when it is answered: no read sits out a wait.
    assertThat(sorted.get(sorted.size() - 1)).isLessThan(5_000);
  }

  /** Instance id -> task ids, newest first. */
  private static Map<Integer, List<String>> instances(JsonNode page) {
    Map<Integer, List<String>> byInstance = new HashMap<>();
    for (JsonNode t : EndToEndTest.items(page)) {
      byInstance
          .computeIfAbsent(t.get("instance_id").asInt(), i -> new ArrayList<>())
          .add(t.get("task_id").asText());
    }
    return byInstance;
  }

  private static List<String> latest(JsonNode page) {
    List<String> ids = new ArrayList<>();
    instances(page).entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> ids.add(e.getValue().get(0)));
    return ids;
  }

  private static String statusOf(JsonNode page, String taskId) {
    for (JsonNode t : EndToEndTest.items(page)) {
      if (t.get("task_id").asText().equals(taskId)) {
        return t.get("status").asText();
      }
    }
    return "absent";
  }
}
