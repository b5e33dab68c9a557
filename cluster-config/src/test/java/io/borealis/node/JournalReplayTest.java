package io.borealis.node;

import static io.borealis.node.EndToEndTest.items;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema evolution (issue 11): a node of this release starts on a journal written by the previous
 * release's event shapes ({@code fixtures/journal-0.1.0.jsonl}, recorded by {@link
 * JournalFixtureGenerator}, manifests without a version) and serves what that release served: the
 * jobs and their configurations, every task with its whole history, the update, the quota and the
 * hosts in maintenance. What it writes itself carries the version of its type in the manifest.
 */
class JournalReplayTest {

  static final String FIXTURE = "/fixtures/journal-0.1.0";

  @Test
  void servesWhatThePreviousReleaseServedFromItsJournal(@TempDir Path temp) throws Exception {
    Path dataDir = Files.createDirectories(temp.resolve("replay"));
    JournalFixture.load(JournalFixture.read(FIXTURE + ".jsonl"), dataDir);
    JsonNode served =
        NodeProcess.JSON.readTree(String.join("\n", JournalFixture.read(FIXTURE + ".served.json")));

    try (NodeProcess node = new NodeProcess(dataDir, JournalFixtureGenerator.SETTINGS).start()) {
      // The jobs, as the read side rebuilt them from the journal, and as their entities hold them.
      JsonNode jobs = node.await("/api/v1/jobs", j -> j.get("total").asInt() == 2);
      for (int i = 0; i < 2; i++) {
        assertThat(items(jobs).get(i).get("job_key"))
            .isEqualTo(items(served.get("jobs")).get(i).get("job_key"));
        assertThat(items(jobs).get(i).get("instances"))
            .isEqualTo(items(served.get("jobs")).get(i).get("instances"));
      }
      for (String job : new String[] {"web", "batch"}) {
        JsonNode now = node.get("/api/v1/jobs/www-data/prod/" + job);
        JsonNode config = served.get(job).get("config");
        if (job.equals("web")) {
          // That release's read side kept the configuration web was created with after its update
          // had rolled every instance forward (a defect since fixed): the job now carries the
          // update's task, the one all its instances run.
          config = config.deepCopy();
          ((ObjectNode) config)
              .set("task", served.get(job).get("active_groups").get(0).get("config").get("task"));
        }
        assertThat(now.get("config")).isEqualTo(config);
        assertThat(now.get("created_at")).isEqualTo(served.get(job).get("created_at"));
        assertThat(now.get("active_groups")).isEqualTo(served.get(job).get("active_groups"));
      }
      // The job entity recovered too: it knows its instances (a kill of an unknown instance is
      // refused, a kill of a finished one finds nothing to kill).
      assertThat(
              node.call("POST", "/api/v1/jobs/www-data/prod/batch/kill", "{\"instances\": \"0\"}")
                  .body()
                  .toString())
          .contains("No tasks to kill.");

      // Every task with its history. Tasks that ended stay exactly as they were; tasks that were
      // running are unknown to the fresh simulated fleet, so reconciliation may end them, but
      // their history up to then is unchanged.
      Iterator<Map.Entry<String, JsonNode>> tasks = served.get("tasks").fields();
      int ended = 0;
      while (tasks.hasNext()) {
        var e = tasks.next();
        JsonNode was = e.getValue();
        JsonNode now = node.get("/api/v1/tasks/" + e.getKey());
        if (!was.get("status").asText().equals("RUNNING")) {
          assertThat(now).as("task %s", e.getKey()).isEqualTo(was);
          ended++;
        } else {
          for (int i = 0; i < was.get("events").size(); i++) {
            assertThat(now.get("events").get(i)).isEqualTo(was.get("events").get(i));
          }
        }
      }
      assertThat(ended).isEqualTo(7);

      // The update, its pulse and instance events; the quota; the hosts in maintenance.
      assertThat(node.get(JournalFixtureGenerator.UPDATE)).isEqualTo(served.get("update"));
      assertThat(node.get(JournalFixtureGenerator.QUOTA).get("quota"))
          .isEqualTo(served.get("quota").get("quota"));
      assertThat(node.get("/api/v1/maintenance")).isEqualTo(served.get("maintenance"));

      // What this release writes carries its version in the manifest.
      assertThat(
              node.call(
                      "PUT",
                      "/api/v1/quotas/replay-team",
                      "{\"cpu\": 1, \"ram_mb\": 64, \"disk_mb\": 64}")
                  .status())
          .isEqualTo(200);
    }
    List<JsonNode> written = new ArrayList<>();
    for (String line : JournalFixture.dump(dataDir)) {
      JsonNode event = NodeProcess.JSON.readTree(line);
      if (event.get("persistence_id").asText().contains("replay-team")) {
        written.add(event);
      }
    }
    assertThat(written).hasSize(1);
    assertThat(written.get(0).get("manifest").asText())
        .isEqualTo("io.borealis.quota.QuotaEntity$QuotaSet#1");
  }
}
