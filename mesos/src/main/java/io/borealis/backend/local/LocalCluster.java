package io.borealis.backend.local;

import com.typesafe.config.Config;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.StatusUpdate;
import io.borealis.backend.TaskRef;
import io.borealis.backend.agent.StatusOutbox;
import io.borealis.model.ScheduleStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The local backend of a cluster (the backend singleton when {@code --backend local} runs on
 * several nodes): every node runs a {@link LocalAgent} for its own machine, and this actor,
 * wherever the singleton lives, is the one backend the scheduler sees. It finds the agents through
 * the receptionist, attaches to each, passes their offers to placement and their statuses to the
 * scheduler, and sends launches, declines, kills and acknowledgements to the agent they concern, as
 * data. It runs no process itself, so it can move between nodes freely.
 *
 * <p>Right after a move it knows none of the tasks: each agent reports its tasks when it attaches.
 * For a while ({@link Settings#agentWait}) a kill or a reconciliation that names an agent not yet
 * attached waits for it instead of being answered LOST, so a move never makes a running task look
 * lost. An agent that leaves the receptionist (its node left the cluster, restarts, or died) has
 * its offers rescinded at once; its tasks are reported LOST, through the scheduler's normal path
 * for a lost agent, only when it has not come back within the same wait, as a Mesos master waits
 * for an agent to re-register. A node that restarts within it finds its tasks' processes still
 * running, adopts them, and nothing is lost or started twice.
 */
public final class LocalCluster extends AbstractBehavior<ResourceBackend.Command> {

  /** The settings of the spread local backend, from {@code borealis.backend.local.cluster}. */
  public record Settings(String spread, Duration agentWait, Duration resendInterval) {

    public static Settings from(Config config) {
      Config c = config.getConfig("borealis.backend.local.cluster");
      String spread = c.getString("spread");
      if (!Set.of("auto", "on", "off").contains(spread)) {
        throw new IllegalArgumentException(
            "borealis.backend.local.cluster.spread must be auto, on or off, not '" + spread + "'");
      }
      return new Settings(
          spread,
          c.getDuration("agent-wait"),
          config.getDuration("borealis.backend.local.resend-interval"));
    }

    /** Whether the agents are spread: {@code auto} means when the node has seed nodes. */
    public boolean enabled(Config config) {
      return spread.equals("on")
          || (spread.equals("auto") && !config.getStringList("pekko.cluster.seed-nodes").isEmpty());
    }
  }

  private record AgentsChanged(Receptionist.Listing listing) implements ResourceBackend.Command {}

  private enum ResendUnacknowledged implements ResourceBackend.Command {
    INSTANCE
  }

  private enum AgentWaitOver implements ResourceBackend.Command {
    INSTANCE
  }

  /** An agent that left has not come back in time. */
  private record AgentAbsent(String agentId) implements ResourceBackend.Command {}

  /** An attached agent and what goes through it. */
  private static final class Agent {
    final String id;
    final ActorRef<ResourceBackend.Command> ref;
    final Set<String> offers = new HashSet<>();

    Agent(String id, ActorRef<ResourceBackend.Command> ref) {
      this.id = id;
      this.ref = ref;
    }
  }

  private final TimerScheduler<ResourceBackend.Command> timers;
  private final ResourceBackend.Listeners listeners;
  private final Settings settings;
  private final StatusOutbox outbox;
  private final Map<String, Agent> agents = new LinkedHashMap<>();
  private final Map<ActorRef<ResourceBackend.Command>, String> agentOfRef = new HashMap<>();
  private final Set<ActorRef<ResourceBackend.Command>> attaching = new HashSet<>();
  // Agents that left and may come back (their node restarts) before their tasks are LOST.
  private final Set<String> absent = new HashSet<>();
  private final Map<String, String> agentOfOffer = new HashMap<>();
  private final Map<String, String> agentOfTask = new HashMap<>();
  private final Map<String, String> agentOfUpdate = new HashMap<>();
  // Kills and reconciliations for agents not attached yet, while the wait after a start lasts.
  private final Map<String, List<ResourceBackend.Command>> waiting = new LinkedHashMap<>();
  private boolean waitOver;

  /** The factory the node uses for {@code --backend local} on a cluster. */
  public static ResourceBackend.Factory factory(Settings settings, Clock clock) {
    return ResourceBackend.Factory.of(
        "local", listeners -> LocalCluster.create(listeners, settings, clock));
  }

  public static Behavior<ResourceBackend.Command> create(
      ResourceBackend.Listeners listeners, Settings settings, Clock clock) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new LocalCluster(context, timers, listeners, settings, clock)));
  }

  private LocalCluster(
      ActorContext<ResourceBackend.Command> context,
      TimerScheduler<ResourceBackend.Command> timers,
      ResourceBackend.Listeners listeners,
      Settings settings,
      Clock clock) {
    super(context);
    this.timers = timers;
    this.listeners = listeners;
    this.settings = settings;
    // Statuses this actor makes itself: LOST for tasks of agents that are gone.
    this.outbox =
        new StatusOutbox(listeners.statuses(), clock, "local-cluster-" + clock.millis() + "-");
    listeners.offers().tell(new OfferEvent.OffersReset());
    context
        .getSystem()
        .receptionist()
        .tell(
            Receptionist.subscribe(
                LocalAgent.KEY,
                context.messageAdapter(Receptionist.Listing.class, AgentsChanged::new)));
    timers.startTimerWithFixedDelay(ResendUnacknowledged.INSTANCE, settings.resendInterval());
    timers.startSingleTimer(AgentWaitOver.INSTANCE, settings.agentWait());
  }

  @Override
  public Receive<ResourceBackend.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(AgentsChanged.class, this::onAgentsChanged)
        .onMessage(LocalAgent.Attached.class, this::onAttached)
        .onMessage(LocalAgent.AgentOffer.class, this::onAgentOffer)
        .onMessage(LocalAgent.AgentStatus.class, this::onAgentStatus)
        .onMessage(ResourceBackend.Launch.class, this::onLaunch)
        .onMessage(ResourceBackend.Decline.class, this::onDecline)
        .onMessage(ResourceBackend.Kill.class, this::onKill)
        .onMessage(ResourceBackend.Acknowledge.class, this::onAcknowledge)
        .onMessage(ResourceBackend.Reconcile.class, this::onReconcile)
        .onMessage(ResourceBackend.ReviveOffers.class, this::onReviveOffers)
        .onMessageEquals(ResendUnacknowledged.INSTANCE, this::onResend)
        .onMessageEquals(AgentWaitOver.INSTANCE, this::onAgentWaitOver)
        .onMessage(AgentAbsent.class, this::onAgentAbsent)
        .build();
  }

  // -------------------------------------------------------------------------------------------
  // Agents

  private Behavior<ResourceBackend.Command> onAgentsChanged(AgentsChanged changed) {
    // All instances, reachable or not: an unreachable node may come back; a removed one is gone.
    Set<ActorRef<ResourceBackend.Command>> present =
        changed.listing().getAllServiceInstances(LocalAgent.KEY);
    for (ActorRef<ResourceBackend.Command> ref : present) {
      if (!agentOfRef.containsKey(ref) && attaching.add(ref)) {
        ref.tell(new LocalAgent.Attach(getContext().getSelf()));
      }
    }
    attaching.retainAll(present);
    for (ActorRef<ResourceBackend.Command> ref : List.copyOf(agentOfRef.keySet())) {
      if (!present.contains(ref)) {
        lost(agentOfRef.remove(ref), ref);
      }
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onAttached(LocalAgent.Attached attached) {
    attaching.remove(attached.agent());
    Agent earlier = agents.get(attached.agentId());
    if (earlier != null && !earlier.ref.equals(attached.agent())) {
      // The agent restarted (its node did): what it offered before is void.
      rescind(earlier);
      agentOfRef.remove(earlier.ref);
    }
    if (absent.remove(attached.agentId())) {
      timers.cancel(new AgentAbsent(attached.agentId()));
      getContext().getLog().info("Local agent {} is back", attached.agentId());
    }
    if (earlier == null || !earlier.ref.equals(attached.agent())) {
      agents.put(attached.agentId(), new Agent(attached.agentId(), attached.agent()));
    }
    // (An Attach sent again may be answered twice: the agent's offers so far stay on its books.)
    agentOfRef.put(attached.agent(), attached.agentId());
    getContext().getLog().info("Local agent {} attached", attached.agentId());
    List<ResourceBackend.Command> held = waiting.remove(attached.agentId());
    if (held != null) {
      held.forEach(attached.agent()::tell);
    }
    return this;
  }

  private void lost(String agentId, ActorRef<ResourceBackend.Command> ref) {
    Agent agent = agents.get(agentId);
    if (agent == null || !agent.ref.equals(ref)) {
      return;
    }
    agents.remove(agentId);
    rescind(agent);
    absent.add(agentId);
    timers.startSingleTimer(new AgentAbsent(agentId), settings.agentWait());
    getContext()
        .getLog()
        .warn(
            "Local agent {} left; its tasks are LOST unless it is back within {}",
            agentId,
            settings.agentWait());
  }

  private Behavior<ResourceBackend.Command> onAgentAbsent(AgentAbsent absence) {
    String agentId = absence.agentId();
    if (!absent.remove(agentId)) {
      return this;
    }
    getContext().getLog().warn("Local agent {} is gone: its tasks are LOST", agentId);
    List<ResourceBackend.Command> held = waiting.remove(agentId);
    if (held != null) {
      held.forEach(getContext().getSelf()::tell);
    }
    for (String taskId : tasksOn(agentId)) {
      agentOfTask.remove(taskId);
      outbox.send(
          taskId,
          Optional.empty(),
          agentId,
          ScheduleStatus.LOST,
          "Agent " + agentId + " is gone: its node left the cluster");
    }
    return this;
  }

  private List<String> tasksOn(String agentId) {
    List<String> ids = new ArrayList<>();
    agentOfTask.forEach(
        (task, agent) -> {
          if (agent.equals(agentId)) {
            ids.add(task);
          }
        });
    return ids;
  }

  private void rescind(Agent agent) {
    for (String offerId : agent.offers) {
      agentOfOffer.remove(offerId);
      listeners.offers().tell(new OfferEvent.OfferRescinded(offerId));
    }
    agent.offers.clear();
  }

  private Behavior<ResourceBackend.Command> onAgentOffer(LocalAgent.AgentOffer offer) {
    Agent agent = agents.get(offer.agentId());
    if (agent == null) {
      // From before an attach that has not been answered yet: the agent offers anew then.
      return this;
    }
    if (offer.event() instanceof OfferEvent.OfferReceived received) {
      agent.offers.add(received.offer().offerId());
      agentOfOffer.put(received.offer().offerId(), agent.id);
      listeners.offers().tell(received);
    } else if (offer.event() instanceof OfferEvent.OfferRescinded rescinded) {
      if (agent.offers.remove(rescinded.offerId())) {
        agentOfOffer.remove(rescinded.offerId());
        listeners.offers().tell(rescinded);
      }
    } else {
      // The agent's backend restarted: its offers, not every agent's, are void.
      rescind(agent);
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onAgentStatus(LocalAgent.AgentStatus status) {
    StatusUpdate update = status.update();
    agentOfUpdate.put(update.updateId(), status.agentId());
    if (update.status().isTerminal()) {
      agentOfTask.remove(update.taskId());
    } else {
      agentOfTask.put(update.taskId(), status.agentId());
    }
    listeners.statuses().tell(update);
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Scheduler-facing protocol

  private Behavior<ResourceBackend.Command> onLaunch(ResourceBackend.Launch launch) {
    agentOfOffer.remove(launch.offerId());
    Agent agent = agents.get(launch.agentId());
    if (agent == null) {
      launch
          .tasks()
          .forEach(
              t ->
                  outbox.send(
                      t.taskId(),
                      Optional.of(t.instance()),
                      launch.agentId(),
                      ScheduleStatus.LOST,
                      "No agent " + launch.agentId()));
      return this;
    }
    agent.offers.remove(launch.offerId());
    launch.tasks().forEach(t -> agentOfTask.put(t.taskId(), agent.id));
    agent.ref.tell(launch);
    return this;
  }

  private Behavior<ResourceBackend.Command> onDecline(ResourceBackend.Decline decline) {
    String agentId = agentOfOffer.remove(decline.offerId());
    Agent agent = agentId == null ? null : agents.get(agentId);
    if (agent != null) {
      agent.offers.remove(decline.offerId());
      agent.ref.tell(decline);
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onKill(ResourceBackend.Kill kill) {
    Optional<String> agentId =
        Optional.ofNullable(agentOfTask.get(kill.taskId())).or(kill::agentId);
    Agent agent = agentId.map(agents::get).orElse(null);
    if (agent != null) {
      agent.ref.tell(kill);
    } else if (agentId.isPresent() && mayComeBack(agentId.get())) {
      waiting.computeIfAbsent(agentId.get(), a -> new ArrayList<>()).add(kill);
    } else {
      // As an agent answers a kill of a task it does not run.
      outbox.send(
          kill.taskId(),
          Optional.empty(),
          agentId.orElse(""),
          ScheduleStatus.LOST,
          "Task unknown to every agent");
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onAcknowledge(ResourceBackend.Acknowledge ack) {
    outbox.acknowledge(ack.updateId());
    String agentId = agentOfUpdate.remove(ack.updateId());
    Agent agent = agentId == null ? null : agents.get(agentId);
    if (agent != null) {
      agent.ref.tell(ack);
    } else if (agentId == null) {
      // Sent before a move: whichever agent made it drops it from its outbox, the others ignore it.
      agents.values().forEach(a -> a.ref.tell(ack));
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onReconcile(ResourceBackend.Reconcile reconcile) {
    if (reconcile.tasks().isEmpty()) {
      agents.values().forEach(a -> a.ref.tell(reconcile));
      return this;
    }
    Map<String, List<TaskRef>> byAgent = new LinkedHashMap<>();
    for (TaskRef ref : reconcile.tasks()) {
      Optional<String> agentId =
          Optional.ofNullable(agentOfTask.get(ref.taskId())).or(ref::agentId);
      if (agentId.isPresent()
          && (agents.containsKey(agentId.get()) || mayComeBack(agentId.get()))) {
        byAgent.computeIfAbsent(agentId.get(), a -> new ArrayList<>()).add(ref);
      } else {
        outbox.send(
            ref.taskId(),
            Optional.of(ref.instance()),
            agentId.orElse(""),
            ScheduleStatus.LOST,
            "Reconciliation: task unknown to every agent");
      }
    }
    byAgent.forEach(
        (agentId, refs) -> {
          ResourceBackend.Reconcile some = new ResourceBackend.Reconcile(refs);
          Agent agent = agents.get(agentId);
          if (agent != null) {
            agent.ref.tell(some);
          } else {
            waiting.computeIfAbsent(agentId, a -> new ArrayList<>()).add(some);
          }
        });
    return this;
  }

  private Behavior<ResourceBackend.Command> onReviveOffers(ResourceBackend.ReviveOffers revive) {
    agents.values().forEach(a -> a.ref.tell(revive));
    return this;
  }

  /** Whether an agent not attached now may still attach: what concerns it then waits. */
  private boolean mayComeBack(String agentId) {
    return !waitOver || absent.contains(agentId);
  }

  /**
   * Agents that did not attach in time after the start are gone: what waited for them is answered
   * LOST (but not what waits for an agent that left lately: it has a wait of its own).
   */
  private Behavior<ResourceBackend.Command> onAgentWaitOver() {
    waitOver = true;
    for (String agentId : List.copyOf(waiting.keySet())) {
      if (!absent.contains(agentId)) {
        waiting.remove(agentId).forEach(getContext().getSelf()::tell);
      }
    }
    return this;
  }

  /** Statuses of this actor's own not yet acknowledged, and attaches not yet answered, again. */
  private Behavior<ResourceBackend.Command> onResend() {
    outbox.resend(settings.resendInterval());
    // An Attach may be lost on the way (delivery between nodes is at most once).
    attaching.forEach(ref -> ref.tell(new LocalAgent.Attach(getContext().getSelf())));
    return this;
  }
}
