package io.borealis.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.borealis.http.HttpSettings;
import io.borealis.persistence.ReadView;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/**
 * One Borealis scheduler node: configuration layered from flags, a config file, the store profile
 * ({@link Stores}, picked by {@code borealis.store.kind}) and the modules' defaults; an actor
 * system under {@link Guardian}. The server command, the end-to-end tests and the load harness all
 * start nodes through here.
 */
public final class Node {

  static {
    // Logging starts here, on one thread, before any actor or pool may log: a logger asked for
    // while another thread initialises SLF4J gets its calls queued and replayed, with a warning.
    LoggerFactory.getILoggerFactory();
    // Pekko's ask and pipeToSelf complete Java stages made from Scala futures, which run their
    // callbacks on the common pool. With one or two cores that pool has parallelism 1 and the JDK
    // then starts a new thread per callback, which costs more than the work. Give it real threads,
    // unless the operator chose a value.
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null) {
      System.setProperty(
          key, Integer.toString(Math.max(4, Runtime.getRuntime().availableProcessors())));
    }
  }

  /**
   * The node cannot start for a reason the operator can fix, said in one sentence (no stack trace:
   * the failure is expected, and its cause is logged at DEBUG where there is one).
   */
  public static final class StartFailure extends Exception {
    StartFailure(String message) {
      super(message, null, false, false);
    }

    /** The API cannot listen where it is told to. */
    static StartFailure cannotBind(String host, int port, BindException e) {
      String why = String.valueOf(e.getMessage());
      if (why.contains("in use")) {
        return new StartFailure(
            "Port "
                + port
                + " is already in use: stop the other process or choose another with --port");
      }
      // Pekko puts the address in front of the reason; it is said once, below.
      why = why.replace("[/" + host + ":" + port + "] ", "");
      return new StartFailure(
          "Cannot listen on "
              + host
              + ":"
              + port
              + ": "
              + why
              + " (choose another port with --port, or an interface with --host)");
    }
  }

  /** The backends this build can run. */
  public static final Set<String> BACKENDS = Backends.names();

  /** The stores this build can run. */
  public static final Set<String> STORES = Stores.names();

  /** How to start a node; empty options keep the configured defaults. */
  public record Options(
      Path dataDir,
      Optional<String> backend,
      Optional<Integer> port,
      Optional<String> host,
      Optional<Integer> simAgents,
      Optional<Path> configFile,
      Map<String, Object> settings) {

    public static Options of(Path dataDir) {
      return new Options(
          dataDir,
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Map.of());
    }

    public Options withPort(int port) {
      return new Options(
          dataDir, backend, Optional.of(port), host, simAgents, configFile, settings);
    }

    public Options withSettings(Map<String, Object> more) {
      Map<String, Object> all = new HashMap<>(settings);
      all.putAll(more);
      return new Options(dataDir, backend, port, host, simAgents, configFile, all);
    }
  }

  private final ActorSystem<Void> system;
  private final Guardian.Started started;

  private Node(ActorSystem<Void> system, Guardian.Started started) {
    this.system = system;
    this.started = started;
  }

  /** The full configuration a node with these options runs with. */
  public static Config config(Options options) {
    Map<String, Object> flags = new HashMap<>(options.settings());
    Path dataDir = options.dataDir().toAbsolutePath().normalize();
    flags.put("borealis.store.data-dir", dataDir.toString());
    options.backend().ifPresent(b -> flags.put("borealis.backend.kind", b));
    options.port().ifPresent(p -> flags.put("borealis.http.port", p));
    options.host().ifPresent(h -> flags.put("borealis.http.host", h));
    options.simAgents().ifPresent(n -> flags.put("borealis.backend.sim.agents", n));
    Config file =
        options
            .configFile()
            .map(f -> ConfigFactory.parseFile(f.toFile()))
            .orElse(ConfigFactory.empty());
    Config application = ConfigFactory.parseResourcesAnySyntax("application");
    Config chosen = ConfigFactory.parseMap(flags).withFallback(file);
    // The store profile is picked like any setting, then prepared under everything chosen.
    Config settings = ConfigFactory.load(chosen.withFallback(application));
    String kind = settings.getString(Stores.KIND);
    Config store = Stores.named(kind).prepare().apply(dataDir, settings);
    Config config = ConfigFactory.load(chosen.withFallback(store).withFallback(application));
    // Cluster bootstrap's discovery settings follow from borealis.cluster.bootstrap (under those
    // chosen: an operator's own pekko.* settings win).
    Config bootstrap = Bootstrap.pekkoSettings(config);
    return bootstrap.isEmpty()
        ? config
        : ConfigFactory.load(
            chosen.withFallback(bootstrap).withFallback(store).withFallback(application));
  }

  /** Starts a node and waits until it serves (or fails to). */
  public static Node start(Options options, Duration timeout) throws Exception {
    Config config;
    try {
      config = config(options);
    } catch (IllegalStateException e) {
      if (databaseAlreadyOpen(e)) {
        throw new StartFailure(
            "The data directory "
                + options.dataDir().toAbsolutePath().normalize()
                + " is in use by another node: stop that node or choose another with --data-dir");
      }
      throw e;
    }
    // Several nodes need a shared store: refused before anything starts.
    java.util.Optional<String> refusal = ClusterSeeds.refusal(config);
    if (refusal.isPresent()) {
      throw new StartFailure(refusal.get());
    }
    refusal = Bootstrap.refusal(config);
    if (refusal.isPresent()) {
      throw new StartFailure(refusal.get());
    }
    // Fails before anything starts when the configured backend is not in this build.
    Backends.named(config.getString("borealis.backend.kind"));
    // Checked before the cluster starts, so that a clash costs one line and no shutdown.
    HttpSettings http = HttpSettings.from(config);
    checkPortFree(http.host(), http.port());
    Bootstrap.checkManagementPortFree(Bootstrap.Settings.from(config));
    checkEdgeSecurity(config);
    CompletableFuture<Guardian.Started> started = new CompletableFuture<>();
    ActorSystem<Void> system =
        ActorSystem.create(Guardian.create(started), ClusterSeeds.SYSTEM, config);
    // In bootstrap mode the node joins through its management server: one that cannot listen
    // stops the node (in one line when its port was taken meanwhile).
    Bootstrap.start(system)
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                if (!started.completeExceptionally(cause)) {
                  system.log().error("Cluster bootstrap could not start: {}", cause.getMessage());
                  system.terminate();
                }
              }
            });
    try {
      return new Node(system, started.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      system.terminate();
      // The guardian reports an expected failure (the port taken meanwhile) as a StartFailure.
      throw e.getCause() instanceof StartFailure f ? f : e;
    } catch (Exception e) {
      system.terminate();
      throw e;
    }
  }

  /**
   * Fails with a {@link StartFailure} when authentication is on without a usable users file, or the
   * TLS keystore cannot be read: checked before the cluster starts, in one line.
   */
  private static void checkEdgeSecurity(Config config) throws StartFailure {
    try {
      io.borealis.http.auth.AuthSettings auth = io.borealis.http.auth.AuthSettings.from(config);
      if (auth.enabled()) {
        io.borealis.http.auth.UsersFile.read(
            auth.usersFile()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "authentication is on but no users file is set (--auth-conf FILE)")));
      }
      io.borealis.http.Tls.server(config);
    } catch (IllegalArgumentException e) {
      throw new StartFailure(e.getMessage());
    }
  }

  /** Whether the embedded store failed because another process has it open (H2 error 90020). */
  private static boolean databaseAlreadyOpen(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException sql && sql.getErrorCode() == 90020) {
        return true;
      }
    }
    return false;
  }

  /** Fails with a {@link StartFailure} when the API could not listen where it is told to. */
  private static void checkPortFree(String host, int port) throws StartFailure {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      // As the HTTP server binds: a port left in TIME_WAIT by a previous node is free.
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw StartFailure.cannotBind(host, port, e);
    } catch (IOException e) {
      // Anything else (an unknown host, say) is for the server's own bind to report.
    }
  }

  public int port() {
    return started.binding().localAddress().getPort();
  }

  public ReadView view() {
    return started.view();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Runs coordinated shutdown: unbind, finish requests in flight, leave, stop. */
  public CompletionStage<Void> stop() {
    system.terminate();
    return system.getWhenTerminated().thenApply(done -> null);
  }
}
