package io.borealis.node;

import com.typesafe.config.Config;
import io.borealis.backend.FleetControl;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.local.AgentDirectory;
import io.borealis.backend.local.LocalAgent;
import io.borealis.backend.local.LocalBackend;
import io.borealis.backend.local.LocalCluster;
import io.borealis.backend.local.LocalSettings;
import io.borealis.backend.sim.SimBackend;
import io.borealis.backend.sim.SimFleetControl;
import io.borealis.backend.sim.SimSettings;
import io.borealis.http.SandboxPeers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The resource backends this build can run, by the name operators pick them with: one table for the
 * server's {@code --backend} check, its help text and the node's assembly. Another backend (Mesos)
 * is one more entry.
 */
final class Backends {

  /** What the node gives a backend to be assembled with. */
  record Setup(Config config, Clock clock) {}

  /** A backend ready to be hosted, with what else it offers the node. */
  record Assembled(
      ResourceBackend.Factory factory,
      Optional<Path> sandboxes,
      FleetControls fleet,
      NodeAgents nodeAgents) {

    Assembled(ResourceBackend.Factory factory, Optional<Path> sandboxes, FleetControls fleet) {
      this(factory, sandboxes, fleet, NodeAgents.NONE);
    }
  }

  /**
   * What a backend runs on every node besides its singleton (the spread local backend's agent);
   * started once per node, it says which node's API serves the sandbox of a task on another node.
   */
  @FunctionalInterface
  interface NodeAgents {
    NodeAgents NONE = context -> SandboxPeers.NONE;

    SandboxPeers start(ActorContext<?> context);
  }

  /** The control surface of a simulated fleet, made once the backend runs; others have none. */
  @FunctionalInterface
  interface FleetControls {
    FleetControls NONE = (backend, system, timeout) -> Optional.empty();

    Optional<FleetControl> of(
        ActorRef<ResourceBackend.Command> backend, ActorSystem<?> system, Duration timeout);
  }

  /** One backend: its name, a line for the help text, and how to assemble it. */
  record Backend(String name, String summary, Function<Setup, Assembled> assemble) {}

  private static final Registry<Backend> ALL =
      new Registry<>("backend", Backend::name, Backend::summary);

  static {
    register(
        new Backend(
            "local",
            "this machine runs the tasks as real processes",
            setup -> {
              // Read once: it asks the OS for the host's resources.
              LocalSettings local = LocalSettings.from(setup.config());
              LocalCluster.Settings cluster = LocalCluster.Settings.from(setup.config());
              if (cluster.enabled(setup.config())) {
                // Every node runs an agent for its machine; the singleton only routes to them.
                String api = apiAddress(setup.config());
                return new Assembled(
                    LocalCluster.factory(cluster, setup.clock()),
                    Optional.of(local.sandboxes()),
                    FleetControls.NONE,
                    context -> {
                      context.spawn(LocalAgent.create(local, setup.clock(), api), "local-agent");
                      AgentDirectory directory = new AgentDirectory();
                      context.spawn(directory.follower(), "local-agent-directory");
                      String self = local.agentId();
                      return agentId ->
                          agentId.equals(self) ? Optional.empty() : directory.apiBase(agentId);
                    });
              }
              return new Assembled(
                  LocalBackend.factory(local, setup.clock()),
                  // Sandboxes are served from this node, where the backend keeps them.
                  Optional.of(local.sandboxes()),
                  FleetControls.NONE);
            }));
    register(
        new Backend(
            "sim",
            "a simulated fleet, for tests, demos and load tests",
            setup ->
                new Assembled(
                    SimBackend.factory(SimSettings.from(setup.config()), setup.clock()),
                    Optional.empty(),
                    (backend, system, timeout) ->
                        Optional.of(
                            new SimFleetControl(
                                backend,
                                system.scheduler(),
                                system.executionContext(),
                                timeout)))));
  }

  private Backends() {}

  /** This node's API as other nodes reach it (see borealis.backend.local.cluster.api-address). */
  static String apiAddress(Config config) {
    String configured = config.getString("borealis.backend.local.cluster.api-address");
    if (!configured.isEmpty()) {
      return configured.endsWith("/")
          ? configured.substring(0, configured.length() - 1)
          : configured;
    }
    return "http://"
        + config.getString("pekko.remote.artery.canonical.hostname")
        + ":"
        + config.getInt("borealis.http.port");
  }

  private static void register(Backend backend) {
    ALL.register(backend);
  }

  /** The names, sorted. */
  static SortedSet<String> names() {
    return ALL.names();
  }

  /** The backend called {@code name}; fails with a sentence an operator can act on. */
  static Backend named(String name) {
    return ALL.named(name);
  }

  static String unavailable(String name) {
    return ALL.unavailable(name);
  }

  /** One line per backend, for {@code server --help}. */
  static String help() {
    return ALL.help();
  }
}
