package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL in the middle of an update continues it after a restart, to the same
 * end, without repeating an instance event. The simulated fleet forgets its tasks with the node, so
 * the tasks of the update's instances come back LOST and are replaced: the update tolerates some
 * failures here, as one would across a real outage.
 */
class UpdateCrashTest {

  @Test
  void anUpdateCutByKill9GoesOnAfterTheRestart(@TempDir Path temp) throws Exception {
    try (NodeProcess n =
        new NodeProcess(Files.createDirectories(temp.resolve("crash")), EndToEndTest.SETTINGS)
            .start()) {
      String job = "/api/v1/jobs/www-data/prod/crash";
      assertThat(n.call("POST", job, UpdateEndToEndTest.job(8, 0.5, "{}")).status()).isEqualTo(201);
      n.await(job + "/tasks?limit_per_instance=1", p -> EndToEndTest.allIn(p, 8, "RUNNING"));
      String settings =
          "{\"batch_size\": 2, \"watch_secs\": 2, \"max_per_shard_failures\": 3,"
              + " \"max_total_failures\": 8, \"rollback_on_failure\": false}";
      var started =
          n.call(
              "POST",
              job + "/updates",
              "{\"job\": " + UpdateEndToEndTest.job(8, 0.25, settings) + ", \"id\": \"crash-1\"}");
      assertThat(started.status()).as(started.body().toString()).isEqualTo(201);
      String update = "/api/v1/updates/www-data/prod/crash/crash-1";
      // Cut it short once some instances are done and others are not.
      JsonNode before =
          n.await(update, u -> u.get("progress").get("done").asInt() >= 2, Duration.ofSeconds(60));
      assertThat(before.get("status").asText()).isEqualTo("ROLLING_FORWARD");
      assertThat(before.get("progress").get("done").asInt()).isLessThan(8);
      n.kill9();
      n.start();

      JsonNode done =
          n.await(
              update,
              u -> u.get("status").asText().equals("ROLLED_FORWARD"),
              Duration.ofSeconds(120));
      Map<String, Integer> seen = new HashMap<>();
      done.get("instance_events")
          .forEach(
              e ->
                  seen.merge(
                      e.get("instance_id").asInt() + " " + e.get("action").asText(),
                      1,
                      Integer::sum));
      assertThat(seen).allSatisfy((event, count) -> assertThat(count).as(event).isEqualTo(1));
      for (int i = 0; i < 8; i++) {
        assertThat(seen).containsKey(i + " INSTANCE_UPDATED");
      }
      // Every instance runs the new configuration, one task each.
      n.await(
          job + "/tasks?status=RUNNING", p -> p.get("total").asInt() == 8, Duration.ofSeconds(30));
      JsonNode groups = n.get(job).get("active_groups");
      assertThat(groups).hasSize(1);
      assertThat(groups.get(0).get("instances").asText()).isEqualTo("0-7");
      assertThat(groups.get(0).get("config").get("task").get("resources").get("cpu").asDouble())
          .isEqualTo(0.25);
      JsonNode active = n.get(job + "/tasks?status=PENDING,ASSIGNED,STARTING,RUNNING,KILLING");
      assertThat(active.get("total").asInt()).isEqualTo(8);
    }
  }
}
