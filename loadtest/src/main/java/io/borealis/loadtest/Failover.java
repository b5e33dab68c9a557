package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
    List<Long> running = new ArrayList<>();
    List<Long> rejoin = new ArrayList<>();
    List<Map<String, Long>> breakdown = new ArrayList<>();
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
        awaitRunning(
            cluster, survivor, before, Duration.ofSeconds(60), Instant.now(), new HashMap<>());

        holder.kill9();
        Instant killed = Instant.now();
        String after =
            cluster.createUntilAcknowledged(
                survivor,
                "/api/v1/jobs/failover/prod/after" + trial,
                job,
                Duration.ofMillis(250),
                Duration.ofSeconds(120));
        long acknowledged = Duration.between(killed, Instant.now()).toMillis();
        Map<String, Long> seen = new LinkedHashMap<>();
        awaitRunning(cluster, survivor, after, Duration.ofSeconds(120), killed, seen);
        long took = Duration.between(killed, Instant.now()).toMillis();
        millis.add(took);
        Map<String, Long> steps = steps(cluster, survivor, after, killed);
        steps.putAll(seen);
        steps.put("acknowledged", acknowledged);
        steps.put("running_seen", took);
        breakdown.add(steps);
        running.add(steps.getOrDefault("running", took));
        System.err.printf(
            "failover: trial %d: placement back after %d ms (%s)%n", trial + 1, took, steps);

        Instant restarting = Instant.now();
        cluster.start(holder);
        rejoin.add(Duration.between(restarting, Instant.now()).toMillis());
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("scenario", "failover");
    out.put("nodes", scenario.size);
    out.put("trials", trials);
    out.put("failover_ms", millis);
    out.putAll(spread("", millis));
    out.put("task_running_ms", running);
    out.putAll(spread("task_running_", running));
    out.put("restart_until_serving_ms", rejoin);
    out.put("steps_ms", breakdown);
    out.put(
        "measures",
        "failover_ms: from kill -9 of the singleton holder until a read through a survivor shows"
            + " every task RUNNING of a job created through it (a new create every 250 ms until one"
            + " is acknowledged); task_running_ms: until the slowest of those tasks entered RUNNING"
            + " by its own event time (placement and status handling, without the read side's"
            + " delay); steps_ms: per"
            + " trial, ms after the kill at which the job was acknowledged and its slowest"
            + " instance's task entered each status (the nodes' clocks)");
    scenario.write("failover", out);
    return 0;
  }

  /** Min, median and max of {@code values}, under names starting with {@code prefix}. */
  static Map<String, Long> spread(String prefix, List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    Map<String, Long> out = new LinkedHashMap<>();
    out.put(prefix + "min_ms", sorted.get(0));
    out.put(prefix + "median_ms", sorted.get(sorted.size() / 2));
    out.put(prefix + "max_ms", sorted.get(sorted.size() - 1));
    return out;
  }

  /**
   * When, in ms after {@code killed}, the slowest of the job's tasks entered PENDING, ASSIGNED and
   * RUNNING (the task's own event times): where a trial's time went.
   */
  static Map<String, Long> steps(
      LocalCluster cluster, ServerProcess node, String job, Instant killed) throws Exception {
    Map<String, Long> steps = new LinkedHashMap<>();
    JsonNode items = cluster.tasks(node, job);
    for (JsonNode t : items == null ? List.<JsonNode>of() : items) {
      var r =
          cluster.call(
              node,
              "GET",
              "/api/v1/tasks/" + t.get("task_id").asText(),
              null,
              Duration.ofSeconds(10));
      if (r.statusCode() != 200) {
        continue;
      }
      for (JsonNode e : LoadTest.JSON.readTree(r.body()).path("events")) {
        long at = Duration.between(killed, Instant.parse(e.get("timestamp").asText())).toMillis();
        steps.merge(e.get("status").asText().toLowerCase(java.util.Locale.ROOT), at, Math::max);
      }
    }
    return steps;
  }

  /**
   * Waits until every instance of the job has a RUNNING task, read through {@code node}; adds to
   * {@code seen} when (ms after {@code since}) a read first showed each status, and the slowest
   * read's time (what a trial's reads cost, beside what the view lacked).
   */
  static void awaitRunning(
      LocalCluster cluster,
      ServerProcess node,
      String job,
      Duration within,
      Instant since,
      Map<String, Long> seen)
      throws Exception {
    Instant deadline = Instant.now().plus(within);
    while (Instant.now().isBefore(deadline)) {
      Instant asked = Instant.now();
      JsonNode items = cluster.tasks(node, job);
      seen.merge("slowest_read", Duration.between(asked, Instant.now()).toMillis(), Math::max);
      if (items != null && items.size() > 0) {
        boolean all = true;
        for (JsonNode t : items) {
          String status = t.get("status").asText();
          seen.putIfAbsent(
              "seen_" + status.toLowerCase(java.util.Locale.ROOT),
              Duration.between(since, Instant.now()).toMillis());
          all &= status.equals("RUNNING");
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
