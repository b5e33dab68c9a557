package io.borealis.job;

import io.borealis.CborSerializable;
import io.borealis.common.EventFeed;
import io.borealis.common.FanOut;
import io.borealis.common.FanOut.Outcome;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.common.Supervision;
import io.borealis.common.Tags;
import io.borealis.job.JobEvent.InstancesAdded;
import io.borealis.job.JobEvent.InstancesScheduled;
import io.borealis.job.JobEvent.JobCreated;
import io.borealis.job.JobState.Existing;
import io.borealis.job.JobState.ScheduleBatch;
import io.borealis.model.InstanceKey;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
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
 * A job ({@code job|role/env/name}): owns its configuration and the set of its instance ids, and
 * coordinates its instances. Creating or adding instances is persisted here first, then each
 * instance is told to schedule; the job remembers which instances have not confirmed yet and tells
 * them again after a crash, so an accepted creation always ends with its tasks. Kill, restart and
 * the checks that need the instances' state (does the job still run? is the template active?) ask
 * the instances themselves: they, not the job, own the truth about tasks.
 */
public final class JobEntity
    extends EventSourcedBehaviorWithEnforcedReplies<JobEntity.Command, JobEvent, JobState> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "job");

  // ---------------------------------------------------------------------------------------------
  // Commands and replies

  /** What a job accepts. */
  public sealed interface Command extends CborSerializable {}

  /** Create the job; fails if it exists and still has an active task. */
  public record Create(JobConfiguration config, String user, ActorRef<StatusReply<Created>> replyTo)
      implements Command {}

  /**
   * Replace the job with a backup's (a committed recovery): this configuration and these instance
   * ids, nothing left to schedule, no update; an empty {@code config} erases the job. Accepted in
   * any state, also while an update holds the job (the restore ends its hold).
   */
  public record Restore(
      Optional<JobConfiguration> config,
      List<Integer> instanceIds,
      Optional<Instant> createdAt,
      String user,
      ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** The job was created with this many PENDING tasks. */
  public record Created(JobKey key, int instances, String message) implements CborSerializable {}

  /** Kill some instances (all when {@code instances} is empty). */
  public record Kill(
      Optional<List<Integer>> instances,
      String user,
      Optional<String> message,
      ActorRef<StatusReply<Killed>> replyTo)
      implements Command {}

  /** The instances whose task is now being killed. */
  public record Killed(List<Integer> instances, String message) implements CborSerializable {}

  /** Restart some active instances (all active ones when {@code instances} is empty). */
  public record Restart(
      Optional<List<Integer>> instances, String user, ActorRef<StatusReply<Restarted>> replyTo)
      implements Command {}

  /** The instances now RESTARTING. */
  public record Restarted(List<Integer> instances, String message) implements CborSerializable {}

  /** Add {@code count} instances copied from the active instance {@code templateInstance}. */
  public record AddInstances(
      int templateInstance, int count, String user, ActorRef<StatusReply<Added>> replyTo)
      implements Command {}

  /** The new instances. */
  public record Added(List<Integer> instances, String message) implements CborSerializable {}

  /**
   * An update takes the job ({@code instances}: the proposed instance count; {@code scope}: the
   * instances it is limited to, if any). Granted again to the same update; refused while another is
   * active.
   */
  public record LockForUpdate(
      String updateId,
      int instances,
      Set<Integer> scope,
      String user,
      ActorRef<StatusReply<Locked>> replyTo)
      implements Command {}

  /** The job is the update's: every instance id it has, and its configuration. */
  public record Locked(List<Integer> instanceIds, JobConfiguration config)
      implements CborSerializable {}

  /**
   * The update ended with {@code status}; {@code task} is what the job's instances run from now on
   * (a rolled-forward update). Ignored unless the job is locked by that update.
   */
  public record Unlock(
      String updateId, String status, Optional<TaskConfig> task, ActorRef<Done> replyTo)
      implements Command {}

  // Internal messages. Each answer of a fan-out comes back as data: the request's replyTo and the
  // answers the reply is built from, so the handler of the state the job is in decides.

  /** The survey a create of an existing job needed is in. */
  private record CreateSurveyed(Create request, List<Outcome<Integer, InstanceSummary>> outcomes)
      implements Command, NoSerializationVerificationNeeded {}

  /** The survey an add needed is in (the template and the highest active id come from it). */
  private record AddSurveyed(AddInstances request, List<Outcome<Integer, InstanceSummary>> outcomes)
      implements Command, NoSerializationVerificationNeeded {}

  /** The survey a restart needed is in (only active instances are restarted). */
  private record RestartSurveyed(Restart request, List<Outcome<Integer, InstanceSummary>> outcomes)
      implements Command, NoSerializationVerificationNeeded {}

  /** The instances answered a kill. */
  private record KillAnswered(
      ActorRef<StatusReply<Killed>> replyTo,
      List<Outcome<Integer, TaskInstanceEntity.KillResult>> outcomes)
      implements Command, NoSerializationVerificationNeeded {}

  /** The instances answered a restart. */
  private record RestartAnswered(
      ActorRef<StatusReply<Restarted>> replyTo,
      List<Outcome<Integer, TaskInstanceEntity.RestartResult>> outcomes)
      implements Command, NoSerializationVerificationNeeded {}

  /** A scheduling round's answers are in; {@code waiter} is the caller waiting for it, if any. */
  private record ScheduleAnswered(
      String scheduleId,
      List<Outcome<Integer, TaskInstanceEntity.Scheduled>> outcomes,
      Optional<Waiter<?>> waiter)
      implements Command, NoSerializationVerificationNeeded {}

  /**
   * A caller waiting for the first scheduling round of a persisted creation or addition, with the
   * (already known) success to tell it.
   */
  private record Waiter<T>(ActorRef<StatusReply<T>> replyTo, T reply) {
    void answer() {
      replyTo.tell(StatusReply.success(reply));
    }
  }

  /** Whether the update holding the job is still active, asked before {@code request}. */
  private record UpdateProbed(Command request, String updateId, boolean active)
      implements Command, NoSerializationVerificationNeeded {}

  /** Timer: ask unconfirmed instances again. */
  private record RetryScheduling() implements Command {}

  /** Timer: stop when idle (the job is woken by the next request). */
  private record IdleCheck() implements Command {}

  // ---------------------------------------------------------------------------------------------
  // Wiring

  /** What a job needs from the node. */
  public record Deps(
      Clock clock,
      Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
      Duration askTimeout,
      int maxTasksPerJob,
      SnapshotPolicy snapshots,
      Duration idlePassivation,
      EventFeed feed,
      Tags tags,
      UpdateProbe updates) {

    /** Without updates. */
    public Deps(
        Clock clock,
        Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
        Duration askTimeout,
        int maxTasksPerJob,
        SnapshotPolicy snapshots,
        Duration idlePassivation,
        EventFeed feed,
        Tags tags) {
      this(
          clock,
          instances,
          askTimeout,
          maxTasksPerJob,
          snapshots,
          idlePassivation,
          feed,
          tags,
          UpdateProbe.NONE);
    }

    /** With the events in one tag (tests of a single entity). */
    public Deps(
        Clock clock,
        Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
        Duration askTimeout,
        int maxTasksPerJob,
        SnapshotPolicy snapshots,
        Duration idlePassivation,
        EventFeed feed) {
      this(
          clock,
          instances,
          askTimeout,
          maxTasksPerJob,
          snapshots,
          idlePassivation,
          feed,
          Tags.SINGLE);
    }
  }

  private static final Duration SCHEDULE_RETRY = Duration.ofSeconds(5);

  private final JobKey key;
  private final Deps deps;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Optional<ActorRef<ClusterSharding.ShardCommand>> shard;
  private final Set<String> tags;

  /** A create or add is waiting for its survey: further ones wait in the stash. Not persisted. */
  private boolean busy;

  /** Starts the sharded entity type on this node. */
  public static void init(ActorSystem<?> system, Deps deps, boolean rememberEntities) {
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx ->
                        create(JobKey.parse(ctx.getEntityId()), deps, Optional.of(ctx.getShard())))
                .withSettings(
                    ClusterShardingSettings.create(system).withRememberEntities(rememberEntities)));
  }

  /** How other actors address a job, wherever in the cluster it lives. */
  public static Function<JobKey, RecipientRef<Command>> refs(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return key -> sharding.entityRefFor(ENTITY_KEY, key.toString());
  }

  public static Behavior<Command> create(
      JobKey key, Deps deps, Optional<ActorRef<ClusterSharding.ShardCommand>> shard) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(timers -> new JobEntity(key, deps, context, timers, shard)));
  }

  private JobEntity(
      JobKey key,
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
  }

  @Override
  public JobState emptyState() {
    return new JobState.Empty();
  }

  @Override
  public Set<String> tagsFor(JobEvent event) {
    return tags;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return deps.snapshots().retention();
  }

  @Override
  public SignalHandler<JobState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              // Also after a restart on a failed write: whatever survey was in flight is moot.
              busy = false;
              // A crash may have cut a scheduling round short: finish it.
              if (state instanceof Existing x) {
                x.unscheduled().forEach(b -> driveScheduling(b, Optional.empty()));
              }
              scheduleIdleCheck();
            })
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Command handlers: one block per state

  @Override
  public CommandHandlerWithReply<Command, JobEvent, JobState> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(JobState.Empty.class)
        .onCommand(Create.class, this::createNew)
        .onCommand(Kill.class, c -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(Restart.class, c -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(AddInstances.class, c -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(LockForUpdate.class, c -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(Unlock.class, c -> Effect().reply(c.replyTo(), Done.getInstance()))
        .onCommand(IdleCheck.class, this::idleWhileEmpty)
        .onCommand(Restore.class, this::restore)
        // Nothing else can reach a job that never existed (answers follow requests it refused).
        .onAnyCommand(c -> Effect().noReply());
    builder
        .forStateType(Existing.class)
        .onCommand(Create.class, (s, c) -> unlessUpdating(s, c, c.replyTo(), this::createAgain))
        .onCommand(Kill.class, (s, c) -> unlessUpdating(s, c, c.replyTo(), this::kill))
        .onCommand(Restart.class, (s, c) -> unlessUpdating(s, c, c.replyTo(), this::restart))
        .onCommand(
            AddInstances.class, (s, c) -> unlessUpdating(s, c, c.replyTo(), this::addInstances))
        .onCommand(LockForUpdate.class, this::lockForUpdate)
        .onCommand(Restore.class, this::restore)
        .onCommand(Unlock.class, this::unlock)
        .onCommand(UpdateProbed.class, this::onUpdateProbed)
        .onCommand(CreateSurveyed.class, this::onCreateSurveyed)
        .onCommand(AddSurveyed.class, this::onAddSurveyed)
        .onCommand(RestartSurveyed.class, this::onRestartSurveyed)
        .onCommand(KillAnswered.class, this::onKillAnswered)
        .onCommand(RestartAnswered.class, this::onRestartAnswered)
        .onCommand(ScheduleAnswered.class, this::onScheduleAnswered)
        .onCommand(RetryScheduling.class, this::retryScheduling)
        .onCommand(IdleCheck.class, this::idleWhileExisting);
    return builder.build();
  }

  // Any state

  private ReplyEffect<JobEvent, JobState> restore(JobState state, Restore cmd) {
    // The restored state has nothing left to schedule: a retry timer of before is moot.
    timers.cancel("retry-scheduling");
    return persistAndPublish(
            new JobEvent.JobRestored(
                key,
                cmd.config(),
                cmd.instanceIds(),
                cmd.createdAt(),
                deps.clock().instant(),
                cmd.user()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  // Empty

  private ReplyEffect<JobEvent, JobState> createNew(JobState.Empty state, Create cmd) {
    return persistCreation(1, cmd);
  }

  private ReplyEffect<JobEvent, JobState> idleWhileEmpty(JobState.Empty state, IdleCheck msg) {
    if (!busy) {
      passivate();
    }
    return Effect().noReply();
  }

  // Existing: the update lock

  /**
   * Runs {@code handler} unless an update holds the job. If one does, the job first asks whether it
   * is still active: if so the request is refused (409 naming it); if not (it failed before it
   * began, or its end was lost) the job lets go of the lock and takes the request again.
   */
  private <C extends Command, T> ReplyEffect<JobEvent, JobState> unlessUpdating(
      Existing state,
      C cmd,
      ActorRef<StatusReply<T>> replyTo,
      java.util.function.BiFunction<Existing, C, ReplyEffect<JobEvent, JobState>> handler) {
    if (state.activeUpdate().isEmpty()) {
      return handler.apply(state, cmd);
    }
    probe(cmd, state.activeUpdate().get());
    return Effect().noReply();
  }

  private void probe(Command cmd, String updateId) {
    context.pipeToSelf(
        deps.updates().isActive(key, updateId),
        // An update that cannot be asked counts as active: refusing is safe, unlocking is not.
        (active, error) -> new UpdateProbed(cmd, updateId, error != null || active));
  }

  private ReplyEffect<JobEvent, JobState> onUpdateProbed(Existing state, UpdateProbed msg) {
    if (!state.activeUpdate().equals(Optional.of(msg.updateId()))) {
      // The lock changed meanwhile: take the request again as the job is now.
      context.getSelf().tell(msg.request());
      return Effect().noReply();
    }
    if (msg.active()) {
      refuse(msg.request(), new Rejection.UpdateActive(msg.updateId()));
      return Effect().noReply();
    }
    context.getLog().info("Job {} lets go of update {}: it is not active", key, msg.updateId());
    return persistAndPublish(
            new JobEvent.UpdateUnlocked(
                key, msg.updateId(), "GONE", Optional.empty(), deps.clock().instant()))
        .thenRun(s -> context.getSelf().tell(msg.request()))
        .thenNoReply();
  }

  @SuppressWarnings("unchecked")
  private static void refuse(Command cmd, Rejection rejection) {
    ActorRef<?> replyTo;
    if (cmd instanceof Create c) {
      replyTo = c.replyTo();
    } else if (cmd instanceof Kill c) {
      replyTo = c.replyTo();
    } else if (cmd instanceof Restart c) {
      replyTo = c.replyTo();
    } else if (cmd instanceof AddInstances c) {
      replyTo = c.replyTo();
    } else if (cmd instanceof LockForUpdate c) {
      replyTo = c.replyTo();
    } else {
      throw new IllegalStateException("no reply for " + cmd);
    }
    ((ActorRef<StatusReply<Object>>) replyTo).tell(StatusReply.error(rejection));
  }

  private ReplyEffect<JobEvent, JobState> lockForUpdate(Existing state, LockForUpdate cmd) {
    Optional<String> held = state.activeUpdate();
    if (held.isPresent() && !held.get().equals(cmd.updateId())) {
      probe(cmd, held.get());
      return Effect().noReply();
    }
    Locked locked = new Locked(state.instanceIds(), state.config());
    if (held.isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(locked));
    }
    java.util.TreeSet<Integer> ids = new java.util.TreeSet<>(cmd.scope());
    for (int i = 0; i < cmd.instances(); i++) {
      ids.add(i);
    }
    JobEvent.UpdateLocked event =
        new JobEvent.UpdateLocked(
            key, cmd.updateId(), List.copyOf(ids), deps.clock().instant(), cmd.user());
    return persistAndPublish(event)
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Locked(((Existing) s).instanceIds(), state.config())));
  }

  private ReplyEffect<JobEvent, JobState> unlock(Existing state, Unlock cmd) {
    if (!state.activeUpdate().equals(Optional.of(cmd.updateId()))) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    return persistAndPublish(
            new JobEvent.UpdateUnlocked(
                key, cmd.updateId(), cmd.status(), cmd.task(), deps.clock().instant()))
        .thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  // Existing: requests

  private ReplyEffect<JobEvent, JobState> createAgain(Existing state, Create cmd) {
    if (busy) {
      return Effect().stash();
    }
    busy = true;
    survey(state.instanceIds(), outcomes -> new CreateSurveyed(cmd, outcomes));
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> addInstances(Existing state, AddInstances cmd) {
    if (cmd.count() < 1) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.error(new Rejection.Invalid("count must be > 0")));
    }
    if (busy) {
      return Effect().stash();
    }
    busy = true;
    survey(state.instanceIds(), outcomes -> new AddSurveyed(cmd, outcomes));
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> restart(Existing state, Restart cmd) {
    List<Integer> targets = cmd.instances().orElse(state.instanceIds());
    Set<Integer> known = new HashSet<>(state.instanceIds());
    if (!known.containsAll(targets)) {
      // Ids the job never had cannot be active; no need to wake an entity to learn that.
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  notAllActive(targets.stream().filter(i -> !known.contains(i)).toList())));
    }
    survey(targets, outcomes -> new RestartSurveyed(cmd, outcomes));
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> kill(Existing state, Kill cmd) {
    // Only ids the job has: the others have nothing to kill.
    Set<Integer> known = new HashSet<>(state.instanceIds());
    List<Integer> targets =
        cmd.instances()
            .map(ids -> ids.stream().filter(known::contains).toList())
            .orElse(state.instanceIds());
    context.pipeToSelf(
        FanOut.ask(
            targets,
            this::instance,
            (ActorRef<TaskInstanceEntity.KillResult> r) ->
                new TaskInstanceEntity.Kill(cmd.user(), cmd.message(), r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext()),
        (outcomes, error) -> new KillAnswered(cmd.replyTo(), outcomes));
    return Effect().noReply();
  }

  // Existing: answers

  private ReplyEffect<JobEvent, JobState> onCreateSurveyed(Existing state, CreateSurveyed msg) {
    busy = false;
    Survey survey = Survey.of(msg.outcomes());
    Create cmd = msg.request();
    if (!survey.unanswered().isEmpty()) {
      // Never decide on a partial picture: an instance that did not answer may run a task.
      return rejectAndUnstash(cmd.replyTo(), unavailable(survey.unanswered()));
    }
    if (!survey.active().isEmpty()) {
      return rejectAndUnstash(
          cmd.replyTo(), new Rejection.Conflict("Job " + key + " already exists"));
    }
    return persistCreation(state.generation() + 1, cmd);
  }

  private ReplyEffect<JobEvent, JobState> onAddSurveyed(Existing state, AddSurveyed msg) {
    busy = false;
    Survey survey = Survey.of(msg.outcomes());
    AddInstances cmd = msg.request();
    if (!survey.unanswered().isEmpty()) {
      return rejectAndUnstash(cmd.replyTo(), unavailable(survey.unanswered()));
    }
    List<InstanceSummary> active = survey.active();
    Optional<ScheduledTask> template =
        active.stream()
            .filter(s -> s.instance().instanceId() == cmd.templateInstance())
            .findFirst()
            .flatMap(InstanceSummary::latest);
    if (template.isEmpty()) {
      return rejectAndUnstash(
          cmd.replyTo(), new Rejection.Invalid("No active task found for a given instance ID."));
    }
    if (active.size() + cmd.count() > deps.maxTasksPerJob()) {
      return rejectAndUnstash(
          cmd.replyTo(),
          new Rejection.Invalid(
              "Instance count "
                  + (active.size() + cmd.count())
                  + " exceeds the limit of "
                  + deps.maxTasksPerJob()
                  + " per job"));
    }
    int maxActive = active.stream().mapToInt(s -> s.instance().instanceId()).max().orElse(-1);
    List<Integer> ids =
        IntStream.rangeClosed(maxActive + 1, maxActive + cmd.count()).boxed().toList();
    String scheduleId = key + "#" + (state.generation() + 1);
    TaskConfig config = template.get().config();
    InstancesAdded event =
        new InstancesAdded(key, config, ids, scheduleId, deps.clock().instant(), cmd.user());
    Added added =
        new Added(
            ids,
            count(ids.size(), "new task")
                + " pending for job "
                + key
                + " (instances "
                + InstanceRanges.format(ids)
                + ")");
    ScheduleBatch batch = new ScheduleBatch(scheduleId, config, ids);
    Waiter<Added> waiter = new Waiter<>(cmd.replyTo(), added);
    return persistAndPublish(event)
        .thenRun(s -> driveScheduling(batch, Optional.of(waiter)))
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<JobEvent, JobState> onRestartSurveyed(Existing state, RestartSurveyed msg) {
    Survey survey = Survey.of(msg.outcomes());
    Restart cmd = msg.request();
    if (!survey.unanswered().isEmpty()) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(unavailable(survey.unanswered())));
    }
    List<InstanceSummary> active = survey.active();
    if (cmd.instances().isPresent() && active.size() < cmd.instances().get().size()) {
      Set<Integer> activeIds = new HashSet<>();
      active.forEach(s -> activeIds.add(s.instance().instanceId()));
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  notAllActive(
                      cmd.instances().get().stream()
                          .filter(i -> !activeIds.contains(i))
                          .toList())));
    }
    List<Integer> targets = active.stream().map(s -> s.instance().instanceId()).toList();
    context.pipeToSelf(
        FanOut.ask(
            targets,
            this::instance,
            (ActorRef<TaskInstanceEntity.RestartResult> r) ->
                new TaskInstanceEntity.Restart(cmd.user(), r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext()),
        (outcomes, error) -> new RestartAnswered(cmd.replyTo(), outcomes));
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> onKillAnswered(Existing state, KillAnswered msg) {
    List<Integer> killed = new ArrayList<>();
    List<Integer> unanswered = new ArrayList<>();
    for (var o : msg.outcomes()) {
      if (!o.ok()) {
        unanswered.add(o.target());
      } else if (o.value().taskId().isPresent()) {
        killed.add(o.target());
      }
    }
    StatusReply<Killed> reply =
        unanswered.isEmpty()
            ? StatusReply.success(new Killed(killed, killMessage(killed)))
            : StatusReply.error(unavailable(unanswered));
    return Effect().reply(msg.replyTo(), reply);
  }

  private ReplyEffect<JobEvent, JobState> onRestartAnswered(Existing state, RestartAnswered msg) {
    // An instance that did not answer in time is not listed: it may restart all the same.
    List<Integer> restarted =
        msg.outcomes().stream()
            .filter(o -> o.ok() && o.value().restarted())
            .map(Outcome::target)
            .toList();
    String message =
        restarted.isEmpty()
            ? "No active instances to restart."
            : "Restarting instances " + InstanceRanges.format(restarted) + " of " + key;
    return Effect().reply(msg.replyTo(), StatusReply.success(new Restarted(restarted, message)));
  }

  private ReplyEffect<JobEvent, JobState> onScheduleAnswered(Existing state, ScheduleAnswered msg) {
    List<Integer> confirmed = new ArrayList<>();
    List<Integer> retry = new ArrayList<>();
    for (var o : msg.outcomes()) {
      if (o.ok()) {
        confirmed.add(o.target());
      } else if (o.error() instanceof Rejection) {
        // The instance refused for good (e.g. an id collision): asking again will not help.
        context
            .getLog()
            .warn(
                "Instance {}/{} refused to schedule: {}", key, o.target(), o.error().getMessage());
        confirmed.add(o.target());
      } else {
        retry.add(o.target());
      }
    }
    if (!retry.isEmpty()) {
      timers.startSingleTimer("retry-scheduling", new RetryScheduling(), SCHEDULE_RETRY);
    }
    // The creation itself is persisted: the caller hears back now even if some instances lag.
    if (confirmed.isEmpty()) {
      msg.waiter().ifPresent(Waiter::answer);
      return Effect().noReply();
    }
    return persistAndPublish(new InstancesScheduled(key, msg.scheduleId(), confirmed))
        .thenRun(
            s -> {
              msg.waiter().ifPresent(Waiter::answer);
              scheduleIdleCheck();
            })
        .thenNoReply();
  }

  private ReplyEffect<JobEvent, JobState> retryScheduling(Existing state, RetryScheduling msg) {
    state.unscheduled().forEach(b -> driveScheduling(b, Optional.empty()));
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> idleWhileExisting(Existing state, IdleCheck msg) {
    // A job with instances left to schedule stays up: its retry timer lives here.
    if (!busy && state.unscheduled().isEmpty()) {
      passivate();
    }
    return Effect().noReply();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Persists, then tells the node's read side before anything else runs. */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<JobEvent, JobState>
      persistAndPublish(JobEvent event) {
    return Effect()
        .persist(event)
        .thenRun(
            s ->
                deps.feed()
                    .persisted(persistenceId().id(), lastSequenceNumber(context), List.of(event)));
  }

  /** What a survey found: the active instances, and those that did not answer. */
  private record Survey(List<InstanceSummary> active, List<Integer> unanswered) {
    static Survey of(List<Outcome<Integer, InstanceSummary>> outcomes) {
      List<InstanceSummary> active = new ArrayList<>();
      List<Integer> unanswered = new ArrayList<>();
      for (var o : outcomes) {
        if (!o.ok()) {
          unanswered.add(o.target());
        } else if (o.value().active()) {
          active.add(o.value());
        }
      }
      return new Survey(active, unanswered);
    }
  }

  private ReplyEffect<JobEvent, JobState> persistCreation(int generation, Create cmd) {
    JobConfiguration config = cmd.config();
    List<Integer> ids = IntStream.range(0, config.instances()).boxed().toList();
    String scheduleId = key + "#" + generation;
    JobCreated event =
        new JobCreated(key, config, ids, scheduleId, deps.clock().instant(), cmd.user());
    ScheduleBatch batch = new ScheduleBatch(scheduleId, config.task(), ids);
    Waiter<Created> waiter =
        new Waiter<>(
            cmd.replyTo(),
            new Created(
                key, ids.size(), count(ids.size(), "new task") + " pending for job " + key));
    return persistAndPublish(event)
        .thenRun(s -> driveScheduling(batch, Optional.of(waiter)))
        .thenNoReply()
        .thenUnstashAll();
  }

  /** Tells every instance of the batch to schedule; the answers come back as one message. */
  private void driveScheduling(ScheduleBatch batch, Optional<Waiter<?>> waiter) {
    context.pipeToSelf(
        FanOut.askWithStatus(
            batch.remaining(),
            this::instance,
            (ActorRef<StatusReply<TaskInstanceEntity.Scheduled>> r) ->
                new TaskInstanceEntity.Schedule(batch.config(), batch.scheduleId(), r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext()),
        (outcomes, error) -> new ScheduleAnswered(batch.scheduleId(), outcomes, waiter));
  }

  /** Asks each instance for its latest task; {@code answer} makes the message the job gets. */
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

  private <T> ReplyEffect<JobEvent, JobState> rejectAndUnstash(
      ActorRef<StatusReply<T>> replyTo, Rejection rejection) {
    return Effect().reply(replyTo, StatusReply.<T>error(rejection)).thenUnstashAll();
  }

  private RecipientRef<TaskInstanceEntity.Command> instance(int instanceId) {
    return deps.instances().apply(key.instance(instanceId));
  }

  private void passivate() {
    shard.ifPresent(s -> s.tell(new ClusterSharding.Passivate<>(context.getSelf())));
  }

  private void scheduleIdleCheck() {
    timers.startSingleTimer("idle", new IdleCheck(), deps.idlePassivation());
  }

  private static Rejection unavailable(List<Integer> instances) {
    return new Rejection.Unavailable(
        "instances " + InstanceRanges.format(instances) + " did not answer in time; try again");
  }

  private <T> StatusReply<T> notFound() {
    return StatusReply.error(new Rejection.NotFound("Job " + key + " not found"));
  }

  private static String killMessage(List<Integer> killed) {
    return killed.isEmpty()
        ? "No tasks to kill."
        : "Killed instances "
            + InstanceRanges.format(killed)
            + " ("
            + count(killed.size(), "task")
            + ")";
  }

  /** Aurora's refusal of a restart, naming the instances that have no active task. */
  private static Rejection notAllActive(List<Integer> inactive) {
    return new Rejection.Invalid(
        "Not all requested shards are active. "
            + (inactive.size() == 1 ? "Instance " : "Instances ")
            + InstanceRanges.format(inactive)
            + (inactive.size() == 1 ? " has" : " have")
            + " no active task.");
  }

  /** {@code 1 task}, {@code 2 tasks}. */
  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  // ---------------------------------------------------------------------------------------------
  // Event handler

  @Override
  public EventHandler<JobState, JobEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(JobState::apply);
  }
}
