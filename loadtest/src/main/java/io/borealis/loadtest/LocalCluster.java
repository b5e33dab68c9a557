package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Three (or more) nodes, each in a JVM of its own on loopback, forming one cluster on one Cassandra
 * (keyspaces of the run's own), on the simulated fleet: what the {@code failover} and {@code
 * rolling} scenarios drive. Every node names all of them as seeds; the first one bootstraps.
 */
final class LocalCluster implements AutoCloseable {

  /** The line a node logs when the resource backend singleton (and placement) starts on it. */
  static final String HOLDER_LINE = "The resource backend singleton starts on this node";

  /** Statuses of a task that holds resources on an agent. */
  static final Set<String> LIVE =
      Set.of("ASSIGNED", "STARTING", "RUNNING", "KILLING", "RESTARTING", "DRAINING", "PREEMPTING");

  final List<ServerProcess> nodes = new ArrayList<>();
  private final Map<ServerProcess, Long> startedAt = new HashMap<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  LocalCluster(Path work, int size, String cassandra, String keyspace) throws IOException {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        ports.add(s.getLocalPort());
      }
    }
    String seeds = String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
    String settings =
        Durability.NODE_SETTINGS
            // Room for every job a run creates (a task takes a quarter of an 8-CPU agent).
            + "borealis.backend.sim.agents = 64\n"
            + "borealis.store.cassandra.keyspace = "
            + keyspace
            + "\nborealis.store.cassandra.snapshot-keyspace = "
            + keyspace
            + "_snapshot\n";
    for (int i = 0; i < size; i++) {
      List<String> args = new ArrayList<>(Durability.storeArgs("cassandra", cassandra));
      args.addAll(List.of("--cluster-port", Integer.toString(ports.get(i)), "--seed", seeds));
      nodes.add(
          new ServerProcess(
              Files.createDirectories(work.resolve("node" + (i + 1))), settings, args, List.of()));
    }
  }

  /** Starts the first node, then the others; returns once every one serves. */
  LocalCluster start() throws Exception {
    for (ServerProcess node : nodes) {
      start(node);
    }
    return this;
  }

  void start(ServerProcess node) throws Exception {
    startedAt.put(node, Files.exists(node.log()) ? Files.size(node.log()) : 0L);
    node.start();
  }

  /** The live node whose current run logged that it holds the singletons; waits up to 60 s. */
  ServerProcess holder() throws Exception {
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      for (ServerProcess node : nodes) {
        if (node.isAlive()) {
          String log = Files.readString(node.log());
          if (log.substring((int) Math.min(startedAt.get(node), log.length()))
              .contains(HOLDER_LINE)) {
            return node;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no node says it holds the singletons");
  }

  HttpResponse<String> call(
      ServerProcess node, String method, String path, String body, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.base() + path)).timeout(timeout);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Creates {@code prefix}-0, -1, ... through {@code node}, a new one every {@code every} while
   * none is acknowledged (a request that reached a node that is gone is lost), for up to {@code
   * within}; the path of the first one created.
   */
  String createUntilAcknowledged(
      ServerProcess node, String prefix, String body, Duration every, Duration within)
      throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    Instant deadline = Instant.now().plus(within);
    for (int attempt = 0; Instant.now().isBefore(deadline); attempt++) {
      String path = prefix + "-" + attempt;
      http.sendAsync(
              HttpRequest.newBuilder(URI.create(node.base() + path))
                  .timeout(Duration.ofSeconds(40))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .thenAccept(
              r -> {
                if (r.statusCode() == 201) {
                  first.complete(path);
                }
              });
      try {
        return first.get(every.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException notYet) {
        // one more
      }
    }
    throw new IllegalStateException("no job under " + prefix + " was acknowledged in " + within);
  }

  /** The job's tasks, or null when the node does not answer 200. */
  JsonNode tasks(ServerProcess node, String job) throws Exception {
    try {
      HttpResponse<String> r = call(node, "GET", job + "/tasks", null, Duration.ofSeconds(10));
      return r.statusCode() == 200 ? LoadTest.JSON.readTree(r.body()).get("items") : null;
    } catch (IOException e) {
      // A node that is busy taking over (or gone): no answer this time.
      return null;
    }
  }

  /** Live tasks per instance id. */
  static Map<String, Integer> livePerInstance(JsonNode items) {
    Map<String, Integer> live = new HashMap<>();
    for (JsonNode t : items) {
      if (LIVE.contains(t.get("status").asText())) {
        live.merge(t.get("instance_id").asText(), 1, Integer::sum);
      }
    }
    return live;
  }

  static boolean anyRunning(JsonNode items) {
    for (JsonNode t : items) {
      if (t.get("status").asText().equals("RUNNING")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws Exception {
    for (ServerProcess node : nodes) {
      node.close();
    }
  }
}
