package io.borealis.node;

import static io.borealis.node.EndToEndTest.allIn;
import static io.borealis.node.EndToEndTest.items;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records the fixture journal {@link JournalReplayTest} replays: a node (simulated fleet) is driven
 * through a realistic history, stopped, and its embedded store's journal is written to {@code
 * src/test/resources/fixtures/journal-RELEASE.jsonl} ({@link JournalFixture}), with what it served
 * before it stopped beside it ({@code journal-RELEASE.served.json}).
 *
 * <p>Not part of the suite: a fixture is recorded once per release, from that release's code, so
 * that it keeps the event shapes (and manifests) of that release. Run it from the module with
 * {@code mvn -pl cluster-config -am test -Dtest=JournalFixtureGenerator
 * -Dsurefire.failIfNoSpecifiedTests=false -Dborealis.fixture.write=true
 * -Dborealis.fixture.release=RELEASE}, and commit the files (an existing fixture is not
 * overwritten).
 */
@EnabledIfSystemProperty(named = "borealis.fixture.write", matches = "true")
class JournalFixtureGenerator {

  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 3, auto-run = on, start-delay = 20ms }
      borealis.maintenance { poll-interval = 1s, drained-check-interval = 200ms }
      """;

  static final String WEB = "/api/v1/jobs/www-data/prod/web";
  static final String BATCH = "/api/v1/jobs/www-data/prod/batch";
  static final String UPDATE = "/api/v1/updates/www-data/prod/web/fixture-1";
  static final String QUOTA = "/api/v1/quotas/www-data";

  @Test
  void recordsAJournal(@TempDir Path temp) throws Exception {
    String name = "journal-" + System.getProperty("borealis.fixture.release", "next");
    // A recorded fixture is the shapes of its release: never overwritten by a later one.
    assertThat(Path.of("src", "test", "resources", "fixtures", name + ".jsonl")).doesNotExist();
    Path dataDir = Files.createDirectories(temp.resolve("fixture"));
    ObjectNode served = NodeProcess.JSON.createObjectNode();
    try (NodeProcess node = new NodeProcess(dataDir, SETTINGS).start()) {
      assertThat(
              node.call("PUT", QUOTA, "{\"cpu\": 8, \"ram_mb\": 4096, \"disk_mb\": 8192}").status())
          .isEqualTo(200);

      // A service job of three instances: one task fails and is rescheduled, one is killed.
      assertThat(node.call("POST", WEB, UpdateEndToEndTest.job(3, 0.5, "{}")).status())
          .isEqualTo(201);
      JsonNode running =
          node.await(WEB + "/tasks?limit_per_instance=1", p -> allIn(p, 3, "RUNNING"));
      String failed = null;
      for (JsonNode t : items(running)) {
        if (t.get("instance_id").asInt() == 1) {
          failed = t.get("task_id").asText();
        }
      }
      node.call(
          "POST",
          "/api/v1/sim/tasks/" + failed + "/status",
          "{\"status\": \"FAILED\", \"message\": \"exit 1\"}");
      node.await(
          WEB + "/tasks?instances=1",
          p -> items(p).size() == 2 && items(p).get(0).get("status").asText().equals("RUNNING"));
      assertThat(node.call("POST", WEB + "/kill", "{\"instances\": \"2\"}").status())
          .isEqualTo(200);
      node.await(WEB + "/tasks?instances=2", p -> allIn(p, 1, "KILLED"));

      // A batch job whose task finishes.
      assertThat(node.call("POST", BATCH, EndToEndTest.job(1, false, 1)).status()).isEqualTo(201);
      JsonNode batch = node.await(BATCH + "/tasks", p -> allIn(p, 1, "RUNNING"));
      node.call(
          "POST",
          "/api/v1/sim/tasks/" + items(batch).get(0).get("task_id").asText() + "/status",
          "{\"status\": \"FINISHED\"}");
      node.await(BATCH + "/tasks", p -> allIn(p, 1, "FINISHED"));

      // A coordinated update of the service job: it waits for a pulse, then rolls forward.
      var started =
          node.call(
              "POST",
              WEB + "/updates",
              "{\"job\": "
                  + UpdateEndToEndTest.job(
                      3,
                      0.25,
                      "{\"batch_size\": 3, \"watch_secs\": 1, \"pulse_interval_secs\": 600}")
                  + ", \"id\": \"fixture-1\"}");
      assertThat(started.status()).as(started.body().toString()).isEqualTo(201);
      node.await(UPDATE, u -> u.get("status").asText().equals("ROLL_FORWARD_AWAITING_PULSE"));
      assertThat(node.call("POST", UPDATE + "/pulse", "").status()).isEqualTo(200);
      node.await(
          UPDATE, u -> u.get("status").asText().equals("ROLLED_FORWARD"), Duration.ofSeconds(90));

      // Maintenance: one idle host scheduled, the host of instance 0 drained.
      assertThat(
              node.call("POST", "/api/v1/maintenance/start", "{\"hosts\": [\"spare-host\"]}")
                  .status())
          .isEqualTo(200);
      JsonNode now =
          node.await(WEB + "/tasks?instances=0&limit_per_instance=1", p -> allIn(p, 1, "RUNNING"));
      String host = items(now).get(0).get("host").asText();
      assertThat(
              node.call("POST", "/api/v1/maintenance/drain", "{\"hosts\": [\"" + host + "\"]}")
                  .status())
          .isEqualTo(200);
      node.await(
          "/api/v1/maintenance",
          m -> items(m).stream().anyMatch(h -> h.get("mode").asText().equals("DRAINED")));
      node.await(
          WEB + "/tasks?limit_per_instance=1",
          p ->
              items(p).stream()
                  .filter(t -> t.get("instance_id").asInt() != 2)
                  .allMatch(t -> t.get("status").asText().equals("RUNNING")));

      served.put("drained_host", host);
      served.set("jobs", node.get("/api/v1/jobs"));
      served.set("web", node.get(WEB));
      served.set("batch", node.get(BATCH));
      served.set("update", node.get(UPDATE));
      served.set("quota", node.get(QUOTA));
      served.set("maintenance", node.get("/api/v1/maintenance"));
      ObjectNode tasks = served.putObject("tasks");
      for (JsonNode t : items(node.get("/api/v1/tasks?limit=1000"))) {
        String id = t.get("task_id").asText();
        tasks.set(id, node.get("/api/v1/tasks/" + id));
      }
    }
    Path folder = Path.of("src", "test", "resources", "fixtures");
    JournalFixture.write(JournalFixture.dump(dataDir), folder.resolve(name + ".jsonl"));
    JournalFixture.write(
        List.of(NodeProcess.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(served)),
        folder.resolve(name + ".served.json"));
  }
}
