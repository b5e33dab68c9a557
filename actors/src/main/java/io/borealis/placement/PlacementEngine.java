package io.borealis.placement;

import io.borealis.CborSerializable;
import io.borealis.backend.LaunchTask;
import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.Metrics;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.TaskConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The placement engine, a cluster singleton: it holds the tasks waiting for placement and the
 * backend's offers, runs first-fit rounds ({@link Matcher}), asks each chosen instance to persist
 * its assignment (through {@link Assignees}, so placement knows nothing of the task entity), and
 * only then asks the backend to launch. Its state is soft: after a restart the instances
 * re-register their PENDING tasks and the backend offers its resources again.
 *
 * <p>Constraints, tiers, preemption and quota will plug in as vetoes in {@link Matcher} and as
 * stages before and after a round.
 *
 * <p>Preemption (aurora-semantics §3.4, state in {@link Preemption}, rules in {@link Preemptor}): a
 * periodic search finds, for task groups PENDING long enough, agents where taking lower-tier tasks
 * down makes room; after a round, a group still unplaced takes its cached slot, checks it again,
 * has its victims interrupted (through {@link Preemptees}) and holds the agent for a while.
 */
public final class PlacementEngine extends AbstractBehavior<PlacementEngine.Command> {

  /** What placement accepts. */
  public sealed interface Command extends CborSerializable {}

  /**
   * A task waits to be placed (sent again periodically while it waits; idempotent). {@code since}
   * is when it became PENDING (its latest event), for the preemption delay; without it placement
   * counts from when it first hears of the task.
   */
  public record TaskPending(
      String taskId, InstanceKey instance, TaskConfig config, Optional<Instant> since)
      implements Command {
    public TaskPending(String taskId, InstanceKey instance, TaskConfig config) {
      this(taskId, instance, config, Optional.empty());
    }
  }

  /**
   * A task no longer waits (killed while PENDING) or no longer holds resources (it ended, or was
   * deleted): placement forgets it.
   */
  public record TaskGone(String taskId) implements Command {}

  /**
   * A task holds resources on an agent (assigned, running, or being taken down); sent by its
   * instance when it gets there and when the instance recovers, so a restarted engine learns again.
   */
  public record TaskPlaced(PlacedTask task) implements Command {}

  /** Something the backend said about offers. */
  public record FromBackend(OfferEvent event) implements Command {}

  /**
   * The maintenance mode of every host not in NONE (the whole picture each time: a host missing
   * from it is back in NONE). Sent by maintenance when a mode changes and when placement starts.
   */
  public record HostModes(Map<String, MaintenanceMode> modes) implements Command {
    public HostModes {
      modes = Map.copyOf(modes);
    }
  }

  /** Report counts, for tests, the load harness and metrics. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /** Tasks waiting, offers held, offers whose launch is being prepared, tasks placed so far. */
  public record Stats(int pending, int offers, int launching, long placed)
      implements CborSerializable {}

  private record RunRound() implements Command {}

  private record AssignDone(String offerId, String taskId, boolean ok) implements Command {}

  /** Run the preemption slot search now (periodic; tests send it to run one at once). */
  record SearchSlots() implements Command {}

  /** Whether a victim went PREEMPTING. */
  private record PreemptDone(String taskId, boolean ok) implements Command {}

  private record PendingTask(String taskId, InstanceKey instance, TaskConfig config) {}

  /** An offer taken by a round, waiting for its instances to persist their assignment. */
  private static final class Launching {
    final Offer offer;
    final Map<String, LaunchTask> tasks = new LinkedHashMap<>();
    final List<LaunchTask> confirmed = new ArrayList<>();
    int outstanding;

    Launching(Offer offer) {
      this.offer = offer;
    }
  }

  private final ActorRef<ResourceBackend.Command> backend;
  private final Assignees assignees;
  private final PlacementSettings settings;
  private final RandomGenerator random;

  // Preemption.
  private final Preemptees preemptees;
  private final Preemption preemption;

