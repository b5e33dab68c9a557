package io.borealis.backend.local;

import io.borealis.CborSerializable;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.StatusUpdate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The local agent of one node when the local backend is spread over a cluster: this machine's
 * processes, sandboxes and health checks, run by a {@link LocalBackend} child exactly as on a
 * single node, and reached by the backend singleton ({@link LocalCluster}) wherever it runs.
 *
 * <p>The agent is not a singleton: it lives and dies with its node, and so do the processes it
 * runs. It registers with the receptionist under {@link #KEY}; the singleton's current holder finds
 * it there and sends {@link Attach}. From then on the child's offers and statuses go to that holder
 * (as {@link AgentOffer} and {@link AgentStatus}), and the holder's launches, kills,
 * acknowledgements and reconciliations come to the child as the plain {@link ResourceBackend}
 * commands. When the singleton moves, the new holder attaches again: the child offers its free
 * resources anew, sends every unacknowledged status again, and reports every task it runs (implicit
 * reconciliation), so the new holder learns where each task runs. No process is started or stopped
 * by a move.
 */
public final class LocalAgent extends AbstractBehavior<ResourceBackend.Command> {

  /** Where the backend singleton finds the agents of the cluster. */
  public static final ServiceKey<ResourceBackend.Command> KEY =
      ServiceKey.create(ResourceBackend.Command.class, "borealis-local-agent");

  /** The singleton's holder takes this agent on; offers and statuses go to {@code backend}. */
  public record Attach(ActorRef<ResourceBackend.Command> backend)
      implements ResourceBackend.Command {}

  /** The agent's answer to {@link Attach}, sent before anything else goes to the new holder. */
  public record Attached(String agentId, ActorRef<ResourceBackend.Command> agent)
      implements ResourceBackend.Command {}

  /** What the agent tells placement about its resources, by way of the singleton. */
  public record AgentOffer(String agentId, OfferEvent event) implements ResourceBackend.Command {}

  /** A status of a task on the agent, by way of the singleton; acknowledged the usual way. */
  public record AgentStatus(String agentId, StatusUpdate update)
      implements ResourceBackend.Command {}

  /** Asks who the agent is and where its node's API answers (for sandbox reads elsewhere). */
  public record Describe(ActorRef<Description> replyTo) implements ResourceBackend.Command {}

  /** The agent's id and the base URL of its node's HTTP API. */
  public record Description(String agentId, String apiBase) implements CborSerializable {}

  private record FromChild(OfferEvent event) implements ResourceBackend.Command {}

  private record StatusFromChild(StatusUpdate update) implements ResourceBackend.Command {}

  private record BackendGone(ActorRef<ResourceBackend.Command> backend)
      implements ResourceBackend.Command {}

  private final String agentId;
  private final String apiBase;
  private final ActorRef<ResourceBackend.Command> child;
  private Optional<ActorRef<ResourceBackend.Command>> backend = Optional.empty();

  /**
   * @param apiBase where this node's HTTP API answers, as other nodes reach it
   */
  public static Behavior<ResourceBackend.Command> create(
      LocalSettings settings, Clock clock, String apiBase) {
    return Behaviors.setup(context -> new LocalAgent(context, settings, clock, apiBase));
  }

  private LocalAgent(
      ActorContext<ResourceBackend.Command> context,
      LocalSettings settings,
      Clock clock,
      String apiBase) {
    super(context);
    this.agentId = settings.agentId();
    this.apiBase = apiBase;
    // Until a holder attaches, offers are dropped (the child offers anew on Attach) and statuses
    // wait in the child's outbox (sent again on Attach).
    ResourceBackend.Listeners toHolder =
        new ResourceBackend.Listeners(
            context.messageAdapter(OfferEvent.class, FromChild::new),
            context.messageAdapter(StatusUpdate.class, StatusFromChild::new));
    // A restarted child adopts the tasks whose processes still run, as after a node restart.
    this.child =
        context.spawn(
            Behaviors.supervise(LocalBackend.create(toHolder, settings, clock))
                .onFailure(SupervisorStrategy.restart()),
            "agent");
    context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
  }

  @Override
  public Receive<ResourceBackend.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Attach.class, this::onAttach)
        .onMessage(BackendGone.class, this::onBackendGone)
        .onMessage(Describe.class, this::onDescribe)
        .onMessage(FromChild.class, m -> up(new AgentOffer(agentId, m.event())))
        .onMessage(StatusFromChild.class, m -> up(new AgentStatus(agentId, m.update())))
        .onMessage(ResourceBackend.Launch.class, this::toChild)
        .onMessage(ResourceBackend.Decline.class, this::toChild)
        .onMessage(ResourceBackend.Kill.class, this::toChild)
        .onMessage(ResourceBackend.Acknowledge.class, this::toChild)
        .onMessage(ResourceBackend.Reconcile.class, this::toChild)
        .onMessage(ResourceBackend.ReviveOffers.class, this::toChild)
        .build();
  }

  private Behavior<ResourceBackend.Command> onAttach(Attach attach) {
    backend.ifPresent(old -> getContext().unwatch(old));
    backend = Optional.of(attach.backend());
    getContext().watchWith(attach.backend(), new BackendGone(attach.backend()));
    getContext()
        .getLog()
        .info("Local agent {} attached to the backend at {}", agentId, attach.backend().path());
    attach.backend().tell(new Attached(agentId, getContext().getSelf()));
    // The new holder knows none of the earlier offers: rescind them (it ignores that) and offer
    // anew; then what it must hear: statuses not yet acknowledged and the tasks running here.
    child.tell(new ResourceBackend.ReviveOffers());
    child.tell(LocalBackend.ResendAll.INSTANCE);
    child.tell(new ResourceBackend.Reconcile(List.of()));
    return this;
  }

  private Behavior<ResourceBackend.Command> onBackendGone(BackendGone gone) {
    if (backend.isPresent() && backend.get().equals(gone.backend())) {
      // The next holder attaches once it runs; until then statuses wait in the outbox.
      backend = Optional.empty();
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onDescribe(Describe describe) {
    describe.replyTo().tell(new Description(agentId, apiBase));
    return this;
  }

  private Behavior<ResourceBackend.Command> up(ResourceBackend.Command message) {
    backend.ifPresent(b -> b.tell(message));
    return this;
  }

  private Behavior<ResourceBackend.Command> toChild(ResourceBackend.Command command) {
    child.tell(command);
    return this;
  }
}
