package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code loadtest/run failover}: a three-node cluster on Cassandra; each trial kills (SIGKILL) the
 * node that holds the placement and backend singletons and measures the time until placement works
 * again on a survivor (a new job, sent through a survivor, has its task RUNNING), then restarts the
 * killed node and waits until it serves (an Up member again).
 */
@Command(
    name = "failover",
    mixinStandardHelpOptions = true,
    description =
        "Kill -9 the singleton holder of a three-node cluster, trial after trial; time until a"
            + " new job's task is RUNNING on a survivor (min, median, max).")
final class Failover implements Callable<Integer> {

  @Option(names = "--trials", defaultValue = "5", description = "Kills (at least 1).")
  int trials;

  @Mixin ClusterScenario scenario;

  @Override
  public Integer call() throws Exception {
    List<Long> millis = new ArrayList<>();
    List<Long> rejoin = new ArrayList<>();
    try (LocalCluster cluster = scenario.cluster("failover").start()) {
      String job = LoadTest.JSON.writeValueAsString(LoadTest.job(2));
      for (int trial = 0; trial < trials; trial++) {
        ServerProcess holder = cluster.holder();
        ServerProcess survivor =
            cluster.nodes.stream()
                .filter(n -> n != holder && n.isAlive())
                .findFirst()
                .orElseThrow();
        // Work for the holder to carry: a job placed before the kill.
        String before =
            cluster.createUntilAcknowledged(
                survivor,
                "/api/v1/jobs/failover/prod/before" + trial,
                job,
                Duration.ofSeconds(2),
                Duration.ofSeconds(60));
        awaitRunning(cluster, survivor, before, Duration.ofSeconds(60));

        holder.kill9();
        Instant killed = Instant.now();
        String after =
            cluster.createUntilAcknowledged(
                survivor,
                "/api/v1/jobs/failover/prod/after" + trial,
                job,
                Duration.ofMillis(250),
                Duration.ofSeconds(120));
        awaitRunning(cluster, survivor, after, Duration.ofSeconds(120));
        long took = Duration.between(killed, Instant.now()).toMillis();
        millis.add(took);
        System.err.printf("failover: trial %d: placement back after %d ms%n", trial + 1, took);

        Instant restarting = Instant.now();
        cluster.start(holder);
        rejoin.add(Duration.between(restarting, Instant.now()).toMillis());
      }
    }
    List<Long> sorted = new ArrayList<>(millis);
    sorted.sort(null);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("scenario", "failover");
    out.put("nodes", scenario.size);
    out.put("trials", trials);
    out.put("failover_ms", millis);
    out.put("min_ms", sorted.get(0));
    out.put("median_ms", sorted.get(sorted.size() / 2));
    out.put("max_ms", sorted.get(sorted.size() - 1));
    out.put("restart_until_serving_ms", rejoin);
    out.put(
        "measures",
        "from kill -9 of the singleton holder to the first task RUNNING of a job created through"
            + " a survivor (a new create every 250 ms until one is acknowledged)");
    scenario.write("failover", out);
    return 0;
  }

  /** Waits until every instance of the job has a RUNNING task, read through {@code node}. */
  static void awaitRunning(LocalCluster cluster, ServerProcess node, String job, Duration within)
      throws Exception {
    Instant deadline = Instant.now().plus(within);
    while (Instant.now().isBefore(deadline)) {
      JsonNode items = cluster.tasks(node, job);
      if (items != null && items.size() > 0) {
        boolean all = true;
        for (JsonNode t : items) {
          all &= t.get("status").asText().equals("RUNNING");
        }
        if (all) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(job + " has no RUNNING tasks after " + within);
  }
}
