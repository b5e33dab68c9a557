package io.borealis.http;

import io.borealis.backend.FleetControl;
import io.borealis.model.ScheduleStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/v1/admin/status}: what an operator wants at a glance (issue 12), as the node
 * answering sees it: the cluster's members and which one holds the singletons, the resource backend
 * and whether it answers, the store and its round trip, the agents and their free resources, the
 * tasks by status, the read side's index, uptime and version.
 */
final class AdminStatusRoutes extends ApiDirectives {

  private final NodeStatus node;
  private final java.time.Clock clock;

  AdminStatusRoutes(ApiContext ctx, NodeStatus node, java.time.Clock clock) {
    super(ctx);
    this.node = node;
    this.clock = clock;
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/api/v1/admin/status", path -> status()));
  }

  /** The whole answer. */
  record Status(
      String version,
      String answeredBy,
      Instant startedAt,
      long uptimeSecs,
      List<NodeStatus.Member> nodes,
      Dependency backend,
      Dependency store,
      Optional<Agents> agents,
      Map<String, Long> tasks,
      long pending,
      ReadSide readSide) {}

  /** The backend or the store: what it is, whether it answers, where, and how fast. */
  record Dependency(
      String kind,
      boolean reachable,
      Optional<String> address,
      Optional<Long> roundTripMs,
      Optional<String> problem,
      Optional<Boolean> registeredHere) {}

  /** The agents the backend offers resources of, and their free and total resources. */
  record Agents(int count, double cpuFree, long ramMbFree, double cpuTotal, long ramMbTotal) {}

  /**
   * The node's read side: the index its reads carry, whether it has caught up, the events it read
   * from the journal and how far behind it (the age of the newest one when read).
   */
  record ReadSide(long index, boolean caughtUp, long eventsRead, Optional<Long> lagMs) {}

  private Route status() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          return onSuccess(agents(), agents -> ok(status(agents)));
        });
  }

  private Status status(Optional<Agents> agents) {
    Map<String, Long> tasks = new LinkedHashMap<>();
    for (ScheduleStatus s : ScheduleStatus.values()) {
      tasks.put(s.name(), ctx.view().tasksIn(s));
    }
    String self =
        node.members().stream()
            .filter(NodeStatus.Member::self)
            .map(NodeStatus.Member::address)
            .findFirst()
            .orElse("");
    Instant now = clock.instant();
    NodeStatus.Probe backend = node.backend();
    return new Status(
        node.version(),
        self,
        node.startedAt(),
        Math.max(0, Duration.between(node.startedAt(), now).toSeconds()),
        node.members(),
        dependency(backend, Optional.of(node.backendHere().isPresent())),
        dependency(node.store(), Optional.empty()),
        agents,
        tasks,
        ctx.view().tasksIn(ScheduleStatus.PENDING),
        new ReadSide(
            ctx.view().index(),
            ctx.view().isCaughtUp(),
            node.reading().eventsRead(),
            node.reading().lag().map(Duration::toMillis)));
  }

  private static Dependency dependency(NodeStatus.Probe p, Optional<Boolean> here) {
    return new Dependency(
        p.kind(),
        p.reachable(),
        p.address(),
        p.roundTrip().map(Duration::toMillis),
        p.problem(),
        here);
  }

  /** The agents, from the fleet's own view where the backend has one (the simulated fleet). */
  private CompletionStage<Optional<Agents>> agents() {
    Optional<FleetControl> fleet = ctx.fleet();
    if (fleet.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return fleet
        .get()
        .agents()
        .thenApply(
            list ->
                Optional.of(
                    new Agents(
                        list.size(),
                        list.stream().mapToDouble(a -> a.free().cpu()).sum(),
                        list.stream().mapToLong(a -> a.free().ramMb()).sum(),
                        list.stream().mapToDouble(a -> a.total().cpu()).sum(),
                        list.stream().mapToLong(a -> a.total().ramMb()).sum())));
  }
}
