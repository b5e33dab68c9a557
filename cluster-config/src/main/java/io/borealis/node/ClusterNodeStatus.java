package io.borealis.node;

import io.borealis.backend.ResourceBackend;
import io.borealis.host.BackendHost;
import io.borealis.host.BackendPresence;
import io.borealis.http.NodeStatus;
import io.borealis.persistence.ReadSide;
import io.borealis.persistence.StoreHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The node's {@link NodeStatus}: members from Pekko Cluster's state, the backend from {@link
 * BackendPresence} and a ping of the backend singleton every {@code interval} (wherever it runs),
 * the store from its {@link StoreHealth} check.
 */
final class ClusterNodeStatus implements NodeStatus {

  private static final String VERSION =
      Optional.ofNullable(ClusterNodeStatus.class.getPackage().getImplementationVersion())
          .orElse("0.1.0");

  private final ActorSystem<?> system;
  private final Cluster cluster;
  private final StoreHealth.Check store;
  private final ReadSide readSide;
  private final Instant startedAt;
  private final AtomicReference<Probe> backend;

  private ClusterNodeStatus(
      ActorSystem<?> system,
      StoreHealth.Check store,
      ReadSide readSide,
      String backendKind,
      Instant startedAt) {
    this.system = system;
    this.readSide = readSide;
    this.cluster = Cluster.get(system);
    this.store = store;
    this.startedAt = startedAt;
    this.backend =
        new AtomicReference<>(
            new Probe(
                backendKind,
                false,
                Optional.empty(),
                Optional.empty(),
                Optional.of("not asked yet")));
  }

  /** Starts pinging {@code backendRef} every {@code interval}, each ping waiting as long. */
  static ClusterNodeStatus start(
      ActorSystem<?> system,
      ActorRef<ResourceBackend.Command> backendRef,
      StoreHealth.Check store,
      ReadSide readSide,
      String backendKind,
      Instant startedAt,
      Duration interval) {
    ClusterNodeStatus status =
        new ClusterNodeStatus(system, store, readSide, backendKind, startedAt);
    system
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ZERO,
            interval,
            () -> status.ping(backendRef, interval),
            system.executionContext());
    return status;
  }

  private void ping(ActorRef<ResourceBackend.Command> backendRef, Duration timeout) {
    long started = System.nanoTime();
    AskPattern.<ResourceBackend.Command, BackendHost.Pong>ask(
            backendRef, BackendHost.Ping::new, timeout, system.scheduler())
        .whenComplete(
            (pong, error) -> {
              if (error != null) {
                Probe last = backend.get();
                backend.set(
                    new Probe(
                        last.kind(),
                        false,
                        last.address(),
                        Optional.empty(),
                        Optional.of("no answer within " + timeout.toMillis() + " ms")));
              } else {
                backend.set(
                    new Probe(
                        pong.kind(),
                        true,
                        Optional.of(pong.address()),
                        Optional.of(Duration.ofNanos(System.nanoTime() - started)),
                        Optional.empty()));
              }
            });
  }

  @Override
  public List<Member> members() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    Set<org.apache.pekko.cluster.Member> unreachable = state.getUnreachable();
    List<org.apache.pekko.cluster.Member> all = new ArrayList<>();
    state.getMembers().forEach(all::add);
    all.sort((a, b) -> a.isOlderThan(b) ? -1 : b.isOlderThan(a) ? 1 : 0);
    // The singletons run on the oldest member that is up (no role restricts them).
    Optional<org.apache.pekko.cluster.Member> oldest =
        all.stream().filter(m -> m.status() == MemberStatus.up()).findFirst();
    org.apache.pekko.cluster.Member self = cluster.selfMember();
    List<Member> members = new ArrayList<>();
    for (org.apache.pekko.cluster.Member m : all) {
      members.add(
          new Member(
              m.address().toString(),
              m.status().toString(),
              List.copyOf(new java.util.TreeSet<>(m.getRoles())),
              oldest.map(o -> o.equals(m)).orElse(false),
              m.equals(self),
              !unreachable.contains(m)));
    }
    if (members.stream().noneMatch(Member::self)) {
      // Not (or no longer) a member: still say who answered.
      members.add(
          new Member(
              self.address().toString(), self.status().toString(), List.of(), false, true, true));
    }
    return members;
  }

  @Override
  public Optional<String> backendHere() {
    return BackendPresence.of(system).hosted();
  }

  @Override
  public Probe backend() {
    return backend.get();
  }

  @Override
  public Probe store() {
    boolean up = store.getAsBoolean();
    return new Probe(
        store.kind(),
        up,
        Optional.empty(),
        store.roundTrip(),
        up ? Optional.empty() : Optional.of("its health check does not succeed"));
  }

  @Override
  public Reading reading() {
    return new Reading(readSide.eventsRead(), readSide.lag());
  }

  @Override
  public Instant startedAt() {
    return startedAt;
  }

  @Override
  public String version() {
    return VERSION;
  }
}
