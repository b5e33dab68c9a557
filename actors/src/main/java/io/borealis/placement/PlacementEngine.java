package io.borealis.placement;

import io.borealis.CborSerializable;
import io.borealis.backend.LaunchTask;
import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.Metrics;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.TaskConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * <p>Rounds apply Aurora's vetoes (aurora-semantics §3.3): dedicated hosts, maintenance, value and
 * limit constraints, resources; offers are tried hosts in service first, then SCHEDULED, DRAINING
 * and DRAINED ones. Limits count the job's tasks in the {@link TaskIndex}, those whose assignment
 * is being persisted and those placed earlier in the same round. The index learns a task when its
 * assignment is confirmed, from instances ({@link TaskPlaced} when they recover with a task on an
 * agent, {@link TaskGone} when it ends) and, when the engine starts, from a {@link
 * PlacedTasksSource}.
 *
 * <p>Preemption (aurora-semantics §3.4, state in {@link Preemption}, rules in {@link Preemptor}): a
 * periodic search finds, for task groups PENDING long enough, agents where taking lower-tier tasks
 * down makes room; after a round, a group still unplaced takes its cached slot, checks it again,
 * has its victims interrupted (through {@link Preemptees}) and holds the agent for a while.
 */
public final class PlacementEngine extends AbstractBehavior<PlacementEngine.Command> {

  /**
   * Aurora's counter prefix: LOST tasks by their agent's {@link #RACK} ({@code
   * tasks_lost_rack_r1}).
   */
  public static final String LOST_RACK = "tasks_lost_rack_";

