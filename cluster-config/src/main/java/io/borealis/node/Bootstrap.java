package io.borealis.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * The other way to form a cluster than static seeds: Pekko Management Cluster Bootstrap. The node
 * finds its peers through a discovery method ({@code borealis.cluster.bootstrap.discovery}: config,
 * dns or one configured under {@code pekko.discovery}), serves its contact point on the management
 * port, and joins the cluster the contact points report, or forms it when it has the lowest address
 * and none is in one. Here: the server's flags for it, the Pekko settings that follow from ours,
 * the refusals checked before anything starts, and the start of management and bootstrap.
 */
final class Bootstrap {

  /** Our settings ({@code cluster-config}'s reference.conf). */
  static final String PATH = "borealis.cluster.bootstrap";

  /** How the server's flags name Pekko's DNS discovery. */
  static final String DNS = "dns";

  private Bootstrap() {}

  /** Bootstrap as configured; {@code discovery} is empty when it is off. */
  record Settings(
      String discovery,
      String serviceName,
      String host,
      int managementPort,
      int requiredContactPoints,
      List<String> contactPoints) {

    static Settings from(Config config) {
      Config c = config.getConfig(PATH);
      return new Settings(
          c.getString("discovery").trim(),
          c.getString("service-name"),
          config.getString("pekko.remote.artery.canonical.hostname"),
          c.getInt("management-port"),
          c.getInt("required-contact-points"),
          c.getStringList("contact-points"));
    }

    boolean enabled() {
      return !discovery.isEmpty();
    }

    /** Pekko's name of the discovery method. */
    String method() {
      return discovery.equals(DNS) ? "pekko-dns" : discovery;
    }
  }

  /** The server's bootstrap flags; null or empty when not given. */
  record Flags(
      String discovery,
      List<String> seeds,
      String serviceName,
      Integer managementPort,
      Integer requiredContactPoints,
      List<String> contactPoints) {}

