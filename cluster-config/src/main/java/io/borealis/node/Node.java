package io.borealis.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.borealis.persistence.ReadView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * One Borealis scheduler node: configuration layered from flags, a config file, the store profile
 * ({@link Stores}, picked by {@code borealis.store.kind}) and the modules' defaults; an actor
 * system under {@link Guardian}. The server command, the end-to-end tests and the load harness all
 * start nodes through here.
 */
public final class Node {

  static {
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
    String kind = ConfigFactory.load(chosen.withFallback(application)).getString(Stores.KIND);
    Config store = Stores.named(kind).prepare().apply(dataDir);
    return ConfigFactory.load(chosen.withFallback(store).withFallback(application));
  }

  /** Starts a node and waits until it serves (or fails to). */
  public static Node start(Options options, Duration timeout) throws Exception {
    Config config = config(options);
    // Fails before anything starts when the configured backend is not in this build.
    Backends.named(config.getString("borealis.backend.kind"));
    CompletableFuture<Guardian.Started> started = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(Guardian.create(started), "borealis", config);
    try {
      return new Node(system, started.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (Exception e) {
      system.terminate();
      throw e;
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
