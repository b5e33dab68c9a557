package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code loadtest/run rolling}: a rolling restart (SIGTERM, start, wait until it serves) of every
 * node of a three-node cluster on Cassandra while clients create and kill jobs, each request sent
 * to a node in service and retried on the next one when it fails. Counts the failed and retried
 * requests, then checks that every acknowledged job is there (RUNNING, or KILLED when its kill was
 * acknowledged) and that no instance has two live tasks.
 */
@Command(
    name = "rolling",
    mixinStandardHelpOptions = true,
    description =
        "Rolling restart of a three-node cluster under a create/kill workload: failed and retried"
            + " requests, and a check that nothing acknowledged was lost.")
final class Rolling implements Callable<Integer> {

  @Mixin ClusterScenario scenario;

  @Option(names = "--workers", defaultValue = "2", description = "Concurrent clients.")
  int workers;

  final Set<Integer> inService = ConcurrentHashMap.newKeySet();
  final AtomicBoolean stop = new AtomicBoolean();
  final List<String> created = new CopyOnWriteArrayList<>();
  final Set<String> killed = ConcurrentHashMap.newKeySet();
  final Set<String> uncertain = ConcurrentHashMap.newKeySet();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final AtomicInteger retried = new AtomicInteger();
  final AtomicInteger gaveUp = new AtomicInteger();
  private final AtomicInteger next = new AtomicInteger();

  @Override
  public Integer call() throws Exception {
    int size = scenario.size;
    Map<String, Object> out = new LinkedHashMap<>();
    List<Long> restarts = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    try (LocalCluster cluster = scenario.cluster("rolling").start()) {
      for (int i = 0; i < size; i++) {
        inService.add(i);
      }
      List<Thread> clients = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int worker = w;
        Thread t = new Thread(() -> workload(cluster, worker), "rolling-client-" + w);
        t.start();
        clients.add(t);
      }
      Instant began = Instant.now();
      try {
        awaitRequests(20);
        for (int i = 0; i < size; i++) {
          inService.remove(i);
          Instant at = Instant.now();
          int code = cluster.nodes.get(i).terminate(Duration.ofSeconds(120));
          if (code != 0 && code != 143) {
            problems.add("node " + (i + 1) + " exited with " + code + " on SIGTERM");
          }
          cluster.start(cluster.nodes.get(i));
          restarts.add(Duration.between(at, Instant.now()).toMillis());
          inService.add(i);
          awaitRequests(20);
        }
      } finally {
        stop.set(true);
        for (Thread t : clients) {
          t.join();
        }
      }
      out.put("workload_s", Duration.between(began, Instant.now()).toSeconds());
      check(cluster, problems);
    }
    out.put("scenario", "rolling");
    out.put("nodes", size);
    out.put("workers", workers);
    out.put("requests", requests.get());
    out.put("failed", failed.get());
    out.put("retried", retried.get());
    out.put("gave_up", gaveUp.get());
    out.put("jobs_created", created.size());
    out.put("jobs_killed", killed.size());
    out.put("jobs_unchecked", uncertain.size());
    out.put("restart_ms", restarts);
    out.put("problems", problems);
    out.put("passed", problems.isEmpty());
    scenario.write("rolling", out);
    return problems.isEmpty() ? 0 : 1;
  }

  private void awaitRequests(int more) throws InterruptedException {
    int target = requests.get() + more;
    Instant deadline = Instant.now().plusSeconds(120);
    while (requests.get() < target && Instant.now().isBefore(deadline)) {
      Thread.sleep(50);
    }
  }

  private void workload(LocalCluster cluster, int worker) {
    String job;
    try {
      job = LoadTest.JSON.writeValueAsString(LoadTest.job(1));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    List<String> mine = new ArrayList<>();
    for (int n = 0; !stop.get(); n++) {
      String key = "/api/v1/jobs/rolling/prod/w" + worker + "-" + n;
      if (send(cluster, "POST", key, job)) {
        created.add(key);
        mine.add(key);
      }
      if (n % 3 == 2 && mine.size() >= 2) {
        String victim = mine.get(mine.size() - 2);
        if (!killed.contains(victim) && !uncertain.contains(victim)) {
          // A kill never acknowledged may still have taken effect: such a job is not checked.
          (send(cluster, "POST", victim + "/kill", "{}") ? killed : uncertain).add(victim);
        }
      }
    }
  }

  /** Whether the request was acknowledged, retrying on the next node in service up to 10 times. */
  private boolean send(LocalCluster cluster, String method, String path, String body) {
    for (int attempt = 0; attempt < 10; attempt++) {
      List<Integer> nodes = new ArrayList<>(inService);
      ServerProcess node =
          cluster.nodes.get(nodes.get(Math.floorMod(next.getAndIncrement(), nodes.size())));
      requests.incrementAndGet();
      if (attempt > 0) {
        retried.incrementAndGet();
      }
      try {
        HttpResponse<String> r = cluster.call(node, method, path, body, Duration.ofSeconds(5));
        if (r.statusCode() / 100 == 2) {
          return true;
        }
        // A create retried after a lost answer finds the job made: acknowledged then.
        if (r.statusCode() == 409 && attempt > 0 && !path.endsWith("/kill")) {
          return true;
        }
      } catch (Exception e) {
        // counted below
      }
      failed.incrementAndGet();
    }
    gaveUp.incrementAndGet();
    return false;
  }

  private void check(LocalCluster cluster, List<String> problems) throws Exception {
    ServerProcess reader = cluster.nodes.get(0);
    for (String key : created) {
      if (uncertain.contains(key)) {
        continue;
      }
      boolean wasKilled = killed.contains(key);
      Instant deadline = Instant.now().plusSeconds(90);
      String last = "no answer";
      boolean ok = false;
      while (!ok && Instant.now().isBefore(deadline)) {
        JsonNode items = cluster.tasks(reader, key);
        if (items == null) {
          last = "not found";
        } else {
          Map<String, Integer> live = LocalCluster.livePerInstance(items);
          if (live.values().stream().anyMatch(c -> c > 1)) {
            problems.add(key + " has an instance with two live tasks: " + items);
            break;
          }
          ok = wasKilled ? live.isEmpty() : LocalCluster.anyRunning(items);
          last = items.toString();
        }
        if (!ok) {
          Thread.sleep(200);
        }
      }
      if (!ok) {
        // What every node's view says, to tell a stuck instance from a view that lags.
        StringBuilder views = new StringBuilder();
        for (int i = 0; i < cluster.nodes.size(); i++) {
          JsonNode items = cluster.tasks(cluster.nodes.get(i), key);
          views.append(" node").append(i + 1).append(": ");
          if (items == null) {
            views.append("not found");
          } else {
            for (JsonNode t : items) {
              views.append(t.get("status").asText()).append(' ');
            }
          }
        }
        problems.add(key + (wasKilled ? " (killed)" : "") + ":" + views);
      }
    }
  }
}
