package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures how long a node with many running tasks (simulated fleet) takes to serve again after a
 * graceful restart. Not part of the suite: run it with {@code -Dborealis.measure=true} (and {@code
 * -Dborealis.measure.jobs} / {@code .instances} for the size, 400 × 250 by default; {@code
 * -Dborealis.measure.kill-first=true} kills every job before the restart, so that no task is lost
 * and rescheduled while the node starts).
 */
@EnabledIfSystemProperty(named = "borealis.measure", matches = "true")
class RestartMeasurement {

  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 1000, auto-run = on, start-delay = 20ms }
      """;

  @Test
  void timeToServeAgainAfterAGracefulRestart(@TempDir Path temp) throws Exception {
    int jobs = Integer.getInteger("borealis.measure.jobs", 400);
    int instances = Integer.getInteger("borealis.measure.instances", 250);
    int total = jobs * instances;
    String body =
        """
        {"instances": %d, "service": true,
         "task": {"processes": [{"name": "main", "cmdline": "sleep 3600"}],
                  "resources": {"cpu": 0.01, "ram": "1MB", "disk": "1MB"}}}
        """
            .formatted(instances);
    try (NodeProcess n =
        new NodeProcess(Files.createDirectories(temp.resolve("measure")), SETTINGS)
            .heap("6g")
            .start()) {
      long fill = System.nanoTime();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      List<Future<Integer>> created = new ArrayList<>();
      for (int j = 0; j < jobs; j++) {
        String path = "/api/v1/jobs/www-data/prod/m" + j;
        created.add(clients.submit(() -> n.call("POST", path, body).status()));
      }
      for (Future<Integer> f : created) {
        assertThat(f.get()).isEqualTo(201);
      }
      clients.shutdown();
      n.await(
          "/api/v1/tasks?status=RUNNING&limit=1",
          p -> p.get("total").asInt() == total,
          java.time.Duration.ofMinutes(30));
      double fillSecs = (System.nanoTime() - fill) / 1e9;
      if (Boolean.getBoolean("borealis.measure.kill-first")) {
        // Without running tasks, the fresh simulated fleet loses none after the restart: this
        // measures the read side alone, without the storm of recoveries and LOST tasks.
        for (int j = 0; j < jobs; j++) {
          // A busy node may answer 503 (nothing changed): try again, as a client would.
          int status = 503;
          for (int tries = 0; status == 503 && tries < 30; tries++) {
            var reply = n.call("POST", "/api/v1/jobs/www-data/prod/m" + j + "/kill", "{}");
            status = reply.status();
            if (status == 503) {
              // Wait as long as the node asks (its Retry-After), as the CLI does.
              long seconds =
                  Long.parseLong(reply.raw().headers().firstValue("Retry-After").orElse("1"));
              Thread.sleep(seconds * 1_000);
            }
          }
          assertThat(status).isEqualTo(200);
        }
        n.await(
            "/api/v1/tasks?status=KILLED&limit=1",
            p -> p.get("total").asInt() == total,
            java.time.Duration.ofMinutes(30));
      }

      long stop = System.nanoTime();
      n.close();
      double stopSecs = (System.nanoTime() - stop) / 1e9;
      long start = System.nanoTime();
      n.start();
      double healthSecs = (System.nanoTime() - start) / 1e9;
      assertThat(n.get("/api/v1/jobs").get("total").asInt()).isEqualTo(jobs);
      double servedSecs = (System.nanoTime() - start) / 1e9;
      assertThat(n.get("/api/v1/tasks?limit=1").get("total").asInt()).isGreaterThanOrEqualTo(total);

      List<String> lines = new ArrayList<>();
      for (String line : n.logText().split("\n")) {
        if (line.contains("The read side")) {
          lines.add(line);
        }
      }
      System.out.printf(
          "restart measurement: %d tasks RUNNING after %.1f s; graceful stop %.1f s; "
              + "healthy again %.1f s after the start, job list served at %.1f s%n%s%n",
          total, fillSecs, stopSecs, healthSecs, servedSecs, String.join("\n", lines));
    }
  }
}
