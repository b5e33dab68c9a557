package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.node.Node;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load-test harness. {@code place-and-run}: starts a node in this JVM on a fresh data directory
 * with the simulated fleet, adds agents and creates jobs through the HTTP API as any client would,
 * and measures how long the fleet takes to place and run every task, the rate, and the heap the
 * node holds afterwards. The report goes to stdout and {@code --report}.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    subcommands = {LoadTest.PlaceAndRun.class, LocalRun.class})
public final class LoadTest {

  static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) {
    int code = new CommandLine(new LoadTest()).execute(args);
    System.exit(code);
  }

  @Command(
      name = "place-and-run",
      mixinStandardHelpOptions = true,
      description = "Place and run jobs × instances on simulated agents.")
  static final class PlaceAndRun implements Callable<Integer> {

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
        description = "Job creations in flight at once.")
    int concurrency;

    @Option(names = "--data-dir", description = "Default: a fresh temporary directory.")
    Path dataDir;

    @Option(names = "--report", defaultValue = "loadtest/target/reports/place-and-run.json")
    Path report;

    @Option(
        names = "--set",
        description =
            "A node setting, key=value (repeatable), e.g. --set borealis.task.snapshot-every=50")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
      Path dir = dataDir != null ? dataDir : Files.createTempDirectory("borealis-load");
      Node node =
          Node.start(
              Node.Options.of(dir)
                  .withPort(0)
                  .withSettings(
                      Map.of(
                          "borealis.backend.kind",
                          "sim",
                          "borealis.backend.sim.agents",
                          0,
                          "pekko.loglevel",
                          "WARNING"))
                  .withSettings(new LinkedHashMap<>(settings)),
              Duration.ofMinutes(2));
      Client client = new Client("http://127.0.0.1:" + node.port());
      try {
        ObjectNode spec =
            JSON.createObjectNode()
                .put("count", agents)
                .put("cpu", 8)
                .put("ram_mb", 16384)
                .put("disk_mb", 102400)
                .put("ports", "31000-32000");
        client.send("POST", "/api/v1/sim/agents", spec, 201);
        client.send(
            "PUT",
            "/api/v1/sim/behaviour",
            JSON.createObjectNode()
                .put("auto_run", true)
                .put("start_delay_ms", startDelayMs)
                .put("seed", 42),
            200);

        int total = jobs * instances;
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<?>> creates = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
          String name = "load" + j;
          creates.add(
              pool.submit(
                  () -> {
                    client.send("POST", "/api/v1/jobs/load/prod/" + name, job(instances), 201);
                    return null;
                  }));
        }
        for (Future<?> f : creates) {
          f.get();
        }
        pool.shutdown();
        long created = System.nanoTime();

        long placed = 0;
        long running;
        while (true) {
          int pending = count(client, "PENDING");
          int run = count(client, "RUNNING");
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

        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        Thread.sleep(500);
        System.gc();
        long heapMb = memory.getHeapMemoryUsage().getUsed() >> 20;

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("agents", agents);
        result.put("jobs", jobs);
        result.put("instances_per_job", instances);
        result.put("tasks", total);
        result.put("sim_start_delay_ms", startDelayMs);
        result.put("create_all_jobs_s", seconds(created - start));
        result.put("all_placed_s", seconds(placed - start));
        result.put("all_running_s", seconds(running - start));
        result.put("tasks_per_s", Math.round(total / ((running - start) / 1e9)));
        result.put("heap_used_after_gc_mb", heapMb);
        result.put("read_view_events", node.view().index());
        result.put("settings", settings);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        String out = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result);
        System.out.println(out);
        Files.createDirectories(report.toAbsolutePath().getParent());
        Files.writeString(report, out);
        return 0;
      } finally {
        node.stop().toCompletableFuture().get();
      }
    }

    private static int count(Client client, String status) throws Exception {
      return client.get("/api/v1/tasks?status=" + status + "&limit=0").get("total").asInt();
    }

    private static ObjectNode job(int instances) {
      ObjectNode job = JSON.createObjectNode();
      job.put("instances", instances);
      job.put("service", true);
      ObjectNode task = job.putObject("task");
      task.putArray("processes").addObject().put("name", "main").put("cmdline", "sleep 3600");
      task.putObject("resources")
          .put("cpu", 0.25)
          .put("ram", "128MB")
          .put("disk", "128MB")
          .putArray("ports")
          .add("http");
      return job;
    }
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e7) / 100.0;
  }

  /** A minimal JSON-over-HTTP client. */
  static final class Client {
    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    Client(String base) {
      this.base = base;
    }

    JsonNode send(String method, String path, JsonNode body, int expected) throws Exception {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(base + path))
              .timeout(Duration.ofMinutes(2))
              .header("Content-Type", "application/json")
              .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expected) {
        throw new IllegalStateException(
            method + " " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    }

    JsonNode get(String path) throws Exception {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .timeout(Duration.ofMinutes(1))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "GET " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    }
  }
}
