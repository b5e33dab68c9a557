package io.borealis.update;

import io.borealis.CborSerializable;
import io.borealis.common.EventFeed;
import io.borealis.common.FanOut;
import io.borealis.common.FanOut.Outcome;
import io.borealis.common.Metrics;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.common.Supervision;
import io.borealis.common.Tags;
import io.borealis.job.JobDiff;
import io.borealis.job.JobEntity;
import io.borealis.model.InstanceKey;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.task.InstanceChange;
import io.borealis.task.InstanceChanges;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One job update (aurora-semantics §4), a persistent sharded entity named by its {@link UpdateKey}
 * ({@code update|role/env/name/id}). Its state is an {@link UpdateRun}; {@link UpdateEngine}
 * decides, the entity persists the decision's events, then kills and adds instances, arms timers
 * and asks SLA coordinators. It follows the job's instances through {@code InstanceChanges}.
 */
public final class JobUpdateEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        JobUpdateEntity.Command, UpdateEvent, JobUpdateEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "update");

  /** What an update accepts. */
  public interface Command extends CborSerializable {}

  /**
   * Start this update of the job to {@code proposed}, limited to {@code scope} when not empty.
   * Repeating the same request answers the same update; another request with this id is refused.
   *
   * @param rollbackOf the finished update this one rolls back (set by that update)
   */
  public record Start(
      JobConfiguration proposed,
      Set<Integer> scope,
      String user,
      Map<String, String> metadata,
      Optional<String> message,
      Optional<String> rollbackOf,
      ActorRef<StatusReply<Started>> replyTo)
      implements Command {

    public Start(
        JobConfiguration proposed,
        Set<Integer> scope,
        String user,
        Map<String, String> metadata,
        Optional<String> message,
        ActorRef<StatusReply<Started>> replyTo) {
      this(proposed, scope, user, metadata, message, Optional.empty(), replyTo);
    }
  }

  /**
   * The answer to {@link Start}: the update and the status it entered, or, when the proposed job
   * changes nothing, no status (no update was created) and Aurora's "Job is unchanged by proposed
   * update."
   */
  public record Started(UpdateKey key, Optional<UpdateStatus> status, String message)
      implements CborSerializable {
    public boolean created() {
      return status.isPresent();
    }
  }

  /** Pause, resume, abort or roll back. */
  public record Act(
      OperatorAction action,
      String user,
      Optional<String> message,
      ActorRef<StatusReply<Acted>> replyTo)
      implements Command {}

  /**
   * The update's status after the action; for a rollback of a finished update, the new update that
   * rolls it back.
   */
  public record Acted(UpdateKey key, UpdateStatus status, Optional<UpdateKey> rollback)
      implements CborSerializable {}

  /** A pulse for a coordinated update. */
  public record PulseIt(String user, ActorRef<PulseStatus> replyTo) implements Command {}

  /** Whether this update exists and is active (the job asks before it lets go of its lock). */
  public record IsActive(ActorRef<Boolean> replyTo) implements Command {}

  // ---------------------------------------------------------------------------------------------
  // Internal messages: answers come back as data, and the handler of the state decides.

  /** The job answered the lock a start asked for. */
  private record LockAnswered(Start request, JobEntity.Locked locked, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  /** The job's instances described themselves: the start can be decided. */
  private record StartSurveyed(
      Start request, JobEntity.Locked locked, List<Outcome<Integer, InstanceSummary>> outcomes)
      implements Command, NoSerializationVerificationNeeded {}

  /** The instances described themselves after a restart of the update. */
  private record Resurveyed(List<Outcome<Integer, InstanceSummary>> outcomes)
      implements Command, NoSerializationVerificationNeeded {}

  /** The job answered the lock a restarted update asked for again. */
  private record Relocked(JobEntity.Locked locked, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  /** An instance of the job changed (from {@link InstanceChanges}). */
  private record Changed(InstanceChange change)
      implements Command, NoSerializationVerificationNeeded {}

  /** A timer the engine asked for fired. */
  private record Fired(UpdateTimer timer) implements Command {}

  /** An SLA coordinator answered. */
  private record CoordinatorAnswered(int instance, boolean allowed) implements Command {}

  /** The update that rolls this finished one back answered its start. */
  private record RollbackAnswered(
      ActorRef<StatusReply<Acted>> replyTo, UpdateKey rollback, Started started, Throwable error)
      implements Command, NoSerializationVerificationNeeded {}

  /** Timer: stop when finished and idle (woken by the next request). */
  private record IdleCheck() implements Command {}

  /** The entity's state: nothing before the update starts, then its run. */
  public record State(Optional<UpdateRun> run) implements CborSerializable {
    public State {
      run = run == null ? Optional.empty() : run;
    }

    State apply(UpdateEvent event) {
      if (event instanceof UpdateEvent.UpdateStarted started) {
        return new State(Optional.of(UpdateRun.started(started)));
      }
      return new State(run.map(r -> r.apply(event)));
    }

    boolean active() {
      return run.map(r -> r.status().isActive()).orElse(false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring

  /** What an update needs from the node. */
  public record Deps(
      Clock clock,
      UpdateEngine engine,
      Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
      Function<JobKey, RecipientRef<JobEntity.Command>> jobs,
      Function<UpdateKey, RecipientRef<Command>> updates,
      InstanceChanges changes,
      SlaCoordinator coordinator,
      Duration askTimeout,
      SnapshotPolicy snapshots,
      Duration idlePassivation,
      EventFeed feed,
      Tags tags) {}

  /** Aurora's limit on maxPerInstanceFailures x instances (-max_update_instance_failures). */
  public static final int MAX_UPDATE_INSTANCE_FAILURES = 20_000;

  private final UpdateKey key;
  private final Deps deps;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Optional<ActorRef<ClusterSharding.ShardCommand>> shard;
  private final Set<String> tags;
  private final ActorRef<InstanceChange> changes;
  private final Metrics metrics;

  /** The job's active tasks by instance, as the instances last reported them. Not persisted. */
  private final Map<Integer, ObservedTask> tasks = new HashMap<>();

  /** A start is being prepared (lock, survey): other commands wait in the stash. */
  private boolean busy;

  private boolean subscribed;

  /** Starts the sharded entity type on this node (remembered: active updates resume with it). */
  public static void init(ActorSystem<?> system, Deps deps, boolean rememberEntities) {
    registerMetrics(Metrics.of(system));
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx ->
                        Behaviors.withMdc(
                            Command.class,
                            updateMdc(UpdateKey.parse(ctx.getEntityId())),
                            create(
                                UpdateKey.parse(ctx.getEntityId()),
                                deps,
                                Optional.of(ctx.getShard()))))
                .withSettings(
                    ClusterShardingSettings.create(system).withRememberEntities(rememberEntities)));
  }

  /** Aurora's counter of recorded update status changes: {@code update_transition_<STATUS>}. */
  static String transitionCounter(UpdateStatus status) {
    return "update_transition_" + status.name();
  }

  /** Aurora's counter of recorded instance events: {@code update_instance_transition_<ACTION>}. */
  static String instanceTransitionCounter(InstanceAction action) {
    return "update_instance_transition_" + action.name();
  }

  /** Every status and instance action counter at 0, as Aurora registers them (§4.3). */
  static void registerMetrics(Metrics metrics) {
    for (UpdateStatus status : UpdateStatus.values()) {
      metrics.counter(transitionCounter(status));
    }
    for (InstanceAction action : InstanceAction.values()) {
      metrics.counter(instanceTransitionCounter(action));
    }
  }

  /** What every log line of an update carries in its MDC: {@code update_id} and {@code job}. */
  static java.util.Map<String, String> updateMdc(UpdateKey key) {
    return java.util.Map.of("update_id", key.id(), "job", key.job().toString());
  }

  /** How other actors address an update, wherever in the cluster it lives. */
  public static Function<UpdateKey, RecipientRef<Command>> refs(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return key -> sharding.entityRefFor(ENTITY_KEY, key.toString());
  }

  public static Behavior<Command> create(
      UpdateKey key, Deps deps, Optional<ActorRef<ClusterSharding.ShardCommand>> shard) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(timers -> new JobUpdateEntity(key, deps, context, timers, shard)));
  }

  private JobUpdateEntity(
      UpdateKey key,
      Deps deps,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Optional<ActorRef<ClusterSharding.ShardCommand>> shard) {
    super(PersistenceId.of(ENTITY_KEY.name(), key.toString()), Supervision.ENTITY);
    this.key = key;
    this.deps = deps;
    this.context = context;
    this.timers = timers;
    this.shard = shard;
    this.tags = deps.tags().tagsFor(persistenceId().id());
    this.changes = context.messageAdapter(InstanceChange.class, Changed::new);
    this.metrics = Metrics.of(context.getSystem());
  }

  @Override
  public State emptyState() {
    return new State(Optional.empty());
  }

  @Override
  public Set<String> tagsFor(UpdateEvent event) {
    return tags;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return deps.snapshots().retention();
  }

  @Override
  public EventHandler<State, UpdateEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(PostStop.instance(), s -> unsubscribe())
        .build();
  }

  private void onRecovered(State state) {
    busy = false;
    if (state.run().isEmpty()) {
      scheduleIdleCheck();
      return;
    }
    UpdateRun run = state.run().get();
    if (run.status().isActive()) {
      // Follow the instances again, learn where they are (all of the job's: the SLA counts them),
      // then let the engine re-evaluate. Asking for the lock again names them and re-asserts it.
      subscribe();
      context.pipeToSelf(
          AskPattern.askWithStatus(
              deps.jobs().apply(key.job()),
              (ActorRef<StatusReply<JobEntity.Locked>> r) ->
                  new JobEntity.LockForUpdate(key.id(), 0, Set.of(), run.user(), r),
              deps.askTimeout(),
              context.getSystem().scheduler()),
          (locked, error) -> new Relocked(locked, error));
    } else {
      // The job may not have heard that this update ended (a crash in between): tell it again.
      unlockJob(run);
      scheduleIdleCheck();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  @Override
  public CommandHandlerWithReply<Command, UpdateEvent, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Start.class, this::start)
        .onCommand(LockAnswered.class, this::onLockAnswered)
        .onCommand(StartSurveyed.class, this::onStartSurveyed)
        .onCommand(Act.class, this::act)
        .onCommand(RollbackAnswered.class, this::onRollbackAnswered)
        .onCommand(PulseIt.class, this::pulse)
        .onCommand(IsActive.class, (s, c) -> Effect().reply(c.replyTo(), s.active()))
        .onCommand(Relocked.class, this::onRelocked)
        .onCommand(Resurveyed.class, this::onResurveyed)
        .onCommand(Changed.class, this::onChanged)
        .onCommand(Fired.class, (s, c) -> decideIfActive(s, new UpdateInput.TimerFired(c.timer())))
        .onCommand(
            CoordinatorAnswered.class,
            (s, c) -> decideIfActive(s, new UpdateInput.SlaChecked(c.instance(), c.allowed())))
        .onCommand(IdleCheck.class, this::idleCheck)
        .build();
  }

  // Start

  private ReplyEffect<UpdateEvent, State> start(State state, Start cmd) {
    if (busy) {
      return Effect().stash();
    }
    if (state.run().isPresent()) {
      UpdateRun run = state.run().get();
      if (sameRequest(run, cmd)) {
        return Effect()
            .reply(
                cmd.replyTo(),
                StatusReply.success(
                    new Started(
                        key, Optional.of(run.status()), "Update " + key.id() + " exists.")));
      }
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Rejection.Conflict(
                      "Update id "
                          + key.id()
                          + " is already used for job "
                          + key.job()
                          + " by another request: choose another id.")));
    }
    Optional<String> invalid = invalid(cmd.proposed());
    if (invalid.isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(new Rejection.Invalid(invalid.get())));
    }
    busy = true;
    context.pipeToSelf(
        AskPattern.askWithStatus(
            deps.jobs().apply(key.job()),
            (ActorRef<StatusReply<JobEntity.Locked>> r) ->
                new JobEntity.LockForUpdate(
                    key.id(), cmd.proposed().instances(), cmd.scope(), cmd.user(), r),
            deps.askTimeout(),
            context.getSystem().scheduler()),
        (locked, error) -> new LockAnswered(cmd, locked, error));
    return Effect().noReply();
  }

  /** The checks of §4.1 that need nothing but the request. */
  private Optional<String> invalid(JobConfiguration proposed) {
    if (!proposed.key().equals(key.job())) {
      return Optional.of("The job file names job " + proposed.key() + ", not " + key.job() + ".");
    }
    if (proposed.cronSchedule().isPresent()) {
      return Optional.of("Cron jobs may only be created/updated by calling scheduleCronJob.");
    }
    if (!proposed.task().service()) {
      return Optional.of("Updates are not supported for non-service tasks.");
    }
    UpdateSettings settings = proposed.updateConfig();
    if (settings.slaAware() && proposed.task().slaPolicy().isEmpty()) {
      return Optional.of("An SLA-aware update needs an sla_policy in the task.");
    }
    if ((long) settings.maxPerShardFailures() * proposed.instances()
        > MAX_UPDATE_INSTANCE_FAILURES) {
      return Optional.of(
          "max_per_shard_failures x instances may be at most "
              + MAX_UPDATE_INSTANCE_FAILURES
              + ".");
    }
    return Optional.empty();
  }

  private static boolean sameRequest(UpdateRun run, Start cmd) {
    UpdateInstructions i = run.instructions();
    return i.desiredState().map(JobDiff.Group::config).equals(Optional.of(cmd.proposed().task()))
        && i.settings().equals(cmd.proposed().updateConfig())
        && run.metadata().equals(cmd.metadata())
        && run.rollbackOf().equals(cmd.rollbackOf());
  }

  private ReplyEffect<UpdateEvent, State> onLockAnswered(State state, LockAnswered msg) {
    if (msg.error() != null) {
      busy = false;
      return Effect()
          .reply(msg.request().replyTo(), StatusReply.error(rejection(msg.error())))
          .thenUnstashAll();
    }
    survey(
        msg.locked().instanceIds(),
        outcomes -> new StartSurveyed(msg.request(), msg.locked(), outcomes));
    return Effect().noReply();
  }

  private ReplyEffect<UpdateEvent, State> onStartSurveyed(State state, StartSurveyed msg) {
    Start cmd = msg.request();
    List<Integer> unanswered = new ArrayList<>();
    Map<Integer, TaskConfig> active = new TreeMap<>();
    tasks.clear();
    for (var o : msg.outcomes()) {
      if (!o.ok()) {
        unanswered.add(o.target());
      } else {
        observe(o.value());
      }
    }
    tasks.forEach((id, t) -> active.put(id, t.config()));
    Optional<String> refusal = Optional.empty();
    if (!unanswered.isEmpty()) {
      refusal =
          Optional.of(
              "Instances "
                  + InstanceRanges.format(unanswered)
                  + " did not answer in time; try again.");
    }
    List<Integer> outside =
        cmd.scope().stream()
            .filter(i -> i >= cmd.proposed().instances() && !active.containsKey(i))
            .sorted()
            .toList();
    Set<Integer> scope = cmd.scope();
    if (cmd.rollbackOf().isPresent() && !outside.isEmpty()) {
      // Rolling back a finished update: an instance it touched that is gone now, and was not there
      // before it either, has nothing to go back to (it was added by the update, then killed).
      scope = new TreeSet<>(scope);
      scope.removeAll(outside);
      outside = List.of();
    }
    if (refusal.isEmpty() && !outside.isEmpty()) {
      refusal =
          Optional.of(
              "The update's instances must be among the job's or the proposed ones; these are"
                  + " not: "
                  + InstanceRanges.format(outside));
    }
    UpdateInstructions instructions = UpdateInstructions.of(active, cmd.proposed(), scope);
    if (refusal.isPresent()
        || (scope.isEmpty() && !cmd.scope().isEmpty())
        || instructions.isNoOp()) {
      busy = false;
      tasks.clear();
      releaseJob("GONE");
      StatusReply<Started> reply =
          refusal.isPresent()
              ? StatusReply.error(
                  unanswered.isEmpty()
                      ? new Rejection.Invalid(refusal.get())
                      : new Rejection.Unavailable(refusal.get()))
              : StatusReply.success(
                  new Started(key, Optional.empty(), "Job is unchanged by proposed update."));
      return Effect().reply(cmd.replyTo(), reply).thenUnstashAll();
    }
    UpdateRequest request =
        new UpdateRequest(
            key.id(),
            key.job(),
            instructions,
            cmd.user(),
            cmd.metadata(),
            cmd.rollbackOf(),
            cmd.message());
    Decision decision =
        deps.engine().start(request, java.util.Collections.unmodifiableMap(tasks), now());
    busy = false;
    subscribe();
    return persistDecision(decision)
        .thenReply(
            cmd.replyTo(),
            s ->
                StatusReply.success(
                    new Started(
                        key,
                        s.run().map(UpdateRun::status),
                        "Update " + key.id() + " of job " + key.job() + " started.")))
        .thenUnstashAll();
  }

  // Operator actions

  private ReplyEffect<UpdateEvent, State> act(State state, Act cmd) {
    if (busy) {
      return Effect().stash();
    }
    if (state.run().isEmpty()) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(notFound()));
    }
    UpdateRun run = state.run().get();
    if (cmd.action() == OperatorAction.ROLLBACK && run.status().isTerminal()) {
      return rollbackFinished(run, cmd);
    }
    Decision decision =
        deps.engine()
            .decide(
                run,
                new UpdateInput.Operator(cmd.action(), cmd.user(), cmd.message()),
                java.util.Collections.unmodifiableMap(tasks),
                now());
    if (decision.isRejected()) {
      return Effect()
          .reply(
              cmd.replyTo(), StatusReply.error(new Rejection.Conflict(decision.rejection().get())));
    }
    return persistDecision(decision)
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Acted(key, s.run().get().status(), Optional.empty())));
  }

  /**
   * §12: a finished update (rolled forward, aborted or failed) is rolled back by a new update,
   * linked to it, whose desired state is this one's initial state, with this one's settings.
   */
  private ReplyEffect<UpdateEvent, State> rollbackFinished(UpdateRun run, Act cmd) {
    UpdateStatus status = run.status();
    if (status != UpdateStatus.ROLLED_FORWARD
        && status != UpdateStatus.ABORTED
        && status != UpdateStatus.FAILED) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Rejection.Conflict(
                      "Update "
                          + key.id()
                          + " is "
                          + status
                          + ": there is nothing to roll back.")));
    }
    List<JobDiff.Group> initial = run.instructions().initialState();
    Set<TaskConfig> configs = new HashSet<>();
    initial.forEach(g -> configs.add(g.config()));
    if (configs.size() != 1) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Rejection.Invalid(
                      configs.isEmpty()
                          ? "Update "
                              + key.id()
                              + " only added instances: kill them, or start an update that"
                              + " removes them."
                          : "Before update "
                              + key.id()
                              + " its instances ran "
                              + configs.size()
                              + " different configurations: start an update with the one you"
                              + " want.")));
    }
    TreeSet<Integer> initialIds = new TreeSet<>();
    initial.forEach(g -> initialIds.addAll(g.instances()));
    TreeSet<Integer> scope = new TreeSet<>(run.instructions().instances());
    JobConfiguration proposed =
        new JobConfiguration(
            key.job(),
            initialIds.last() + 1,
            configs.iterator().next(),
            run.instructions().settings(),
            Optional.empty(),
            io.borealis.model.CronCollisionPolicy.KILL_EXISTING);
    UpdateKey rollback = new UpdateKey(key.job(), UUID.randomUUID().toString());
    context.pipeToSelf(
        AskPattern.askWithStatus(
            deps.updates().apply(rollback),
            (ActorRef<StatusReply<Started>> r) ->
                new Start(
                    proposed,
                    scope,
                    cmd.user(),
                    run.metadata(),
                    cmd.message().or(() -> Optional.of("Rollback of update " + key.id())),
                    Optional.of(key.id()),
                    r),
            deps.askTimeout(),
            context.getSystem().scheduler()),
        (started, error) -> new RollbackAnswered(cmd.replyTo(), rollback, started, error));
    return Effect().noReply();
  }

  private ReplyEffect<UpdateEvent, State> onRollbackAnswered(State state, RollbackAnswered msg) {
    if (msg.error() != null) {
      return Effect().reply(msg.replyTo(), StatusReply.error(rejection(msg.error())));
    }
    UpdateStatus status = state.run().map(UpdateRun::status).orElseThrow();
    Optional<UpdateKey> rollback =
        msg.started().created() ? Optional.of(msg.rollback()) : Optional.empty();
    return Effect().reply(msg.replyTo(), StatusReply.success(new Acted(key, status, rollback)));
  }

  private ReplyEffect<UpdateEvent, State> pulse(State state, PulseIt cmd) {
    if (busy) {
      return Effect().stash();
    }
    if (!state.active()) {
      return Effect().reply(cmd.replyTo(), PulseStatus.FINISHED);
    }
    Decision decision =
        deps.engine()
            .decide(
                state.run().get(),
                new UpdateInput.Pulse(cmd.user()),
                java.util.Collections.unmodifiableMap(tasks),
                now());
    PulseStatus answer = decision.pulse().orElse(PulseStatus.OK);
    return persistDecision(decision).thenReply(cmd.replyTo(), s -> answer);
  }

  // What the instances say

  private ReplyEffect<UpdateEvent, State> onRelocked(State state, Relocked msg) {
    if (state.run().isEmpty()) {
      return Effect().noReply();
    }
    TreeSet<Integer> ids = new TreeSet<>(jobInstanceIds(state.run().get()));
    if (msg.error() != null) {
      context
          .getLog()
          .warn(
              "Update {} could not re-assert its hold on job {} ({}); it goes on with its own"
                  + " instances",
              key.id(),
              key.job(),
              msg.error().getMessage());
    } else {
      ids.addAll(msg.locked().instanceIds());
    }
    survey(List.copyOf(ids), Resurveyed::new);
    return Effect().noReply();
  }

  private ReplyEffect<UpdateEvent, State> onResurveyed(State state, Resurveyed msg) {
    for (var o : msg.outcomes()) {
      if (o.ok()) {
        observe(o.value());
      }
    }
    return decideIfActive(state, new UpdateInput.Recovered());
  }

  /**
   * An instance changed: each task its change touched goes to the engine in turn (a task that
   * failed and was replaced at once is seen failing), with the job's tasks as they are after it.
   */
  private ReplyEffect<UpdateEvent, State> onChanged(State state, Changed msg) {
    InstanceChange change = msg.change();
    int instance = change.instance().instanceId();
    Optional<ObservedTask> before = Optional.ofNullable(tasks.get(instance));
    Optional<ObservedTask> after =
        change.latest().filter(t -> t.status().isActive()).map(ObservedTask::of);
    after.ifPresentOrElse(t -> tasks.put(instance, t), () -> tasks.remove(instance));
    if (!state.active() || busy || !state.run().get().contains(instance)) {
      return Effect().noReply();
    }
    List<UpdateInput> inputs = new ArrayList<>();
    for (ScheduledTask t : change.changed()) {
      if (change.latest().map(l -> l.taskId().equals(t.taskId())).orElse(false)) {
        continue;
      }
      inputs.add(new UpdateInput.InstanceChanged(instance, Optional.of(ObservedTask.of(t))));
    }
    if (!after.equals(before) || !inputs.isEmpty()) {
      inputs.add(new UpdateInput.InstanceChanged(instance, after));
    }
    if (inputs.isEmpty()) {
      return Effect().noReply();
    }
    UpdateRun run = state.run().get();
    List<UpdateEvent> events = new ArrayList<>();
    List<UpdateInstruction> instructions = new ArrayList<>();
    Map<Integer, ObservedTask> now = java.util.Collections.unmodifiableMap(tasks);
    for (UpdateInput input : inputs) {
      Decision d = deps.engine().decide(run, input, now, now());
      events.addAll(d.events());
      instructions.addAll(d.instructions());
      run = d.state();
    }
    return persistDecision(
            new Decision(run, events, instructions, Optional.empty(), Optional.empty()))
        .thenNoReply();
  }

  /** Records what an instance reported; its active task, if it has one. */
  private Optional<ObservedTask> observe(InstanceSummary summary) {
    int instance = summary.instance().instanceId();
    Optional<ObservedTask> task =
        summary.latest().filter(t -> t.status().isActive()).map(ObservedTask::of);
    if (task.isPresent()) {
      tasks.put(instance, task.get());
    } else {
      tasks.remove(instance);
    }
    return task;
  }

  private ReplyEffect<UpdateEvent, State> decideIfActive(State state, UpdateInput input) {
    if (!state.active() || busy) {
      return Effect().noReply();
    }
    return persistDecision(
            deps.engine()
                .decide(
                    state.run().get(), input, java.util.Collections.unmodifiableMap(tasks), now()))
        .thenNoReply();
  }

  private ReplyEffect<UpdateEvent, State> idleCheck(State state, IdleCheck msg) {
    if (!busy && !state.active()) {
      shard.ifPresentOrElse(
          s -> s.tell(new ClusterSharding.Passivate<>(context.getSelf())),
          () -> context.stop(context.getSelf()));
    } else {
      scheduleIdleCheck();
    }
    return Effect().noReply();
  }

  // ---------------------------------------------------------------------------------------------
  // After deciding

  /** Persists the decision's events, feeds the view, then carries out its instructions. */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<UpdateEvent, State>
      persistDecision(Decision decision) {
    if (decision.events().isEmpty()) {
      return Effect().none().thenRun(s -> perform(s, decision.instructions()));
    }
    logStatusChanges(decision.events());
    return Effect()
        .persist(decision.events())
        .thenRun(
            s -> {
              deps.feed()
                  .persisted(persistenceId().id(), lastSequenceNumber(context), decision.events());
              count(decision.events());
              perform(s, decision.instructions());
              if (s.run().isPresent() && s.run().get().status().isTerminal()) {
                finished(s.run().get());
              }
            });
  }

  private void perform(State state, List<UpdateInstruction> instructions) {
    for (UpdateInstruction instruction : instructions) {
      if (instruction instanceof UpdateInstruction.KillTask k) {
        instance(k.instance())
            .tell(
                new TaskInstanceEntity.KillTask(
                    k.taskId(), k.message(), context.getSystem().ignoreRef()));
        // The SLA gate must count it as going down before the instance confirms.
        ObservedTask t = tasks.get(k.instance());
        if (t != null && t.taskId().equals(k.taskId())) {
          tasks.put(k.instance(), t.moved(ScheduleStatus.KILLING, now()));
        }
      } else if (instruction instanceof UpdateInstruction.AddTask a) {
        instance(a.instance())
            .tell(
                new TaskInstanceEntity.Schedule(
                    a.config(),
                    key + "#" + lastSequenceNumber(context) + "#" + a.instance(),
                    context.getSystem().ignoreRef()));
      } else if (instruction instanceof UpdateInstruction.StartTimer t) {
        Duration delay = Duration.between(now(), t.at());
        timers.startSingleTimer(
            t.timer(), new Fired(t.timer()), delay.isNegative() ? Duration.ZERO : delay);
      } else if (instruction instanceof UpdateInstruction.AskCoordinator c) {
        context.pipeToSelf(
            deps.coordinator()
                .allows(
                    c.policy(), new InstanceKey(key.job(), c.instance()), c.taskId(), c.config()),
            (allowed, error) -> new CoordinatorAnswered(c.instance(), error == null && allowed));
      }
    }
  }

  /**
   * One line per status change, logged while the command that decided it is handled, so that it
   * carries the update's MDC ({@code update_id}, {@code job}): what an operator follows in the log.
   */
  private void logStatusChanges(List<UpdateEvent> events) {
    for (UpdateEvent event : events) {
      if (event instanceof UpdateEvent.UpdateStarted s) {
        context
            .getLog()
            .info(
                "Update {} of {} started by {}: {}{}",
                key.id(),
                key.job(),
                s.user(),
                s.status(),
                s.message().map(m -> " (" + m + ")").orElse(""));
      } else if (event instanceof UpdateEvent.StatusChanged c) {
        context
            .getLog()
            .info(
                "Update {} of {}: {} -> {}{}{}",
                key.id(),
                key.job(),
                c.from(),
                c.to(),
                c.user().map(u -> " by " + u).orElse(""),
                c.message().map(m -> " (" + m + ")").orElse(""));
      }
    }
  }

  /** Bumps Aurora's counters for the status changes and instance events just persisted. */
  private void count(List<UpdateEvent> events) {
    for (UpdateEvent event : events) {
      if (event instanceof UpdateEvent.UpdateStarted s) {
        metrics.counter(transitionCounter(s.status())).increment();
      } else if (event instanceof UpdateEvent.StatusChanged c) {
        metrics.counter(transitionCounter(c.to())).increment();
      } else if (event instanceof UpdateEvent.InstanceUpdateEvent i) {
        metrics.counter(instanceTransitionCounter(i.action())).increment();
      }
    }
  }

  /** The update reached a terminal status: stop following the job and give it back. */
  private void finished(UpdateRun run) {
    timers.cancelAll();
    unsubscribe();
    unlockJob(run);
    scheduleIdleCheck();
  }

  /**
   * Gives the job back; a rolled-forward update leaves the job its task when every active task of
   * the job runs it (not after an update of some instances only, such as a canary).
   */
  private void unlockJob(UpdateRun run) {
    Optional<TaskConfig> task =
        run.status() == UpdateStatus.ROLLED_FORWARD
            ? run.instructions()
                .desiredState()
                .map(JobDiff.Group::config)
                .filter(c -> tasks.values().stream().allMatch(t -> t.config().equals(c)))
            : Optional.empty();
    deps.jobs()
        .apply(key.job())
        .tell(
            new JobEntity.Unlock(
                key.id(), run.status().name(), task, context.getSystem().ignoreRef()));
  }

  private void releaseJob(String status) {
    deps.jobs()
        .apply(key.job())
        .tell(
            new JobEntity.Unlock(
                key.id(), status, Optional.empty(), context.getSystem().ignoreRef()));
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /**
   * Every instance of the job an update may touch or whose SLA counts: the job's ids and its own.
   */
  private static List<Integer> jobInstanceIds(UpdateRun run) {
    TreeSet<Integer> ids = new TreeSet<>(run.instructions().instances());
    return List.copyOf(ids);
  }

  private void survey(
      List<Integer> ids, Function<List<Outcome<Integer, InstanceSummary>>, Command> answer) {
    context.pipeToSelf(
        FanOut.ask(
            ids,
            this::instance,
            (ActorRef<InstanceSummary> r) -> new TaskInstanceEntity.Describe(r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext()),
        (outcomes, error) -> answer.apply(outcomes));
  }

  private RecipientRef<TaskInstanceEntity.Command> instance(int id) {
    return deps.instances().apply(new InstanceKey(key.job(), id));
  }

  private void subscribe() {
    if (!subscribed) {
      deps.changes().subscribe(key.job(), changes);
      subscribed = true;
    }
  }

  private void unsubscribe() {
    if (subscribed) {
      deps.changes().unsubscribe(key.job(), changes);
      subscribed = false;
    }
  }

  private void scheduleIdleCheck() {
    timers.startSingleTimer("idle", new IdleCheck(), deps.idlePassivation());
  }

  private Rejection notFound() {
    return new Rejection.NotFound("No update " + key.id() + " of job " + key.job() + ".");
  }

  private static Rejection rejection(Throwable error) {
    Throwable cause =
        error instanceof java.util.concurrent.CompletionException c ? c.getCause() : error;
    if (cause instanceof Rejection r) {
      return r;
    }
    return new Rejection.Unavailable(
        "The scheduler did not answer in time; the update may not have started: "
            + cause.getMessage());
  }

  private Instant now() {
    return deps.clock().instant();
  }
}
