package io.borealis.cli;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** What every command of one run shares: its streams, its environment, the clusters it knows. */
final class Context {

  final PrintStream out;
  final PrintStream err;
  final Env env;
  private Clusters clusters;
  private HttpClient http;
  // One client per cluster for the whole run, so that a read follows this run's own writes.
  private final Map<String, SchedulerClient> clients = new HashMap<>();

  Context(PrintStream out, PrintStream err, Env env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  // Read on first use, so that --help works whatever state clusters.json is in.
  Clusters clusters() {
    if (clusters == null) {
      clusters = Clusters.load(env);
    }
    return clusters;
  }

  /** A client for the named cluster: a usage error when it is unknown or needs authentication. */
  SchedulerClient client(String clusterName, Common common) {
    Clusters.Cluster cluster = clusters().get(clusterName).checkAuth();
    if (http == null) {
      http = SchedulerClient.newHttpClient(env);
    }
    return clients.computeIfAbsent(
        cluster.name(),
        name ->
            new SchedulerClient(
                cluster, http, common.verbose ? Optional.of(err) : Optional.empty(), env));
  }
}
