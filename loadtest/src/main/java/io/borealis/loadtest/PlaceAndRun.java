package io.borealis.loadtest;

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts a node in this JVM on a fresh data directory with the simulated fleet, adds agents and
 * creates jobs through the HTTP API ({@code --concurrency} creations in flight), and measures how
 * long the fleet takes to place and run every task, the rate, the latency of the creations, the
 * heap the node holds per task afterwards, the refusals and the ERROR lines in the node's log. With
 * {@code --restart}, then stops the node and measures how long a new one on the same data directory
 * takes to serve every job again.
 */
@Command(
    name = "place-and-run",
    mixinStandardHelpOptions = true,
    description = "Place and run jobs × instances on simulated agents.")
final class PlaceAndRun implements Callable<Integer> {

  @Option(names = "--agents", defaultValue = "500")
  int agents;

  @Option(names = "--jobs", defaultValue = "100")
  int jobs;

  @Option(names = "--instances", defaultValue = "100")
  int instances;

  @Option(
      names = "--start-delay-ms",
      defaultValue = "100",
      description = "Simulated time for each of STARTING and RUNNING.")
  long startDelayMs;

  @Option(
      names = "--concurrency",
      defaultValue = "8",
      description = "Job creations in flight at once (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--restart",
      description = "After the fill, restart the node on the same data and time until it serves.")
  boolean restart;

  @Option(
      names = "--constraints",
      description =
          "Give every job a limit and a value constraint: at most --host-limit tasks per host, and"
              + " only on half of the --racks racks (a different half per job); the agents are"
              + " spread over the racks.")
  boolean constraints;

  @Option(
      names = "--racks",
      defaultValue = "10",
      description =
          "Racks the agents are spread over with --constraints (default ${DEFAULT-VALUE}).")
  int racks;

  @Option(
      names = "--host-limit",
      defaultValue = "1",
      description = "With --constraints, each job's host limit (default ${DEFAULT-VALUE}).")
  int hostLimit;

  @Option(names = "--data-dir", description = "Default: a fresh temporary directory.")
  Path dataDir;

  @Option(
      names = "--report",
      description = "Default: loadtest/results/DATE-place-and-run-TASKS.json")
  Path report;

  @Option(
      names = "--set",
      description =
          "A node setting, key=value (repeatable), e.g. --set borealis.snapshots.task-instance.every-events=50")
  Map<String, String> settings = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    if (constraints && (racks < 1 || hostLimit < 1)) {
      throw new IllegalArgumentException("--racks and --host-limit must be at least 1");
    }
    Optional<ErrorLog> errors = ErrorLog.attach();
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("borealis-load");
    Node node = LoadTest.startSimNode(dir, settings);
    try {
      Client setup = new Client("http://127.0.0.1:" + node.port());
      LoadTest.addAgents(setup, agents, startDelayMs, constraints ? racks : 0);
      long heapBefore = LoadTest.heapAfterGc();

      int total = jobs * instances;
      Client fill = new Client("http://127.0.0.1:" + node.port());
      AtomicInteger conflictsAfterRetry = new AtomicInteger();
      Latency untilAccepted = new Latency();
      long start = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(concurrency);
      List<Future<?>> creates = new ArrayList<>();
      for (int j = 0; j < jobs; j++) {
        String path = "/api/v1/jobs/load/prod/load" + j;
        ObjectNode job = LoadTest.job(instances);
        if (constraints) {
          job.set("constraints", constraintsOf(j));
        }
        creates.add(
            pool.submit(
                () -> {
                  long sent = System.nanoTime();
                  Client.Answer answer = fill.call("POST", path, job);
                  untilAccepted.record(System.nanoTime() - sent);
                  // A refusal must mean that nothing changed; a 409 to a retry says the refused
                  // attempt created the job after all. The job is there, so the run goes on, but
                  // the report counts it.
                  if (answer.status() == 409 && answer.attempts() > 1) {
                    conflictsAfterRetry.incrementAndGet();
                  } else if (answer.status() != 201) {
                    throw new IllegalStateException(
                        "POST " + path + " answered " + answer.status() + ": " + answer.body());
                  }
                  return null;
                }));
      }
      try {
        for (Future<?> f : creates) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      long created = System.nanoTime();

      long placed = 0;
      long running;
      while (true) {
        int pending = count(setup, "PENDING");
        int run = count(setup, "RUNNING");
        if (placed == 0 && pending == 0) {
          placed = System.nanoTime();
        }
        if (run >= total) {
          running = System.nanoTime();
          break;
        }
        if (Duration.ofNanos(System.nanoTime() - start).toMinutes() > 30) {
          throw new IllegalStateException(
              "only " + run + " of " + total + " tasks RUNNING after 30 minutes");
        }
        Thread.sleep(50);
      }

      long heapAfter = LoadTest.heapAfterGc();

      Map<String, Object> result = new LinkedHashMap<>();
      result.put("scenario", "place-and-run");
      result.put("agents", agents);
      result.put("jobs", jobs);
      result.put("instances_per_job", instances);
      result.put("tasks", total);
      result.put("concurrency", concurrency);
      result.put("sim_start_delay_ms", startDelayMs);
      result.put(
          "constraints",
          constraints
              ? Map.of("racks", racks, "host_limit", hostLimit, "racks_per_job", racksPerJob())
              : "none");
      result.put("create_all_jobs_s", LoadTest.seconds(created - start));
      result.put("all_placed_s", LoadTest.seconds(placed - start));
      result.put("all_running_s", LoadTest.seconds(running - start));
      result.put("tasks_per_s", Math.round(total / ((running - start) / 1e9)));
      // Each attempt, refusals included, then each creation from its first attempt to its final
      // answer (waits after refusals included).
      result.put("mutating_latency_during_fill", fill.mutating().summary());
      result.put("create_until_accepted", untilAccepted.summary());
      result.put("overload", fill.overload());
      result.put("conflicts_after_retry", conflictsAfterRetry.get());
      result.put("heap_used_after_gc_mb", heapAfter >> 20);
      result.put("heap_per_task_bytes", Math.max(0, heapAfter - heapBefore) / Math.max(1, total));
      result.put("heap_before_fill_mb", heapBefore >> 20);
      result.put("read_view_events", node.view().index());
      if (restart) {
        Node old = node;
        node = null; // Stopped below, whatever happens; the finally stops the new one.
        Restarted r = restart(old, dir);
        node = r.node();
        result.put("restart", r.measured());
      }
      result.put("error_log_lines", errors.map(ErrorLog::errors).orElse(null));
      errors.filter(e -> e.errors() > 0).ifPresent(e -> result.put("first_errors", e.first()));
      result.put("settings", settings);
      result.put("machine", LoadTest.machine());
      LoadTest.write(
          result, report != null ? report : LoadTest.defaultReport("place-and-run-" + total));
      return 0;
    } finally {
      if (node != null) {
        node.stop().toCompletableFuture().get();
      }
    }
  }

