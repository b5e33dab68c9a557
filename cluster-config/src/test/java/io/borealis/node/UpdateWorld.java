package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.borealis.backend.FleetControl;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.PortRange;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.sim.SimBackend;
import io.borealis.backend.sim.SimFleetControl;
import io.borealis.backend.sim.SimSettings;
import io.borealis.common.EventFeed;
import io.borealis.common.SnapshotPolicy;
import io.borealis.common.Tags;
import io.borealis.host.BackendHost;
import io.borealis.job.JobEntity;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.ProcessConfig;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import io.borealis.placement.PlacementEngine;
import io.borealis.placement.PlacementSettings;
import io.borealis.task.InstanceEvent;
import io.borealis.task.LocalInstanceChanges;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import io.borealis.task.TaskSettings;
import io.borealis.update.InstanceAction;
import io.borealis.update.JobUpdateEntity;
import io.borealis.update.OperatorAction;
import io.borealis.update.PulseStatus;
import io.borealis.update.UpdateEngine;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateKey;
import io.borealis.update.UpdateStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/**
 * One job on a simulated fleet, for update scenarios (aurora-semantics §9.0) against the real
 * entities: the placement engine, the backend host with the sim backend (auto_run off: a launched
 * task stays ASSIGNED until the test reports a status as its agent would), a task instance entity
 * per instance, the job entity and its update entities, all in one {@link ActorTestKit} on the
 * in-memory journal, with one hand-moved clock advanced together with {@link ManualTime}. Wiring is
 * the node's ({@code Guardian}) minus sharding and HTTP: entities are addressed through maps.
 *
 * <p>Differences from a node, to match §9.0's fixture, where no scheduler runs: the agents carry
 * out a kill only when the test says the task is KILLED ({@link #holdKills}; the sim would kill at
 * once); the fleet's offers can be held ({@link #holdOffers}) so a task that becomes PENDING stays
 * so; and the task timers the fixture does not run (transient-state timeout, kill retries) are set
 * to 30 days, so a day of manual time does not turn a KILLING task LOST. Agents fit one task each,
 * so a scenario chooses how many tasks can run at once.
 *
 * <p>Every step ends by {@link #settle settling}: round trips through the update entities, the
 * instances, placement and the fleet until what they report stays the same three times running.
 */
final class UpdateWorld implements AutoCloseable {

  /** The test kit's configuration: manual time and the in-memory journal, no cluster. */
  static Config config() {
    return ManualTime.config()
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(
            ConfigFactory.parseString(
                "pekko.loglevel = WARNING\n"
                    + "pekko.actor.provider = local\n"
                    + "pekko.log-dead-letters = off\n"))
        .withFallback(ConfigFactory.defaultReference());
  }

  static final Duration ASK = Duration.ofSeconds(10);
  static final String USER = "user";

  /** §9.0's fixture: the clock starts at the epoch; flapping threshold 1 ms. */
  static final TaskSettings TASKS =
      new TaskSettings(
          Duration.ofDays(30),
          Duration.ofDays(30),
          Duration.ofMillis(1),
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          1000,
          Duration.ofSeconds(30),
          Duration.ofDays(365),
          SnapshotPolicy.every(100));

  /** §9.0: SLA min-required-instances 3, SLA-kill retry delay 2000 ms. */
  static final UpdateEngine.Settings ENGINE =
      new UpdateEngine.Settings(3, false, Duration.ofSeconds(2), Duration.ofSeconds(2));

  /** An agent fits exactly one task of {@link #config}: a fleet's size is its number of slots. */
  static final FleetControl.AgentSpec ONE_SLOT_AGENT =
      new FleetControl.AgentSpec(1, 1, 1024, 1024, List.of(new PortRange(31000, 31009)), Map.of());

  private static final AtomicInteger nextWorld = new AtomicInteger();

  /** A clock the test moves by hand, alongside {@link ManualTime}. */
  static final class TestClock extends Clock {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.EPOCH);

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  final ActorTestKit kit;
  final ManualTime time;
  final TestClock clock = new TestClock();
  final JobKey job;
  final TaskConfig oldConfig;
  final TaskConfig newConfig;

  /** Whether the agents wait for the test to report KILLED (§9.0) or kill at once. */
  volatile boolean holdKills = true;

  private volatile boolean holdOffers;
  private final AtomicReference<ActorRef<Object>> offerGate = new AtomicReference<>();