  private final LinkedHashMap<String, PendingTask> pending = new LinkedHashMap<>();
  private final LinkedHashMap<String, Offer> offers = new LinkedHashMap<>();
  private final Map<String, Launching> launching = new HashMap<>();

  /** The tasks holding resources on agents, for constraints, preemption and maintenance. */
  private final TaskIndex placedTasks = new TaskIndex();

  /** Hosts in maintenance (absent: NONE). */
  private Map<String, MaintenanceMode> hostModes = Map.of();

  /** Agent id → when it was first offered, for the STABLE offer order. */
  private final Map<String, Integer> agentRank = new HashMap<>();

  /** Task id → offer id, for tasks whose assignment is being persisted. */
  private final Map<String, String> assigning = new HashMap<>();

  private boolean roundScheduled;
  private long placed;

  /** An engine that never preempts. */
  public static Behavior<Command> create(
      ActorRef<ResourceBackend.Command> backend,
      Assignees assignees,
      PlacementSettings settings,
      RandomGenerator random) {
    return create(
        backend,
        assignees,
        Preemptees.NONE,
        settings,
        PreemptionSettings.DISABLED,
        random,
        Clock.systemUTC());
  }

  public static Behavior<Command> create(
      ActorRef<ResourceBackend.Command> backend,
      Assignees assignees,
      Preemptees preemptees,
      PlacementSettings settings,
      PreemptionSettings preemption,
      RandomGenerator random,
      Clock clock) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new PlacementEngine(
                        context,
                        timers,
                        backend,
                        assignees,
                        preemptees,
                        settings,
                        preemption,
                        random,
                        clock)));
  }

  private PlacementEngine(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ActorRef<ResourceBackend.Command> backend,
      Assignees assignees,
      Preemptees preemptees,
      PlacementSettings settings,
      PreemptionSettings preemptionSettings,
      RandomGenerator random,
      Clock clock) {
    super(context);
    this.backend = backend;
    this.assignees = assignees;
    this.settings = settings;
    this.random = random;
    this.preemptees = preemptees;
    this.preemption =
        new Preemption(
            preemptionSettings,
            clock,
            settings.executorOverheadCpu(),
            settings.executorOverheadRamMb(),
            this::preemptionVetoes,
            Metrics.of(context.getSystem()));
    if (preemptionSettings.enabled()) {
      timers.startTimerWithFixedDelay(
          "preemption-slots",
          new SearchSlots(),
          preemptionSettings.initialDelay(),
          preemptionSettings.interval());
    }
    // Unplaced tasks are retried even when nothing changes (an offer may have been declined).
    timers.startTimerWithFixedDelay("round", new RunRound(), settings.roundInterval());
    // Whatever offers the backend sent before us went to a previous incarnation.
    backend.tell(new ResourceBackend.ReviveOffers());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(TaskPending.class, this::onPending)
        .onMessage(TaskGone.class, this::onGone)
        .onMessage(TaskPlaced.class, this::onPlaced)
        .onMessage(FromBackend.class, this::onBackend)
        .onMessage(RunRound.class, this::onRound)
        .onMessage(AssignDone.class, this::onAssignDone)
        .onMessage(HostModes.class, this::onHostModes)
        .onMessage(GetStats.class, this::onStats)
        .onMessage(SearchSlots.class, this::onSearchSlots)
        .onMessage(PreemptDone.class, this::onPreemptDone)
        .build();
  }

  private Behavior<Command> onPending(TaskPending msg) {
    if (!pending.containsKey(msg.taskId()) && !assigning.containsKey(msg.taskId())) {
      pending.put(msg.taskId(), new PendingTask(msg.taskId(), msg.instance(), msg.config()));
      scheduleRound();
    }
    preemption.pending(msg.taskId(), msg.since());
    return this;
  }

  private Behavior<Command> onGone(TaskGone msg) {
    pending.remove(msg.taskId());
    placedTasks.remove(msg.taskId());
    preemption.gone(msg.taskId());
    return this;
  }

  private Behavior<Command> onPlaced(TaskPlaced msg) {
    pending.remove(msg.task().taskId());
    placedTasks.add(msg.task());
    return this;
  }

  private Behavior<Command> onBackend(FromBackend msg) {
    OfferEvent event = msg.event();
    if (event instanceof OfferEvent.OfferReceived r) {
      offers.put(r.offer().offerId(), r.offer());
      preemption.offered(r.offer());
      agentRank.putIfAbsent(r.offer().agentId(), agentRank.size());
      scheduleRound();
    } else if (event instanceof OfferEvent.OfferRescinded r) {
      offers.remove(r.offerId());
    } else if (event instanceof OfferEvent.OffersReset) {
      offers.clear();
    }
    return this;
  }

  private void scheduleRound() {
    if (!roundScheduled && !pending.isEmpty() && !offers.isEmpty()) {
      roundScheduled = true;
      getContext().getSelf().tell(new RunRound());
    }
  }

  private Behavior<Command> onRound(RunRound msg) {
    roundScheduled = false;
    if (pending.isEmpty() || offers.isEmpty()) {
      // A full cluster sends no offers: preemption is what makes room there.
      preemptForUnplaced();
      return this;
    }
    List<Offer> order = new ArrayList<>(offers.values());
    if (settings.offerOrder() == PlacementSettings.OfferOrder.RANDOM) {
      Collections.shuffle(order, new java.util.Random(random.nextLong()));
    } else {
      // By agent, not by offer: what is left of an agent comes back as a new offer, and must
      // still be tried before the agents first offered after it.
      order.sort(Comparator.comparingInt(o -> agentRank.get(o.agentId())));
    }
    // Only as many as may be persisting at once: the rest wait for the next round.
    int room = settings.maxAssignmentsInFlight() - assigning.size();
    if (room <= 0) {
      return this;
    }
    List<Matcher.Candidate> candidates = new ArrayList<>(Math.min(room, pending.size()));
    for (PendingTask t : pending.values()) {
      if (candidates.size() >= room) {
        break;
      }
      candidates.add(
          new Matcher.Candidate(
              t.taskId(),
              ResourceRequest.of(
                  t.config().resources(),
                  settings.executorOverheadCpu(),
                  settings.executorOverheadRamMb())));
    }
    List<Matcher.Placement> placements =
        preemption.roundHonouringReservations(
            candidates,
            order,
            Matcher.Candidate::taskId,
            c -> pending.get(c.taskId()).config(),
            Matcher.Placement::taskId,
            Matcher.Placement::offerId,
            Matcher::round);
    for (Matcher.Placement p : placements) {
      PendingTask task = pending.remove(p.taskId());
      Launching l = launching.computeIfAbsent(p.offerId(), id -> new Launching(offers.remove(id)));
      Assignment where = new Assignment(l.offer.agentId(), l.offer.host(), p.ports());
      l.tasks.put(
          task.taskId(), new LaunchTask(task.taskId(), task.instance(), task.config(), where));
      l.outstanding++;
      assigning.put(task.taskId(), p.offerId());
      getContext()
          .pipeToSelf(
              assignees.assign(task.instance(), task.taskId(), where, settings.assignTimeout()),
              (done, error) -> new AssignDone(p.offerId(), task.taskId(), error == null));
    }
    if (!pending.isEmpty()) {
      declineSplitOffers();
    }
    preemptForUnplaced();
    return this;
  }

  /**
   * An agent whose free resources came in several offers (some freed while an earlier offer was
   * out) may fit a waiting task only as a whole: tasks are still waiting, so decline its offers and
   * the backend offers them again as one.
   */
  private void declineSplitOffers() {
    Map<String, List<String>> byAgent = new HashMap<>();
    for (Offer o : offers.values()) {
      byAgent.computeIfAbsent(o.agentId(), a -> new ArrayList<>()).add(o.offerId());
    }
    for (List<String> ids : byAgent.values()) {
      if (ids.size() > 1) {
        for (String id : ids) {
          offers.remove(id);
          backend.tell(new ResourceBackend.Decline(id));
        }
      }
    }
  }

  private Behavior<Command> onAssignDone(AssignDone msg) {
    assigning.remove(msg.taskId());
    Launching l = launching.get(msg.offerId());
    if (l == null) {
      return this;
    }
    if (msg.ok()) {
      LaunchTask confirmed = l.tasks.get(msg.taskId());
      l.confirmed.add(confirmed);
      placed++;
      // The task holds resources on the agent from now on (preemption looks for victims there).
      placedTasks.add(
          new PlacedTask(
              confirmed.taskId(),
              confirmed.instance(),
              confirmed.config(),
              confirmed.assignment().agentId(),
              confirmed.assignment().host()));
    } else {
      // Killed meanwhile, or the instance did not answer in time: it re-registers if still PENDING.
      getContext().getLog().debug("Assignment of {} was refused or timed out.", msg.taskId());
    }
    if (--l.outstanding == 0) {
      launching.remove(msg.offerId());
      if (l.confirmed.isEmpty()) {
        backend.tell(new ResourceBackend.Decline(l.offer.offerId()));
      } else {
        backend.tell(new ResourceBackend.Launch(l.offer.offerId(), l.offer.agentId(), l.confirmed));
      }
      // Room for more assignments: place what waits on the offers still held.
      scheduleRound();
    }
    return this;
  }

  private Behavior<Command> onHostModes(HostModes msg) {
    hostModes = msg.modes();
    scheduleRound();
    return this;
  }

  private Behavior<Command> onStats(GetStats msg) {
    msg.replyTo().tell(new Stats(pending.size(), offers.size(), launching.size(), placed));
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Preemption (aurora-semantics §3.4)
  // ---------------------------------------------------------------------------------------------

  private Behavior<Command> onSearchSlots(SearchSlots msg) {
    preemption.searchSlots(waiting(), offers.values(), placedTasks);
    // Use what was found at once rather than after the next round.
    preemptForUnplaced();
    return this;
  }

  /** Tasks still waiting after a round get the slots cached for their group. */
  private void preemptForUnplaced() {
    if (pending.isEmpty() || !preemption.hasSlots()) {
      return;
    }
    for (Preemption.Interruption i : preemption.preempt(waiting(), offers.values(), placedTasks)) {
      PlacedTask victim = i.victim();
      getContext()
          .pipeToSelf(
              preemptees.preempt(
                  victim.instance(), victim.taskId(), i.message(), settings.assignTimeout()),
              (ok, error) -> new PreemptDone(victim.taskId(), error == null && ok));
    }
  }

  private List<Preemption.Waiting> waiting() {
    List<Preemption.Waiting> waiting = new ArrayList<>(pending.size());
    for (PendingTask t : pending.values()) {
      waiting.add(new Preemption.Waiting(t.taskId(), t.config()));
    }
    return waiting;
  }

  private Behavior<Command> onPreemptDone(PreemptDone msg) {
    if (!msg.ok()) {
      getContext().getLog().debug("Task {} was not preempted (no longer live).", msg.taskId());
      preemption.notPreempted(msg.taskId());
    }
    return this;
  }

  /**
   * The host vetoes a victim set must pass on an agent: none on a host going into maintenance.
   * TODO(lead): add the constraint and dedicated vetoes of the matcher here, evaluated with the
   * victims gone (a limit counts the job's tasks on the host minus the victims).
   */
  private Optional<Preemptor.HostCheck> preemptionVetoes(
      TaskConfig candidate, String agentId, Preemption.Agent agent) {
    MaintenanceMode mode = hostModes.getOrDefault(agent.host(), MaintenanceMode.NONE);
    if (mode == MaintenanceMode.DRAINING || mode == MaintenanceMode.DRAINED) {
      return Optional.empty();
    }
    return Optional.of(Preemptor.HostCheck.ANY);
  }
}
