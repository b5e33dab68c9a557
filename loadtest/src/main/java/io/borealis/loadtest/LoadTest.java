package io.borealis.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.node.Node;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The load-test harness: scenarios that start a node in this JVM and drive it through the HTTP API
 * as any client would. {@code place-and-run} fills a simulated fleet and measures the rate, latency
 * and memory (and, on request, a restart); {@code api} sends an open-loop mix of creates, kills and
 * status reads at a fixed rate; {@code local-run} runs real processes on the local backend. Each
 * writes its result to stdout and to a JSON file under {@code loadtest/results/}.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    subcommands = {
      PlaceAndRun.class,
      ApiLoad.class,
      LocalRun.class,
      UpdateLoad.class,
      Durability.class,
      Failover.class,
      Rolling.class
    })
public final class LoadTest {

  static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) {
    int code = new CommandLine(new LoadTest()).execute(args);
    System.exit(code);
  }

  /** Starts a node on the simulated fleet, with no agents yet (see {@link #addAgents}). */
  static Node startSimNode(Path dataDir, Map<String, String> settings) throws Exception {
    return Node.start(
        Node.Options.of(dataDir)
            .withPort(0)
            .withSettings(
                Map.of(
                    // The node shares this JVM with the harness: stopping it must not end it.
                    "pekko.coordinated-shutdown.exit-jvm",
                    false,
                    "borealis.backend.kind",
                    "sim",
                    "borealis.backend.sim.agents",
                    0,
                    "pekko.loglevel",
                    "WARNING"))
            .withSettings(new LinkedHashMap<>(settings)),
        Duration.ofMinutes(2));
  }

  /** Adds simulated agents of 8 CPUs and 16 GiB each, which start and run every task they get. */
  static void addAgents(Client client, int agents, long startDelayMs) throws Exception {
    addAgents(client, agents, startDelayMs, 0);
  }

  /**
   * As {@link #addAgents(Client, int, long)}, the agents spread evenly over {@code racks} racks
   * (attribute {@code rack} = {@code rack-0}, {@code rack-1}, ...) when {@code racks > 0}.
   */
  static void addAgents(Client client, int agents, long startDelayMs, int racks) throws Exception {
    int groups = Math.max(1, Math.min(racks, agents));
    for (int r = 0; r < groups; r++) {
      int count = agents / groups + (r < agents % groups ? 1 : 0);
      ObjectNode spec =
          JSON.createObjectNode()
              .put("count", count)
              .put("cpu", 8)
              .put("ram_mb", 16384)
              .put("disk_mb", 102400)
              .put("ports", "31000-32000");
      if (racks > 0) {
        spec.putObject("attributes").put("rack", "rack-" + r);
      }
      client.send("POST", "/api/v1/sim/agents", spec, 201);
    }
    client.send(
        "PUT",
        "/api/v1/sim/behaviour",
        JSON.createObjectNode()
            .put("auto_run", true)
            .put("start_delay_ms", startDelayMs)
            .put("seed", 42),
        200);
  }

  /** A service job of small tasks (a quarter CPU, one port), 32 of which fit on an agent. */
  static ObjectNode job(int instances) {
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

  /** Heap in use after two full collections, in bytes. */
  static long heapAfterGc() throws InterruptedException {
    System.gc();
    Thread.sleep(500);
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** What a result needs to be compared with another: when, and on what. */
  static Map<String, Object> machine() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", LocalDate.now(ZoneOffset.UTC).toString());
    out.put("cores", Runtime.getRuntime().availableProcessors());
    out.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    out.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    out.put("note", "node and harness in one JVM");
    return out;
  }

  /** {@code loadtest/results/DATE-NAME.json}, relative to the checkout's root. */
  static Path defaultReport(String name) {
    return Path.of("loadtest", "results", LocalDate.now(ZoneOffset.UTC) + "-" + name + ".json");
  }

  /** Prints the result and writes it to {@code report}. */
  static void write(Map<String, Object> result, Path report) throws Exception {
    String out = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result);
    System.out.println(out);
    Path parent = report.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Files.writeString(report, out + "\n");
    System.err.println("result written to " + report);
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e7) / 100.0;
  }
}