  /** Task ids the backend was asked to kill (Aurora's "driver kill" count), in order. */
  final List<String> kills = new CopyOnWriteArrayList<>();

  /** Every update event persisted, in order, whichever update entity persisted it. */
  final List<UpdateEvent> fed = new CopyOnWriteArrayList<>();

  private final Map<Integer, ActorRef<TaskInstanceEntity.Command>> instances =
      new ConcurrentHashMap<>();
  private final Map<UpdateKey, ActorRef<JobUpdateEntity.Command>> updates =
      new ConcurrentHashMap<>();
  private final List<ActorRef<?>> others = new CopyOnWriteArrayList<>();
  private final LocalInstanceChanges changes = new LocalInstanceChanges();
  private final Map<String, InstanceKey> owners = new ConcurrentHashMap<>();
  private final AtomicLong uuids = new AtomicLong(1);
  private final long worldId = nextWorld.incrementAndGet();
  private final ActorRef<PlacementEngine.Command> placement;
  private final ActorRef<ResourceBackend.Command> backend;
  private final FleetControl fleet;
  private final ActorRef<JobEntity.Command> jobRef;
  private final TaskInstanceEntity.Deps instanceDeps;
  private final JobUpdateEntity.Deps updateDeps;

  UpdateWorld(ActorTestKit kit) {
    this.kit = kit;
    this.time = ManualTime.get(kit.system());
    this.job = new JobKey("role", "env", "job" + worldId);
    this.oldConfig = config(job, "./server --version 1", 1);
    this.newConfig = config(job, "./server --version 2", 1);

    AtomicReference<ActorRef<ResourceBackend.Command>> backendRef = new AtomicReference<>();
    PlacementSettings placementSettings =
        new PlacementSettings(
            0,
            0,
            PlacementSettings.OfferOrder.STABLE,
            Duration.ofMinutes(1),
            Duration.ofSeconds(30),
            100);
    placement =
        kit.spawn(
            Behaviors.setup(
                c ->
                    PlacementEngine.create(
                        awaitSet(backendRef),
                        TaskInstanceEntity.assignees(
                            k -> instance(k.instanceId()), kit.system().scheduler()),
                        placementSettings,
                        new Random(worldId))));
    SimSettings sim =
        new SimSettings(
            new FleetControl.AgentSpec(0, 1, 1024, 1024, List.of(), Map.of()),
            new FleetControl.Behaviour(false, 0, 0, 1),
            Duration.ofMinutes(1),
            Duration.ofSeconds(5));
    ResourceBackend.Factory factory =
        ResourceBackend.Factory.of("sim", listeners -> agents(listeners, sim));
    backend =
        kit.spawn(
            BackendHost.create(
                factory,
                placement,
                k -> instance(k.instanceId()),
                taskId -> Optional.ofNullable(owners.get(taskId)),
                ASK,
                100));
    backendRef.set(backend);
    fleet =
        new SimFleetControl(
            backend, kit.system().scheduler(), kit.system().executionContext(), ASK);
    instanceDeps =
        new TaskInstanceEntity.Deps(
            clock,
            () -> new UUID(worldId, uuids.getAndIncrement()),
            new Random(worldId),
            TASKS,
            placement,
            backend,
            // The node locates a task's instance through its read view; here, by the tasks made.
            (pid, seqNr, events) ->
                events.forEach(
                    e -> {
                      if (e instanceof InstanceEvent.TaskCreated c) {
                        owners.put(c.task().taskId(), c.instance());
                      }
                    }),
            Tags.SINGLE,
            changes);
    jobRef =
        kit.spawn(
            JobEntity.create(
                job,
                new JobEntity.Deps(
                    clock,
                    k -> instance(k.instanceId()),
                    ASK,
                    1000,
                    SnapshotPolicy.every(100),
                    Duration.ofDays(365),
                    EventFeed.NONE,
                    Tags.SINGLE,
                    (j, id) ->
                        AskPattern.ask(
                            update(new UpdateKey(j, id)),
                            JobUpdateEntity.IsActive::new,
                            ASK,
                            kit.system().scheduler())),
                Optional.empty()));
    updateDeps =
        new JobUpdateEntity.Deps(
            clock,
            new UpdateEngine(ENGINE),
            k -> instance(k.instanceId()),
            k -> jobRef,
            this::update,
            changes,
            (policy, instance, taskId, config) -> CompletableFuture.completedFuture(true),
            ASK,
            SnapshotPolicy.every(100),
            Duration.ofDays(365),
            (pid, seqNr, events) -> events.forEach(e -> fed.add((UpdateEvent) e)),
            Tags.SINGLE);
    others.add(placement);
    others.add(backend);
    others.add(jobRef);
  }

