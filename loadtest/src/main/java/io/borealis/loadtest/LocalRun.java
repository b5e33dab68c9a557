package io.borealis.loadtest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.node.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Real processes on the local backend: how fast tasks go from created to RUNNING when each one is a
 * sandbox and an OS process, how fast a kill of all of them ends, and that none is left behind.
 */
@Command(
    name = "local-run",
    mixinStandardHelpOptions = true,
    description = "Run jobs × instances of real processes on the local backend, then kill them.")
final class LocalRun implements Callable<Integer> {

  @Option(names = "--jobs", defaultValue = "10")
  int jobs;

  @Option(names = "--instances", defaultValue = "20")
  int instances;

  @Option(names = "--data-dir", description = "Default: a fresh temporary directory.")
  Path dataDir;

  @Option(names = "--report", description = "Default: loadtest/results/DATE-local-run.json")
  Path report;

  @Override
  public Integer call() throws Exception {
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("borealis-local");
    String marker = "borealis-load-" + ProcessHandle.current().pid();
    Node node =
        Node.start(
            Node.Options.of(dir)
                .withPort(0)
                .withSettings(
                    Map.of(
                        // The node shares this JVM with the harness: stopping it must not end it.
                        "pekko.coordinated-shutdown.exit-jvm",
                        false,
                        "borealis.backend.kind",
                        "local",
                        // Placement counts these, nothing enforces them: room for every task.
                        "borealis.backend.local.cpu",
                        jobs * instances,
                        "borealis.backend.local.kill-tasks-on-stop",
                        true,
                        "pekko.loglevel",
                        "WARNING")),
            Duration.ofMinutes(2));
    Client client = new Client("http://127.0.0.1:" + node.port());
    try {
      int total = jobs * instances;
      long start = System.nanoTime();
      for (int j = 0; j < jobs; j++) {
        client.send("POST", "/api/v1/jobs/load/prod/local" + j, job(marker), 201);
      }
      long created = System.nanoTime();
      long running = waitFor(client, "RUNNING", total, start);
      int processes = processes(marker);

      long killStart = System.nanoTime();
      for (int j = 0; j < jobs; j++) {
        client.send(
            "POST",
            "/api/v1/jobs/load/prod/local" + j + "/kill",
            LoadTest.JSON.createObjectNode(),
            200);
      }
      long killed = waitFor(client, "KILLED", total, killStart);
      int left = processes(marker);

      Map<String, Object> result = new LinkedHashMap<>();
      result.put("scenario", "local-run");
      result.put("tasks", total);
      result.put("create_all_jobs_s", LoadTest.seconds(created - start));
      result.put("all_running_s", LoadTest.seconds(running - start));
      result.put("tasks_per_s", Math.round(total / ((running - start) / 1e9)));
      result.put("processes_while_running", processes);
      result.put("kill_all_s", LoadTest.seconds(killed - killStart));
      result.put("processes_left_after_kill", left);
      result.put("overload", client.overload());
      result.put("machine", LoadTest.machine());
      LoadTest.write(result, report != null ? report : LoadTest.defaultReport("local-run"));
      return left == 0 ? 0 : 1;
    } finally {
      node.stop().toCompletableFuture().get();
    }
  }

  private ObjectNode job(String marker) {
    ObjectNode job = LoadTest.JSON.createObjectNode();
    job.put("instances", instances);
    job.put("service", true);
    ObjectNode task = job.putObject("task");
    // exec -a names each process after the run, so the harness can find every one of them.
    task.putArray("processes")
        .addObject()
        .put("name", "main")
        .put("cmdline", "exec -a " + marker + " sleep 3600");
    task.putObject("resources").put("cpu", 0.01).put("ram", "8MB").put("disk", "8MB");
    return job;
  }

  private static long waitFor(Client client, String status, int total, long start)
      throws Exception {
    while (true) {
      int n = client.get("/api/v1/tasks?status=" + status + "&limit=0").get("total").asInt();
      if (n >= total) {
        return System.nanoTime();
      }
      if (Duration.ofNanos(System.nanoTime() - start).toMinutes() > 10) {
        throw new IllegalStateException(
            "only " + n + " of " + total + " tasks " + status + " after 10 minutes");
      }
      Thread.sleep(50);
    }
  }

  /** Processes of this run still alive: their raw command line (argv) carries the marker. */
  private static int processes(String marker) {
    return (int)
        ProcessHandle.allProcesses()
            .filter(
                h -> {
                  try {
                    Path cmdline = Path.of("/proc", Long.toString(h.pid()), "cmdline");
                    return Files.readString(cmdline).contains(marker);
                  } catch (java.io.IOException | RuntimeException gone) {
                    return false;
                  }
                })
            .count();
  }
}
