package io.borealis.node;

import static io.borealis.node.EndToEndTest.allTasks;
import static io.borealis.node.EndToEndTest.items;
import static io.borealis.node.EndToEndTest.job;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node stopped gracefully and started again on its data directory serves every job and task it
 * had, from the read side's snapshot (not a replay of the whole journal), with an index that goes
 * on from where it was.
 */
class RestartTest {

  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 4, auto-run = on, start-delay = 20ms }
      borealis.read-side.tags = 4
      """;

  @Test
  void aGracefulRestartResumesTheReadSideFromItsSnapshot(@TempDir Path temp) throws Exception {
    try (NodeProcess n =
        new NodeProcess(Files.createDirectories(temp.resolve("restart")), SETTINGS).start()) {
      // Ended tasks only, so that nothing changes while the node is down or starts again.
      for (int j = 0; j < 4; j++) {
        assertThat(
                n.call("POST", "/api/v1/jobs/www-data/prod/batch" + j, job(3, false, 1)).status())
            .isEqualTo(201);
      }
      assertThat(n.call("POST", "/api/v1/jobs/www-data/prod/svc", job(2, true, 1)).status())
          .isEqualTo(201);
      n.await("/api/v1/tasks?status=RUNNING", p -> p.get("total").asInt() == 14);
      for (JsonNode t : items(n.get("/api/v1/tasks?status=RUNNING"))) {
        if (!t.get("job_key").asText().endsWith("/svc")) {
          String id = t.get("task_id").asText();
          n.call("POST", "/api/v1/sim/tasks/" + id + "/status", "{\"status\": \"FINISHED\"}");
        }
      }
      n.call("POST", "/api/v1/jobs/www-data/prod/svc/kill", "{}");
      n.await("/api/v1/tasks?status=FINISHED,KILLED", p -> p.get("total").asInt() == 14);
      Map<String, JsonNode> before = allTasks(n);
      JsonNode jobsBefore = n.get("/api/v1/jobs");
      long indexBefore =
          Long.parseLong(
              n.call("GET", "/api/v1/jobs", null)
                  .raw()
                  .headers()
                  .firstValue("X-Borealis-Index")
                  .get());

      n.close();
      assertThat(n.logText()).contains("The read side saved its snapshot");
      n.start();

      String log = n.logText();
      assertThat(log).contains("The read side resumed from its snapshot at index " + indexBefore);
      // Not one event replayed: the snapshot held them all.
      assertThat(log.substring(log.indexOf("The read side resumed from its snapshot")))
          .contains("The read side caught up with the journal")
          .containsPattern("read 0 events, index " + indexBefore);

      NodeProcess.Reply jobsAfter = n.call("GET", "/api/v1/jobs", null);
      long indexAfter =
          Long.parseLong(jobsAfter.raw().headers().firstValue("X-Borealis-Index").get());
      assertThat(indexAfter).isEqualTo(indexBefore);
      assertThat(items(jobsAfter.body())).hasSameSizeAs(items(jobsBefore));
      for (JsonNode j : items(jobsBefore)) {
        assertThat(items(jobsAfter.body()))
            .anyMatch(
                a ->
                    a.get("job_key").equals(j.get("job_key"))
                        && a.get("instances").equals(j.get("instances")));
      }
      Map<String, JsonNode> after = allTasks(n);
      for (var e : before.entrySet()) {
        JsonNode was = e.getValue();
        JsonNode now = after.get(e.getKey());
        assertThat(now).as("task %s after the restart", e.getKey()).isNotNull();
        assertThat(now).isEqualTo(was);
      }
    }
  }

  /**
   * Instances are not remembered by sharding: the node wakes those with an active task from its
   * view once it serves. A task that waited for room before the restart is placed after it, as soon
   * as room appears (asleep, it would never have told placement that it waits).
   */
  @Test
  void aTaskPendingBeforeARestartIsPlacedAfterIt(@TempDir Path temp) throws Exception {
    String big =
        """
        {"instances": 2, "service": true,
         "task": {"processes": [{"name": "main", "cmdline": "sleep 3600"}],
                  "resources": {"cpu": 16, "ram": "128MB", "disk": "256MB"}}}
        """;
    try (NodeProcess n =
        new NodeProcess(Files.createDirectories(temp.resolve("pending")), SETTINGS).start()) {
      assertThat(n.call("POST", "/api/v1/jobs/www-data/prod/big", big).status()).isEqualTo(201);
      n.await("/api/v1/tasks?status=PENDING", p -> p.get("total").asInt() == 2);

      n.close();
      n.start();
      assertThat(n.logText()).contains("Woke 2 live instances");

      assertThat(n.call("POST", "/api/v1/sim/agents", "{\"count\": 2, \"cpu\": 32}").status())
          .isEqualTo(201);
      n.await("/api/v1/tasks?status=RUNNING", p -> p.get("total").asInt() == 2);
    }
  }
}