  /**
   * The sim's agents behind a door that counts kills and, while {@link #holdKills}, lets the test
   * end them; their offers pass a gate that holds them while {@link #holdOffers}.
   */
  private Behavior<ResourceBackend.Command> agents(
      ResourceBackend.Listeners listeners, SimSettings settings) {
    return Behaviors.setup(
        context -> {
          ActorRef<Object> gate = context.spawn(offerGate(listeners.offers()), "offer-gate");
          offerGate.set(gate);
          ActorRef<ResourceBackend.Command> sim =
              context.spawn(
                  SimBackend.create(
                      new ResourceBackend.Listeners(gate.narrow(), listeners.statuses()),
                      settings,
                      clock),
                  "sim");
          return Behaviors.receive(ResourceBackend.Command.class)
              .onMessage(
                  ResourceBackend.Command.class,
                  m -> {
                    if (m instanceof ResourceBackend.Kill k) {
                      kills.add(k.taskId());
                      if (holdKills) {
                        return Behaviors.same();
                      }
                    }
                    sim.tell(m);
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** Releases the offers the gate holds. */
  private record ReleaseOffers() {}

  private Behavior<Object> offerGate(ActorRef<OfferEvent> placement) {
    List<OfferEvent> held = new ArrayList<>();
    return Behaviors.receive(Object.class)
        .onMessage(
            OfferEvent.class,
            e -> {
              if (holdOffers) {
                held.add(e);
              } else {
                placement.tell(e);
              }
              return Behaviors.same();
            })
        .onMessage(
            ReleaseOffers.class,
            r -> {
              held.forEach(placement::tell);
              held.clear();
              return Behaviors.same();
            })
        .build();
  }

  /**
   * While set, the fleet's offers wait: a task that becomes PENDING stays so, as in §9.0's fixture
   * where no scheduler places tasks (on the sim placement would assign it at once).
   */
  void holdOffers(boolean hold) {
    holdOffers = hold;
    if (!hold) {
      awaitSet(offerGate).tell(new ReleaseOffers());
    }
    settle();
  }

  /** OLD and NEW of §9.0 differ only in what the executor runs. */
  static TaskConfig config(JobKey job, String command, double cpu) {
    TaskConfig base =
        TaskConfig.simple(job, true, Resources.of(cpu, 1024, 1024, "http")).withMaxTaskFailures(-1);
    return new TaskConfig(
        base.job(),
        base.taskName(),
        true,
        "preferred",
        true,
        1,
        -1,
        base.resources(),
        List.of(new ProcessConfig("main", command, 1, false, false, 0, false, Map.of())),
        List.of(),
        Map.of(),
        Optional.empty(),
        base.partitionPolicy(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  /** §9.0's settings: Queue(1), rollback on failure, watch 2 s, no failure tolerated. */
  static UpdateSettings settings(UpdateStrategy strategy) {
    return new UpdateSettings(
        1, 2, 0, 0, true, false, Optional.empty(), false, Optional.empty(), strategy);
  }

  static final UpdateSettings DEFAULT = settings(new UpdateStrategy.Queue(1));

  ActorRef<TaskInstanceEntity.Command> instance(int id) {
    return instances.computeIfAbsent(
        id,
        i -> kit.spawn(TaskInstanceEntity.create(job.instance(i), instanceDeps, Optional.empty())));
  }

  ActorRef<JobUpdateEntity.Command> update(UpdateKey key) {
    return updates.computeIfAbsent(
        key, k -> kit.spawn(JobUpdateEntity.create(k, updateDeps, Optional.empty())));
  }

  UpdateKey key(String id) {
    return new UpdateKey(job, id);
  }

  // ---------------------------------------------------------------------------------------------
  // The job and its tasks

  /**
   * The job with a RUNNING task of the given configuration on each given instance (ids in between
   * absent), on a fleet of {@code slots} one-task agents. The job is created on an empty fleet, so
   * its tasks wait while the absent ones are removed and the others given their configuration.
   */
  UpdateWorld running(Map<Integer, TaskConfig> tasks, int slots) {
    int count = tasks.keySet().stream().mapToInt(i -> i).max().orElseThrow() + 1;
    createJob(count, oldConfig);
    for (int i = 0; i < count; i++) {
      TaskConfig wanted = tasks.get(i);
      if (wanted == null || !wanted.equals(oldConfig)) {
        remove(i);
      }
      if (wanted != null && !wanted.equals(oldConfig)) {
        schedule(i, wanted);
      }
    }
    addAgents(slots);
    for (int i : tasks.keySet()) {
      comesUp(i);
    }
    kills.clear();
    return this;
  }

  UpdateWorld running(Map<Integer, TaskConfig> tasks) {
    return running(tasks, 8);
  }

  /** Creates the job with {@code count} PENDING tasks of {@code config}. */
  void createJob(int count, TaskConfig config) {
    TestProbe<StatusReply<JobEntity.Created>> created = kit.createTestProbe();
    jobRef.tell(new JobEntity.Create(proposed(config, count, DEFAULT), USER, created.ref()));
    assertThat(created.receiveMessage(ASK).isSuccess()).isTrue();
    for (int i = 0; i < count; i++) {
      int id = i;
      await("instance " + i + " PENDING", () -> active(id).isPresent());
    }
    settle();
  }

  /** Removes a PENDING task (a kill deletes it; no agent is involved). */
  void remove(int instance) {
    ScheduledTask t = active(instance).orElseThrow();
    assertThat(t.status()).isEqualTo(ScheduleStatus.PENDING);
    TestProbe<TaskInstanceEntity.KillResult> probe = kit.createTestProbe();
    instance(instance).tell(new TaskInstanceEntity.KillTask(t.taskId(), "setup", probe.ref()));
    probe.receiveMessage(ASK);
    await("instance " + instance + " without a task", () -> active(instance).isEmpty());
    settle();
  }

  /** Inserts a PENDING task of {@code config} for the instance (as an update's add would). */
  void schedule(int instance, TaskConfig config) {
    TestProbe<StatusReply<TaskInstanceEntity.Scheduled>> probe = kit.createTestProbe();
    instance(instance)
        .tell(
            new TaskInstanceEntity.Schedule(
                config, "setup-" + uuids.getAndIncrement(), probe.ref()));
    assertThat(probe.receiveMessage(ASK).isSuccess()).isTrue();
    settle();
  }

  void addAgents(int count) {
    join(
        fleet.addAgents(
            new FleetControl.AgentSpec(
                count,
                ONE_SLOT_AGENT.cpu(),
                ONE_SLOT_AGENT.ramMb(),
                ONE_SLOT_AGENT.diskMb(),
                ONE_SLOT_AGENT.ports(),
                Map.of())));
    settle();
  }

  /** The instance's placed task starts: STARTING, RUNNING (it was ASSIGNED by placement). */
  UpdateWorld comesUp(int instance) {
    await(
        "instance " + instance + " ASSIGNED",
        () -> active(instance).map(t -> t.status() == ScheduleStatus.ASSIGNED).orElse(false));
    return drive(instance, ScheduleStatus.STARTING, ScheduleStatus.RUNNING);
  }

  /** The agent of the instance's active task reports each status in turn. */
  UpdateWorld drive(int instance, ScheduleStatus... statuses) {
    for (ScheduleStatus s : statuses) {
      ScheduledTask t =
          active(instance)
              .orElseThrow(() -> new AssertionError("instance " + instance + " has no task"));
      // A task placement has just assigned may not have reached its agent yet: an agent ignores
      // a status for a task it does not run, so asking again is harmless.
      await(
          "the fleet runs task " + t.taskId() + " of instance " + instance,
          () -> join(fleet.reportStatus(t.taskId(), s, Optional.empty(), "sim")));
      await(
          "instance " + instance + " " + s,
          () ->
              latest(instance)
                  .map(l -> !l.taskId().equals(t.taskId()) || l.status() == s)
                  .orElse(false));
      settle();
    }
    return this;
  }

  /** The agent carries out the kill it was asked for: the KILLING task ends KILLED. */
  UpdateWorld killed(int instance) {
    ScheduledTask t = active(instance).orElseThrow();
    assertThat(t.status())
        .as("instance %d is being killed", instance)
        .isEqualTo(ScheduleStatus.KILLING);
    return drive(instance, ScheduleStatus.KILLED);
  }

  Optional<ScheduledTask> latest(int instance) {
    TestProbe<InstanceSummary> probe = kit.createTestProbe();
    instance(instance).tell(new TaskInstanceEntity.Describe(probe.ref()));
    return probe.receiveMessage(ASK).latest();
  }

  Optional<ScheduledTask> active(int instance) {
    return latest(instance).filter(t -> t.status().isActive());
  }

  /** Instance to the configuration of its active task, over every instance the world knows. */
  Map<Integer, TaskConfig> configs() {
    Map<Integer, TaskConfig> m = new TreeMap<>();
    for (int i : List.copyOf(instances.keySet())) {
      active(i).ifPresent(t -> m.put(i, t.config()));
    }
    return m;
  }

  int kills() {
    return kills.size();
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /**
   * Moves the clock and the timers together, a second at a time up to a minute (so timers due in
   * between fire at their time), in one step beyond.
   */
  UpdateWorld advance(Duration d) {
    Duration left = d;
    Duration step = d.compareTo(Duration.ofMinutes(1)) > 0 ? d : Duration.ofSeconds(1);
    while (!left.isZero() && !left.isNegative()) {
      Duration now = left.compareTo(step) < 0 ? left : step;
      clock.now.updateAndGet(t -> t.plus(now));
      time.timePasses(now);
      settle();
      left = left.minus(now);
    }
    return this;
  }

  UpdateWorld advanceSecs(long secs) {
    return advance(Duration.ofSeconds(secs));
  }

  // ---------------------------------------------------------------------------------------------
  // Updates

  JobConfiguration proposed(TaskConfig config, int count, UpdateSettings settings) {
    return new JobConfiguration(
        job, count, config, settings, Optional.empty(), CronCollisionPolicy.KILL_EXISTING);
  }

  StatusReply<JobUpdateEntity.Started> startReply(
      String id, JobConfiguration proposed, Set<Integer> scope, Map<String, String> metadata) {
    TestProbe<StatusReply<JobUpdateEntity.Started>> probe = kit.createTestProbe();
    update(key(id))
        .tell(
            new JobUpdateEntity.Start(
                proposed, scope, USER, metadata, Optional.of("message"), probe.ref()));
    StatusReply<JobUpdateEntity.Started> reply = probe.receiveMessage(ASK);
    settle();
    return reply;
  }

  JobUpdateEntity.Started start(String id, JobConfiguration proposed) {
    return start(id, proposed, Set.of());
  }

  JobUpdateEntity.Started start(String id, JobConfiguration proposed, Set<Integer> scope) {
    StatusReply<JobUpdateEntity.Started> reply = startReply(id, proposed, scope, Map.of());
    assertThat(reply.isSuccess()).as("start: %s", reply).isTrue();
    return reply.getValue();
  }

  StatusReply<JobUpdateEntity.Acted> act(String id, OperatorAction action) {
    TestProbe<StatusReply<JobUpdateEntity.Acted>> probe = kit.createTestProbe();
    update(key(id))
        .tell(new JobUpdateEntity.Act(action, USER, Optional.of("message"), probe.ref()));
    StatusReply<JobUpdateEntity.Acted> reply = probe.receiveMessage(ASK);
    settle();
    return reply;
  }

  PulseStatus pulse(String id) {
    TestProbe<PulseStatus> probe = kit.createTestProbe();
    update(key(id)).tell(new JobUpdateEntity.PulseIt(USER, probe.ref()));
    PulseStatus answer = probe.receiveMessage(ASK);
    settle();
    return answer;
  }

  /** Stops the update entity and starts it again from its journal, as after a node restart. */
  void restart(String id) {
    ActorRef<JobUpdateEntity.Command> ref = updates.remove(key(id));
    if (ref != null) {
      kit.stop(ref, ASK);
    }
    update(key(id));
    settle();
  }

  /** The update's status, from the events it persisted. */
  UpdateStatus status(String id) {
    UpdateStatus status = null;
    for (UpdateEvent e : fed) {
      if (!e.updateId().equals(id)) {
        continue;
      }
      if (e instanceof UpdateEvent.UpdateStarted s) {
        status = s.status();
      } else if (e instanceof UpdateEvent.StatusChanged c) {
        status = c.to();
      }
    }
    return status;
  }

  /** The update's status changes, "FROM->TO" in order. */
  List<String> transitions(String id) {
    List<String> all = new ArrayList<>();
    for (UpdateEvent e : fed) {
      if (e.updateId().equals(id) && e instanceof UpdateEvent.StatusChanged c) {
        all.add(c.from() + "->" + c.to());
      }
    }
    return all;
  }

  /** The message of the update's latest status event. */
  Optional<String> message(String id) {
    Optional<String> message = Optional.empty();
    for (UpdateEvent e : fed) {
      if (!e.updateId().equals(id)) {
        continue;
      }
      if (e instanceof UpdateEvent.UpdateStarted s) {
        message = s.message();
      } else if (e instanceof UpdateEvent.StatusChanged c) {
        message = c.message();
      }
    }
    return message;
  }

  /** One instance's events in §9.0's abbreviations (U, D, F, RB, RD, RF). */
  List<String> eventsOf(String id, int instance) {
    return instanceEvents(id).getOrDefault(instance, List.of());
  }

  /** Every instance's events in §9.0's abbreviations, SLA events left out. */
  Map<Integer, List<String>> instanceEvents(String id) {
    Map<Integer, List<String>> all = new TreeMap<>();
    for (UpdateEvent e : fed) {
      if (e.updateId().equals(id) && e instanceof UpdateEvent.InstanceTransitioned t) {
        all.computeIfAbsent(t.instance(), k -> new ArrayList<>()).add(abbreviation(t.action()));
      }
    }
    return all;
  }

  static String abbreviation(InstanceAction a) {
    switch (a) {
      case INSTANCE_UPDATING:
        return "U";
      case INSTANCE_UPDATED:
        return "D";
      case INSTANCE_UPDATE_FAILED:
        return "F";
      case INSTANCE_ROLLING_BACK:
        return "RB";
      case INSTANCE_ROLLED_BACK:
        return "RD";
      default:
        return "RF";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Waiting

  /**
   * Waits until the world is quiet: round trips through every update entity (answered after what it
   * is persisting), every instance, placement and the fleet, until what they report stays the same
   * three rounds running.
   */
  void settle() {
    String last = fingerprint();
    int same = 0;
    for (int round = 0; same < 3; round++) {
      if (round > 500) {
        throw new AssertionError("the world did not settle: " + last);
      }
      String now = fingerprint();
      if (now.equals(last)) {
        same++;
      } else {
        same = 0;
        last = now;
      }
    }
  }

  private String fingerprint() {
    StringBuilder b = new StringBuilder();
    for (var e : sortedUpdates().entrySet()) {
      TestProbe<Boolean> probe = kit.createTestProbe();
      e.getValue().tell(new JobUpdateEntity.IsActive(probe.ref()));
      b.append(e.getKey()).append('=').append(probe.receiveMessage(ASK)).append(' ');
    }
    b.append("fed=").append(fed.size()).append(" kills=").append(kills.size()).append(' ');
    for (int i : new java.util.TreeSet<>(instances.keySet())) {
      latest(i)
          .ifPresent(
              t ->
                  b.append(i)
                      .append(':')
                      .append(t.taskId())
                      .append('/')
                      .append(t.status())
                      .append('/')
                      .append(t.events().size())
                      .append(' '));
    }
    TestProbe<PlacementEngine.Stats> stats = kit.createTestProbe();
    placement.tell(new PlacementEngine.GetStats(stats.ref()));
    b.append(stats.receiveMessage(ASK));
    b.append(join(fleet.agents()));
    return b.toString();
  }

  private Map<String, ActorRef<JobUpdateEntity.Command>> sortedUpdates() {
    Map<String, ActorRef<JobUpdateEntity.Command>> sorted = new TreeMap<>();
    updates.forEach((k, v) -> sorted.put(k.id(), v));
    return sorted;
  }

  /** Waits until {@code condition} holds, the testkit polling it. */
  void await(String what, java.util.function.Supplier<Boolean> condition) {
    kit.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              assertThat(condition.get()).as(what).isTrue();
              return null;
            });
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(ASK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static <T> T awaitSet(AtomicReference<T> ref) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    T value;
    while ((value = ref.get()) == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the backend was not wired in time");
      }
      Thread.onSpinWait();
    }
    return value;
  }

  @Override
  public void close() {
    List<ActorRef<?>> all = new ArrayList<>(others);
    all.addAll(updates.values());
    all.addAll(instances.values());
    for (ActorRef<?> ref : all) {
      try {
        kit.stop(ref, ASK);
      } catch (RuntimeException | AssertionError e) {
        // Already stopped.
      }
    }
  }
}