  /** The host attribute naming an agent's rack. */
  public static final String RACK = "rack";

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
   * deleted): placement forgets it. {@code lost}: it ended LOST, which placement counts by the rack
   * of its agent ({@code tasks_lost_rack_<rack>}), since it knows the agents' attributes.
   */
  public record TaskGone(String taskId, boolean lost) implements Command {
    public TaskGone(String taskId) {
      this(taskId, false);
    }
  }

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

  /**
   * Why each PENDING task of a job waits (aurora-semantics §3.3 getPendingReason): the vetoes of
   * the offer nearest to fitting its group, in words; tasks placement has not heard of yet are not
   * listed.
   */
  public record GetPendingReasons(JobKey job, ActorRef<PendingReasons> replyTo)
      implements Command {}

  /** The reasons of one job's waiting tasks, by instance. */
  public record PendingReasons(List<PendingReason> items) implements CborSerializable {
    public PendingReasons {
      items = List.copyOf(items);
    }
  }

  /** Why one task waits. */
  public record PendingReason(String taskId, int instanceId, String reason)
      implements CborSerializable {}

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

  /** The tasks that held resources when the engine started, as the read side knew them. */
  private record Seeded(List<PlacedTask> tasks) implements Command {}

  private record PendingTask(
      String taskId, InstanceKey instance, TaskConfig config, Demand demand) {}

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

  /** The counters the engine bumps, under Aurora's names. */
  static final List<String> COUNTERS =
      List.of(
          "scheduler_resource_offers",
          "schedule_attempts_fired",
          "schedule_attempts_no_match",
          "scheduling_veto_static",
          "scheduling_veto_dynamic",
          "scheduling_veto_mixed",
          "scheduling_veto_constraint_mismatch",
          "scheduling_veto_dedicated_constraint_mismatch",
          "scheduling_veto_insufficient_resources",
          "scheduling_veto_limit_not_satisfied",
          "scheduling_veto_maintenance");

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

  /**
   * Pending reasons already worked out since the last round, by demand: task reads ask for them
   * often, and each is a walk over every offer. Offers, host modes and limit counts change at
   * rounds, so a reason is at most one round old.
   */
  private final Map<Demand, String> reasonsThisRound = new HashMap<>();

  /** The tasks holding resources on agents, for constraints, preemption and maintenance. */
  private final TaskIndex placedTasks = new TaskIndex();

  /** Hosts in maintenance (absent: NONE). */
  private Map<String, MaintenanceMode> hostModes = Map.of();

  /** Agent id → when it was first offered, for the STABLE offer order. */
  private final Map<String, Integer> agentRank = new HashMap<>();

  /** Task id → offer id, for tasks whose assignment is being persisted. */
  private final Map<String, String> assigning = new HashMap<>();

  /** The tasks whose assignment is being persisted, where they go: limits count them already. */
  private final Map<String, PlacedTask> inFlight = new HashMap<>();

  /**
   * Tasks heard gone while their assignment was in flight (or before the seed arrived), so a late
   * confirmation or seed does not bring them back.
   */
  private final Set<String> goneEarly = new HashSet<>();

  private boolean seeded;

  /**
   * Agent id → its host attributes, from the latest offer. An agent that offered nothing since the
   * engine started (it is full) counts by its host name only until it offers again.
   */
  private final Map<String, Map<String, Set<String>>> agentAttributes = new HashMap<>();

  private final Metrics metrics;

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
        Clock.systemUTC(),
        PlacedTasksSource.NONE);
  }

  /** An engine that never preempts, its task index seeded from {@code placedTasksSource}. */
  public static Behavior<Command> create(
      ActorRef<ResourceBackend.Command> backend,
      Assignees assignees,
      PlacementSettings settings,
      RandomGenerator random,
      PlacedTasksSource placedTasksSource) {
    return create(
        backend,
        assignees,
        Preemptees.NONE,
        settings,
        PreemptionSettings.DISABLED,
        random,
        Clock.systemUTC(),
        placedTasksSource);
  }

  /** An engine that preempts, with nothing to seed its task index but the instances' reports. */
  public static Behavior<Command> create(
      ActorRef<ResourceBackend.Command> backend,
      Assignees assignees,
      Preemptees preemptees,
      PlacementSettings settings,
      PreemptionSettings preemption,
      RandomGenerator random,
      Clock clock) {
    return create(
        backend,
        assignees,
        preemptees,
        settings,
        preemption,
        random,
        clock,
        PlacedTasksSource.NONE);
  }

  public static Behavior<Command> create(
      ActorRef<ResourceBackend.Command> backend,
      Assignees assignees,
      Preemptees preemptees,
      PlacementSettings settings,
      PreemptionSettings preemption,
      RandomGenerator random,
      Clock clock,
      PlacedTasksSource placedTasksSource) {
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
                        clock,
                        placedTasksSource)));
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
      Clock clock,
      PlacedTasksSource placedTasksSource) {
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
    this.metrics = Metrics.of(context.getSystem());
    // Read from the metrics' thread: a size read racing a change is off by one at worst.
    metrics.gauge("outstanding_offers", offers::size);
    // Every counter of aurora-semantics §8 this engine owns exists from the start, at 0.
    for (String name : COUNTERS) {
      metrics.counter(name);
    }
    context.pipeToSelf(
        placedTasksSource.placedTasks(),
        (tasks, error) -> {
          if (error != null) {
            context.getLog().warn("Could not read the placed tasks; instances will report", error);
          }
          return new Seeded(tasks == null ? List.of() : tasks);
        });
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
        .onMessage(GetPendingReasons.class, this::onPendingReasons)
        .onMessage(Seeded.class, this::onSeeded)
        .build();
  }

  private Behavior<Command> onPending(TaskPending msg) {
    if (!pending.containsKey(msg.taskId()) && !assigning.containsKey(msg.taskId())) {
      pending.put(
          msg.taskId(),
          new PendingTask(
              msg.taskId(), msg.instance(), msg.config(), Demand.of(msg.config(), settings)));
      scheduleRound();
    }
    preemption.pending(msg.taskId(), msg.since());
    return this;
  }

  private Behavior<Command> onGone(TaskGone msg) {
    pending.remove(msg.taskId());
    Optional<PlacedTask> placed = placedTasks.remove(msg.taskId());
    if (msg.lost()) {
      placed.ifPresent(this::countLostOnRack);
    }
    preemption.gone(msg.taskId());
    if (assigning.containsKey(msg.taskId()) || !seeded) {
      goneEarly.add(msg.taskId());
    }
    return this;
  }

  /**
   * Aurora's {@code tasks_lost_rack_<rack>}, by the {@code rack} attribute of the task's agent as
   * it last offered (an agent that has not offered since placement started is not known by rack).
   */
  private void countLostOnRack(PlacedTask task) {
    Set<String> racks =
        agentAttributes.getOrDefault(task.agentId(), Map.of()).getOrDefault(RACK, Set.of());
    racks.forEach(rack -> metrics.counter(LOST_RACK + rack).increment());
  }

  private Behavior<Command> onPlaced(TaskPlaced msg) {
    pending.remove(msg.task().taskId());
    placedTasks.add(msg.task());
    goneEarly.remove(msg.task().taskId());
    return this;
  }

  private Behavior<Command> onSeeded(Seeded msg) {
    for (PlacedTask t : msg.tasks()) {
      // Instances that reported already know better than the read side.
      if (!goneEarly.contains(t.taskId()) && placedTasks.get(t.taskId()).isEmpty()) {
        placedTasks.add(t);
      }
    }
    seeded = true;
    goneEarly.removeIf(id -> !assigning.containsKey(id));
    return this;
  }

  private Behavior<Command> onBackend(FromBackend msg) {
    OfferEvent event = msg.event();
    if (event instanceof OfferEvent.OfferReceived r) {
      offers.put(r.offer().offerId(), r.offer());
      preemption.offered(r.offer());
      agentRank.putIfAbsent(r.offer().agentId(), agentRank.size());
      agentAttributes.put(r.offer().agentId(), Slot.withHost(r.offer()));
      metrics.counter("scheduler_resource_offers").increment();
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
    reasonsThisRound.clear();
    if (pending.isEmpty() || offers.isEmpty()) {
      // A full cluster sends no offers: preemption is what makes room there.
      preemptForUnplaced();
      return this;
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
      candidates.add(new Matcher.Candidate(t.taskId(), t.demand()));
    }
    List<Matcher.Placement> placements =
        preemption.roundHonouringReservations(
            candidates,
            offerOrder(),
            Matcher.Candidate::taskId,
            c -> pending.get(c.taskId()).config(),
            Matcher.Placement::taskId,
            Matcher.Placement::offerId,
            (some, offered) -> {
              Matcher.Outcome outcome = Matcher.round(some, offered, context(limitedJobs(some)));
              count(outcome);
              return outcome.placements();
            });
    for (Matcher.Placement p : placements) {
      PendingTask task = pending.remove(p.taskId());
      Launching l = launching.computeIfAbsent(p.offerId(), id -> new Launching(offers.remove(id)));
      Assignment where = new Assignment(l.offer.agentId(), l.offer.host(), p.ports());
      l.tasks.put(
          task.taskId(), new LaunchTask(task.taskId(), task.instance(), task.config(), where));
      l.outstanding++;
      assigning.put(task.taskId(), p.offerId());
      inFlight.put(
          task.taskId(),
          new PlacedTask(
              task.taskId(), task.instance(), task.config(), where.agentId(), where.host()));
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

  /** The offers in the order a round tries them: by maintenance mode, then as configured. */
  private List<Offer> offerOrder() {
    List<Offer> order = new ArrayList<>(offers.values());
    if (settings.offerOrder() == PlacementSettings.OfferOrder.RANDOM) {
      Collections.shuffle(order, new java.util.Random(random.nextLong()));
    } else {
      // By agent, not by offer: what is left of an agent comes back as a new offer, and must
      // still be tried before the agents first offered after it.
      order.sort(Comparator.comparingInt(o -> agentRank.get(o.agentId())));
    }
    return Matcher.inMaintenanceOrder(order, hostModes);
  }

  private static Set<JobKey> limitedJobs(List<Matcher.Candidate> candidates) {
    Set<JobKey> jobs = new HashSet<>();
    for (Matcher.Candidate c : candidates) {
      if (!c.demand().limits().isEmpty()) {
        jobs.add(c.demand().job());
      }
    }
    return jobs;
  }

  /**
   * What a round or a pending reason knows of the cluster: host modes, and for the given jobs how
   * many of their tasks hold (or are being given) resources per attribute value. A job not given
   * counts as having none, which only limits read.
   */
  private Matcher.Context context(Set<JobKey> jobs) {
    if (jobs.isEmpty()) {
      return new Matcher.Context(hostModes, Matcher.Usage.NONE);
    }
    Map<JobKey, Map<String, Map<String, Integer>>> counts = new HashMap<>();
    for (JobKey job : jobs) {
      Map<String, Map<String, Integer>> byName = new HashMap<>();
      counts.put(job, byName);
      for (PlacedTask t : placedTasks.ofJob(job)) {
        countAttributes(t, byName);
      }
    }
    for (PlacedTask t : inFlight.values()) {
      Map<String, Map<String, Integer>> byName = counts.get(t.job());
      if (byName != null && placedTasks.get(t.taskId()).isEmpty()) {
        countAttributes(t, byName);
      }
    }
    return new Matcher.Context(
        hostModes,
        (job, name, value) -> {
          Map<String, Map<String, Integer>> byName = counts.get(job);
          return byName == null ? 0 : byName.getOrDefault(name, Map.of()).getOrDefault(value, 0);
        });
  }

  private void countAttributes(PlacedTask t, Map<String, Map<String, Integer>> byName) {
    Map<String, Set<String>> attributes =
        agentAttributes.getOrDefault(t.agentId(), Map.of(Slot.HOST, Set.of(t.host())));
    attributes.forEach(
        (name, values) -> {
          Map<String, Integer> byValue = byName.computeIfAbsent(name, n -> new HashMap<>());
          for (String v : values) {
            byValue.merge(v, 1, Integer::sum);
          }
        });
  }

  private void count(Matcher.Outcome outcome) {
    metrics.counter("schedule_attempts_fired").add(outcome.tried());
    metrics.counter("schedule_attempts_no_match").add(outcome.unmatched());
    outcome.vetoes().forEach((suffix, n) -> metrics.counter("scheduling_veto_" + suffix).add(n));
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
    PlacedTask where = inFlight.remove(msg.taskId());
    boolean goneMeanwhile = goneEarly.remove(msg.taskId());
    if (msg.ok() && where != null && !goneMeanwhile) {
      // It holds resources on the agent from now on: limits count it, preemption may take it.
      placedTasks.add(where);
    }
    Launching l = launching.get(msg.offerId());
    if (l == null) {
      return this;
    }
    if (msg.ok()) {
      l.confirmed.add(l.tasks.get(msg.taskId()));
      placed++;
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
   * The host vetoes a victim set must pass on an agent (aurora-semantics §3.4: the filter with the
   * victims gone): dedicated host, maintenance, value constraints, and limits counting the job's
   * tasks there less the victims of the same job. Empty when the host refuses the candidate
   * whatever is preempted.
   */
  private Optional<Preemptor.HostCheck> preemptionVetoes(
      TaskConfig candidate, String agentId, Preemption.Agent agent) {
    Demand demand = Demand.of(candidate, settings);
    Map<String, Set<String>> attributes =
        new HashMap<>(
            Optional.ofNullable(agentAttributes.get(agentId))
                .or(agent::attributes)
                .orElse(Map.of()));
    // Every host is its own attribute `host`, as in a round.
    attributes.putIfAbsent(Slot.HOST, Set.of(agent.host()));
    MaintenanceMode mode = hostModes.getOrDefault(agent.host(), MaintenanceMode.NONE);
    Matcher.Usage usage =
        context(demand.limits().isEmpty() ? Set.of() : Set.of(demand.job())).usage();
    if (!Vetoes.ofHost(demand, attributes, mode, usage).isEmpty() && demand.limits().isEmpty()) {
      // Nothing a victim frees changes a static veto.
      return Optional.empty();
    }
    return Optional.of(
        victims -> {
          // Victims of the job on this host share its attribute values: each counts once less.
          int gone = 0;
          for (PlacedTask v : victims) {
            if (v.job().equals(demand.job())) {
              gone++;
            }
          }
          int less = gone;
          Matcher.Usage after = (job, name, value) -> usage.count(job, name, value) - less;
          return Vetoes.ofHost(demand, attributes, mode, after).isEmpty();
        });
  }

  private Behavior<Command> onPendingReasons(GetPendingReasons msg) {
    // Once per group: tasks of equal demand wait for the same reason.
    Map<Demand, String> reasons = reasonsThisRound;
    // Nearest fit first by score; ties go to the offer held longest (no shuffle: no randomness
    // spent on a query).
    List<Offer> order = new ArrayList<>(offers.values());
    Matcher.Context context = context(Set.of(msg.job()));
    List<PendingReason> items = new ArrayList<>();
    for (PendingTask t : pending.values()) {
      if (t.instance().job().equals(msg.job())) {
        String reason =
            reasons.computeIfAbsent(t.demand(), d -> Matcher.pendingReason(d, order, context));
        items.add(new PendingReason(t.taskId(), t.instance().instanceId(), reason));
      }
    }
    items.sort(Comparator.comparingInt(PendingReason::instanceId));
    msg.replyTo().tell(new PendingReasons(items));
    return this;
  }
}
