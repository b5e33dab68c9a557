package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.node.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A rolling update of one big job on the simulated fleet with {@code auto_run}: the job is created
 * and runs, then an update to a new command line rolls through every instance. It measures the
 * update from its start to ROLLED_FORWARD, the node's CPU time spent meanwhile (its share of the
 * wall time), and, while it runs, the latency of mutating requests (creates and kills of small
 * jobs, one every {@code --probe-interval-ms}).
 */
@Command(
    name = "update",
    mixinStandardHelpOptions = true,
    description = "Roll an update through one big job and measure it.")
final class UpdateLoad implements Callable<Integer> {

  @Option(names = "--instances", description = "Instances of the job (default ${DEFAULT-VALUE}).")
  int instances = 1000;

  @Option(names = "--batch", description = "batch_size (default ${DEFAULT-VALUE}).")
  int batch = 50;

  @Option(names = "--watch", description = "watch_secs (default ${DEFAULT-VALUE}).")
  int watchSecs = 0;

  @Option(names = "--agents", description = "Simulated agents (default: enough for twice the job).")
  int agents = 0;

  @Option(
      names = "--start-delay-ms",
      description = "How long a simulated agent takes to start a task (default ${DEFAULT-VALUE}).")
  long startDelayMs = 20;

  @Option(
      names = "--probe-interval-ms",
      description = "One create or kill of a small job this often (default ${DEFAULT-VALUE}).")
  long probeIntervalMs = 100;

  @Option(names = "--data-dir", description = "Default: a fresh temporary directory.")
  Path dataDir;

  @Option(names = "--report", description = "Default: loadtest/results/DATE-update-N.json")
  Path report;

  @Option(names = "--set", description = "A node setting, key=value (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    Optional<ErrorLog> errors = ErrorLog.attach();
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("borealis-update");
    Map<String, String> all = new LinkedHashMap<>();
    // As Aurora's -max_tasks_per_job allowed: a job of this size needs a higher limit.
    all.put("borealis.validation.max-tasks-per-job", String.valueOf(Math.max(4000, instances)));
    all.putAll(settings);
    Node node = LoadTest.startSimNode(dir, all);
    try {
      String base = "http://127.0.0.1:" + node.port();
      Client client = new Client(base);
      int fleet = agents > 0 ? agents : Math.max(10, instances * 2 / 32 + 1);
      LoadTest.addAgents(client, fleet, startDelayMs);

      String path = "/api/v1/jobs/load/prod/big";
      long t0 = System.nanoTime();
      client.send("POST", path, LoadTest.job(instances), 201);
      awaitRunning(client, path, instances, "sleep 3600");
      double createS = LoadTest.seconds(System.nanoTime() - t0);

      ObjectNode proposed = LoadTest.job(instances);
      ((ObjectNode) proposed.get("task").get("processes").get(0)).put("cmdline", "sleep 7200");
      ObjectNode updateConfig = proposed.putObject("update_config");
      updateConfig.put("batch_size", batch);
      updateConfig.put("watch_secs", watchSecs);
      ObjectNode request = LoadTest.JSON.createObjectNode();
      request.set("job", proposed);

      Latency mutating = new Latency();
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger probeErrors = new AtomicInteger();
      Thread prober = new Thread(() -> probe(base, mutating, done, probeErrors), "update-prober");

      long cpuBefore = processCpuNanos();
      long start = System.nanoTime();
      JsonNode started = client.send("POST", path + "/updates", request, 201);
      String id = started.get("update_id").asText();
      prober.start();
      JsonNode end = awaitEnd(client, id);
      String status = end.get("status").asText();
      long elapsed = System.nanoTime() - start;
      long cpu = processCpuNanos() - cpuBefore;
      done.set(true);
      prober.join();

      Map<String, Object> result = new LinkedHashMap<>();
      result.put("scenario", "update");
      result.put("instances", instances);
      result.put("batch_size", batch);
      result.put("watch_secs", watchSecs);
      result.put("agents", fleet);
      result.put("create_until_running_s", createS);
      result.put("update_id", id);
      result.put("final_status", status);
      if (!"ROLLED_FORWARD".equals(status)) {
        result.put("final_message", end.path("message").asText(null));
        List<String> failures = new ArrayList<>();
        end.path("instance_events")
            .forEach(
                e -> {
                  if (e.path("action").asText().endsWith("FAILED") && failures.size() < 5) {
                    failures.add(
                        e.path("instance_id").asText() + ": " + e.path("message").asText());
                  }
                });
        result.put("failed_instances", failures);
      }
      result.put("update_s", LoadTest.seconds(elapsed));
      result.put("instances_per_s", Math.round(instances / (elapsed / 1e9)));
      // The harness is nearly idle meanwhile (one status poll and a few probes a second), so
      // the process's CPU time is the node's.
      result.put("node_cpu_s", LoadTest.seconds(cpu));
      result.put(
          "node_cpu_share_of_wall",
          Math.round(cpu * 100.0 / elapsed / Runtime.getRuntime().availableProcessors()) / 100.0);
      result.put("mutating_latency_during_update", mutating.summary());
      result.put("probe_errors", probeErrors.get());
      result.put("error_log_lines", errors.map(ErrorLog::errors).orElse(null));
      result.put("settings", settings);
      result.put("machine", LoadTest.machine());
      LoadTest.write(
          result, report != null ? report : LoadTest.defaultReport("update-" + instances));
      return "ROLLED_FORWARD".equals(status) ? 0 : 1;
    } finally {
      node.stop().toCompletableFuture().get();
    }
  }

  /** Waits until {@code count} tasks of the job run {@code cmdline}. */
  private static void awaitRunning(Client client, String path, int count, String cmdline)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode page = client.get(path + "/tasks?status=RUNNING&limit=1");
      if (page.get("total").asInt() >= count) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the job's " + count + " tasks did not all run in 10 minutes");
  }

  /** Reads the update until it leaves the active statuses; the update then. */
  private static JsonNode awaitEnd(Client client, String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    while (System.nanoTime() < deadline) {
      Client.Answer answer =
          client.get("/api/v1/updates/load/prod/big/" + id, Duration.ofSeconds(30));
      if (answer.status() != 200) {
        throw new IllegalStateException("update " + id + " answered " + answer.status());
      }
      JsonNode update = LoadTest.JSON.readTree(answer.body());
      String status = update.get("status").asText();
      if (!ACTIVE.contains(status)) {
        return update;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("update " + id + " did not end in 30 minutes");
  }

  private static final java.util.Set<String> ACTIVE =
      java.util.Set.of(
          "ROLLING_FORWARD",
          "ROLLING_BACK",
          "ROLL_FORWARD_PAUSED",
          "ROLL_BACK_PAUSED",
          "ROLL_FORWARD_AWAITING_PULSE",
          "ROLL_BACK_AWAITING_PULSE");

  /** Creates and kills small jobs, one request per interval, timing each. */
  private void probe(String base, Latency mutating, AtomicBoolean done, AtomicInteger failed) {
    Client client = new Client(base);
    int n = 0;
    while (!done.get()) {
      String path = "/api/v1/jobs/load/prod/probe" + (n / 2);
      try {
        long sent = System.nanoTime();
        Client.Answer a =
            n % 2 == 0
                ? client.call("POST", path, LoadTest.job(1))
                : client.call("POST", path + "/kill", LoadTest.JSON.createObjectNode());
        mutating.record(System.nanoTime() - sent);
        if (a.status() >= 300) {
          failed.incrementAndGet();
        }
        Thread.sleep(probeIntervalMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        failed.incrementAndGet();
      }
      n++;
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