  /** Job {@code j}'s constraints: its host limit, and half the racks starting at rack j. */
  private ObjectNode constraintsOf(int j) {
    List<String> allowed = new ArrayList<>();
    for (int i = 0; i < racksPerJob(); i++) {
      allowed.add("rack-" + (j + i) % racks);
    }
    ObjectNode c = LoadTest.JSON.createObjectNode();
    c.put("host", "limit:" + hostLimit);
    c.put("rack", String.join(",", allowed));
    return c;
  }

  private int racksPerJob() {
    return Math.max(1, racks / 2);
  }

  private record Restarted(Node node, Map<String, Object> measured) {}

  /**
   * Stops the node gracefully, starts a new one on the same data directory and times it until it
   * serves reads: {@code /health} answers 200 and the job list has every job. Also times until the
   * task list has every task, which may come later.
   */
  private Restarted restart(Node old, Path dir) throws Exception {
    long stopping = System.nanoTime();
    old.stop().toCompletableFuture().get();
    long start = System.nanoTime();
    Node node = LoadTest.startSimNode(dir, settings);
    long started = System.nanoTime();
    Client client = new Client("http://127.0.0.1:" + node.port());
    long serving = 0;
    long allTasks = 0;
    int total = jobs * instances;
    while (serving == 0 || allTasks == 0) {
      if (serving == 0 && healthy(client) && total(client, "/api/v1/jobs?limit=0") >= jobs) {
        serving = System.nanoTime();
      }
      if (allTasks == 0 && total(client, "/api/v1/tasks?limit=0") >= total) {
        allTasks = System.nanoTime();
      }
      if (Duration.ofNanos(System.nanoTime() - start).toMinutes() > 10) {
        throw new IllegalStateException("the restarted node did not serve within 10 minutes");
      }
      Thread.sleep(10);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stop_s", LoadTest.seconds(start - stopping));
    m.put("node_started_s", LoadTest.seconds(started - start));
    m.put("serving_every_job_s", LoadTest.seconds(serving - start));
    m.put("every_task_listed_s", LoadTest.seconds(allTasks - start));
    return new Restarted(node, m);
  }

  private static boolean healthy(Client client) throws Exception {
    return client.get("/health", Duration.ofSeconds(10)).status() == 200;
  }

  /** The list's {@code total}, or -1 while the node does not answer it with 200. */
  private static int total(Client client, String path) throws Exception {
    Client.Answer answer = client.get(path, Duration.ofSeconds(30));
    return answer.status() == 200 ? LoadTest.JSON.readTree(answer.body()).get("total").asInt() : -1;
  }

  private static int count(Client client, String status) throws Exception {
    return client.get("/api/v1/tasks?status=" + status + "&limit=0").get("total").asInt();
  }
}