  /**
   * The settings the server's flags stand for; fails with a sentence an operator can act on when
   * they contradict each other or a value is out of range.
   */
  static Map<String, Object> settings(Flags flags) {
    boolean seeds = flags.seeds() != null && !flags.seeds().isEmpty();
    boolean contactPoints = flags.contactPoints() != null && !flags.contactPoints().isEmpty();
    if (flags.discovery() == null) {
      List<String> given = new ArrayList<>();
      if (flags.serviceName() != null) {
        given.add("--service-name");
      }
      if (flags.managementPort() != null) {
        given.add("--management-port");
      }
      if (flags.requiredContactPoints() != null) {
        given.add("--required-contact-points");
      }
      if (contactPoints) {
        given.add("--contact-points");
      }
      if (!given.isEmpty()) {
        throw new IllegalArgumentException(
            String.join(", ", given)
                + " configure cluster bootstrap: add --discovery config|dns (or leave them out)");
      }
      return Map.of();
    }
    String discovery = flags.discovery().trim();
    if (discovery.isEmpty()) {
      throw new IllegalArgumentException("--discovery needs a method: config, dns, or another one");
    }
    if (seeds) {
      throw new IllegalArgumentException(
          "--seed and --discovery exclude each other: a node joins static seed nodes or finds its"
              + " peers through discovery (cluster bootstrap), not both");
    }
    Map<String, Object> out = new HashMap<>();
    out.put(PATH + ".discovery", discovery);
    if (flags.serviceName() != null) {
      if (flags.serviceName().isBlank()) {
        throw new IllegalArgumentException("--service-name must not be empty");
      }
      out.put(PATH + ".service-name", flags.serviceName().trim());
    }
    if (flags.managementPort() != null) {
      if (flags.managementPort() < 1 || flags.managementPort() > 65535) {
        throw new IllegalArgumentException("--management-port must be between 1 and 65535");
      }
      out.put(PATH + ".management-port", flags.managementPort());
    }
    if (flags.requiredContactPoints() != null) {
      if (flags.requiredContactPoints() < 1) {
        throw new IllegalArgumentException("--required-contact-points must be at least 1");
      }
      out.put(PATH + ".required-contact-points", flags.requiredContactPoints());
    }
    if (contactPoints) {
      if (!discovery.equals("config")) {
        throw new IllegalArgumentException(
            "--contact-points lists the peers for --discovery config, not for " + discovery);
      }
      // Parsed here for the message; kept as given.
      endpoints(flags.contactPoints());
      out.put(
          PATH + ".contact-points",
          flags.contactPoints().stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
    return out;
  }

  /**
   * Config discovery's endpoints ({@code host}, {@code port}) for {@code HOST:PORT} names; fails
   * with a sentence an operator can act on.
   */
  static List<Map<String, Object>> endpoints(List<String> contactPoints) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String point : contactPoints) {
      String p = point.trim();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.lastIndexOf(':');
      int port = -1;
      if (colon > 0) {
        try {
          port = Integer.parseInt(p.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "a contact point is HOST:PORT, a node's --cluster-host and --management-port (such as"
                + " 127.0.0.1:7626), not "
                + p);
      }
      Map<String, Object> endpoint = new LinkedHashMap<>();
      endpoint.put("host", p.substring(0, colon));
      endpoint.put("port", port);
      out.add(endpoint);
    }
    return out;
  }

  /**
   * The Pekko settings that follow from ours and cannot be written as substitutions in
   * cluster.conf: the discovery method's name, config discovery's endpoints, and (with config
   * discovery) no filtering of the contact points on this node's own management port, so that nodes
   * on one machine, each on its own port, find each other. Empty when bootstrap is off.
   */
  static Config pekkoSettings(Config config) {
    Settings settings = Settings.from(config);
    if (!settings.enabled()) {
      return ConfigFactory.empty();
    }
    Map<String, Object> out = new HashMap<>();
    String bootstrap = "pekko.management.cluster.bootstrap.";
    out.put(bootstrap + "contact-point-discovery.discovery-method", settings.method());
    if (settings.method().equals("config")) {
      out.put(bootstrap + "contact-point.filter-on-fallback-port", false);
      if (!settings.contactPoints().isEmpty()) {
        out.put(
            "pekko.discovery.config.services." + quoted(settings.serviceName()) + ".endpoints",
            endpoints(settings.contactPoints()));
      }
    }
    return ConfigFactory.parseMap(out);
  }

  private static String quoted(String key) {
    return com.typesafe.config.ConfigUtil.quoteString(key);
  }

  /**
   * Why this node must not start with the bootstrap it is configured with (empty when it may, or
   * bootstrap is off): on the embedded store, with seed nodes, with config discovery that lists no
   * peers, or with a discovery method this build does not have.
   */
  static Optional<String> refusal(Config config) {
    Settings settings;
    try {
      settings = Settings.from(config);
    } catch (com.typesafe.config.ConfigException e) {
      return Optional.of(
          "Cluster bootstrap's settings (" + PATH + ") are wrong: " + e.getMessage());
    }
    if (!settings.enabled()) {
      return Optional.empty();
    }
    if ("embedded".equals(config.getString(Stores.KIND))) {
      return Optional.of(
          "The embedded store is one machine's: a cluster of several nodes needs a shared store"
              + " (--store cassandra --cassandra HOST:PORT); cluster bootstrap (--discovery) is"
              + " for finding other nodes");
    }
    if (!config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      return Optional.of(
          "Cluster bootstrap ("
              + PATH
              + ".discovery = "
              + settings.discovery()
              + ") and seed nodes (pekko.cluster.seed-nodes) exclude each other: use one of them");
    }
    String method = settings.method();
    if (!config.hasPath("pekko.discovery." + quoted(method) + ".class")) {
      return Optional.of(
          "The discovery method "
              + settings.discovery()
              + " is not in this build: use config or dns, or configure pekko.discovery."
              + method
              + ".class (with its module on the class path)");
    }
    if (method.equals("config")) {
      try {
        endpoints(settings.contactPoints());
      } catch (IllegalArgumentException e) {
        return Optional.of("Cluster bootstrap: " + e.getMessage());
      }
      boolean listed =
          !settings.contactPoints().isEmpty()
              || config.hasPath(
                  "pekko.discovery.config.services." + quoted(settings.serviceName()));
      if (!listed) {
        return Optional.of(
            "Config discovery needs the nodes' management endpoints: --contact-points"
                + " HOST:PORT,... (their --cluster-host and --management-port; "
                + PATH
                + ".contact-points)");
      }
    }
    return Optional.empty();
  }

  /**
   * Fails with a {@link Node.StartFailure} when the management port is taken, checked before the
   * cluster starts so that it costs one line (as the API's port).
   */
  static void checkManagementPortFree(Settings settings) throws Node.StartFailure {
    if (!settings.enabled()) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(settings.host(), settings.managementPort()));
    } catch (BindException e) {
      throw cannotBind(settings, e);
    } catch (IOException e) {
      // Anything else is for the management server's own bind to report.
    }
  }

  private static Node.StartFailure cannotBind(Settings settings, BindException e) {
    String why = String.valueOf(e.getMessage());
    if (why.contains("in use")) {
      return new Node.StartFailure(
          "The management port "
              + settings.managementPort()
              + " is already in use: stop the other process or choose another with"
              + " --management-port");
    }
    return new Node.StartFailure(
        "Cannot listen on "
            + settings.host()
            + ":"
            + settings.managementPort()
            + " for cluster bootstrap: "
            + why.replace("[/" + settings.host() + ":" + settings.managementPort() + "] ", "")
            + " (choose another port with --management-port, or the host with --cluster-host)");
  }

  /**
   * Starts the management HTTP server and the bootstrap, when bootstrap is on; the stage completes
   * when the server listens and fails (with a {@link Node.StartFailure} when the port is taken)
   * when it cannot. The server unbinds when the node shuts down, before it leaves the cluster.
   */
  static CompletionStage<Done> start(ActorSystem<?> system) {
    Settings settings = Settings.from(system.settings().config());
    if (!settings.enabled()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    PekkoManagement management = PekkoManagement.get(system.classicSystem());
    CompletionStage<Done> bound =
        management
            .start()
            .handle(
                (uri, error) -> {
                  if (error == null) {
                    return Done.getInstance();
                  }
                  Throwable cause = error;
                  while (cause.getCause() != null && !(cause instanceof BindException)) {
                    cause = cause.getCause();
                  }
                  throw new java.util.concurrent.CompletionException(
                      cause instanceof BindException bind ? cannotBind(settings, bind) : error);
                });
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceUnbind(),
            "stop-management",
            () -> management.stop().thenApply(done -> Done.getInstance()));
    // The probes' connection pools to the other contact points end before the system does (or
    // each logs that it was shut down unexpectedly).
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "stop-bootstrap-connections",
            () ->
                Http.get(system)
                    .shutdownAllConnectionPools()
                    .thenApply(done -> Done.getInstance()));
    // Bootstrap needs the contact point's routes, which management's start has made.
    ClusterBootstrap.get(system.classicSystem()).start();
    return bound;
  }
}
