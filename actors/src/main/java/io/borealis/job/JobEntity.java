package io.borealis.job;

import io.borealis.CborSerializable;
import io.borealis.common.EventFeed;
import io.borealis.common.FanOut;
import io.borealis.common.FanOut.Outcome;
import io.borealis.common.Rejection;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
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

  /** The survey of instances a create, add or restart needed is in. */
  private record Surveyed(List<Outcome<Integer, InstanceSummary>> outcomes, Command request)
      implements Command, NoSerializationVerificationNeeded {}

  /** A scheduling round's answers are in. */
  private record ScheduleAnswered(
      String scheduleId,
      List<Outcome<Integer, TaskInstanceEntity.Scheduled>> outcomes,
      Optional<Runnable> reply)
      implements Command, NoSerializationVerificationNeeded {}

  /** A kill or restart's answers are in; the reply is ready to send. */
  private record FannedOut(Runnable reply) implements Command, NoSerializationVerificationNeeded {}

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
      int snapshotEvery,
      Duration idlePassivation,
      EventFeed feed,
      Tags tags) {

    /** With the events in one tag (tests of a single entity). */
    public Deps(
        Clock clock,
        Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
        Duration askTimeout,
        int maxTasksPerJob,
        int snapshotEvery,
        Duration idlePassivation,
        EventFeed feed) {
      this(
          clock,
          instances,
          askTimeout,
          maxTasksPerJob,
          snapshotEvery,
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
    return RetentionCriteria.snapshotEvery(deps.snapshotEvery(), 2);
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
  // Command handlers

  @Override
  public CommandHandlerWithReply<Command, JobEvent, JobState> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(JobState.Empty.class)
        .onCommand(Create.class, this::createNew)
        .onCommand(Kill.class, c -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(Restart.class, c -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(AddInstances.class, c -> Effect().reply(c.replyTo(), notFound()));
    builder
        .forStateType(Existing.class)
        .onCommand(Create.class, this::createAgain)
        .onCommand(Kill.class, this::kill)
        .onCommand(Restart.class, this::restart)
        .onCommand(AddInstances.class, this::addInstances)
        .onCommand(Surveyed.class, this::onSurveyed)
        .onCommand(ScheduleAnswered.class, this::onScheduleAnswered)
        .onCommand(RetryScheduling.class, this::retryScheduling);
    builder
        .forAnyState()
        .onCommand(FannedOut.class, this::onFannedOut)
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onAnyCommand((s, c) -> Effect().noReply());
    return builder.build();
  }

  private ReplyEffect<JobEvent, JobState> createNew(JobState.Empty state, Create cmd) {
    return persistCreation(1, cmd);
  }

  private ReplyEffect<JobEvent, JobState> createAgain(Existing state, Create cmd) {
    if (busy) {
      return Effect().stash();
    }
    busy = true;
    survey(state.instanceIds(), cmd);
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
    survey(state.instanceIds(), cmd);
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> restart(Existing state, Restart cmd) {
    List<Integer> targets = cmd.instances().orElse(state.instanceIds());
    if (!new java.util.HashSet<>(state.instanceIds()).containsAll(targets)) {
      // Ids the job never had cannot be active; no need to wake an entity to learn that.
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(new Rejection.Invalid("Not all requested shards are active.")));
    }
    survey(targets, cmd);
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> kill(Existing state, Kill cmd) {
    // Only ids the job has: the others have nothing to kill.
    Set<Integer> known = new java.util.HashSet<>(state.instanceIds());
    List<Integer> targets =
        cmd.instances()
            .map(ids -> ids.stream().filter(known::contains).toList())
            .orElse(state.instanceIds());
    FanOut.ask(
            targets,
            this::instance,
            (ActorRef<TaskInstanceEntity.KillResult> r) ->
                new TaskInstanceEntity.Kill(cmd.user(), cmd.message(), r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext())
        .whenComplete(
            (outcomes, error) -> {
              List<Integer> killed = new ArrayList<>();
              List<Integer> unanswered = new ArrayList<>();
              for (var o : outcomes) {
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
              context.getSelf().tell(new FannedOut(() -> cmd.replyTo().tell(reply)));
            });
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> onSurveyed(Existing state, Surveyed msg) {
    List<InstanceSummary> active = new ArrayList<>();
    List<Integer> unanswered = new ArrayList<>();
    for (var o : msg.outcomes()) {
      if (!o.ok()) {
        unanswered.add(o.target());
      } else if (o.value().active()) {
        active.add(o.value());
      }
    }
    if (msg.request() instanceof Create || msg.request() instanceof AddInstances) {
      busy = false;
    }
    if (!unanswered.isEmpty()) {
      // Never decide on a partial picture: an instance that did not answer may run a task.
      Rejection r = unavailable(unanswered);
      if (msg.request() instanceof Create c) {
        return rejectAndUnstash(c.replyTo(), r);
      } else if (msg.request() instanceof AddInstances a) {
        return rejectAndUnstash(a.replyTo(), r);
      }
      return Effect().reply(((Restart) msg.request()).replyTo(), StatusReply.error(r));
    }
    if (msg.request() instanceof Create cmd) {
      if (!active.isEmpty()) {
        return Effect()
            .reply(
                cmd.replyTo(),
                StatusReply.error(new Rejection.Conflict("Job " + key + " already exists")))
            .thenUnstashAll();
      }
      return persistCreation(state.generation() + 1, cmd);
    }
    if (msg.request() instanceof AddInstances cmd) {
      return add(state, cmd, active);
    }
    return restartActive((Restart) msg.request(), active);
  }

  private ReplyEffect<JobEvent, JobState> add(
      Existing state, AddInstances cmd, List<InstanceSummary> active) {
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
    return persistAndPublish(event)
        .thenRun(
            s ->
                driveScheduling(
                    new ScheduleBatch(scheduleId, config, ids),
                    Optional.of(
                        () ->
                            cmd.replyTo()
                                .tell(
                                    StatusReply.success(
                                        new Added(
                                            ids,
                                            ids.size()
                                                + " new tasks pending for job "
                                                + key
                                                + " (instances "
                                                + InstanceRanges.format(ids)
                                                + ")"))))))
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<JobEvent, JobState> restartActive(Restart cmd, List<InstanceSummary> active) {
    if (cmd.instances().isPresent() && active.size() < cmd.instances().get().size()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(new Rejection.Invalid("Not all requested shards are active.")));
    }
    List<Integer> targets = active.stream().map(s -> s.instance().instanceId()).toList();
    FanOut.ask(
            targets,
            this::instance,
            (ActorRef<TaskInstanceEntity.RestartResult> r) ->
                new TaskInstanceEntity.Restart(cmd.user(), r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext())
        .whenComplete(
            (outcomes, error) -> {
              List<Integer> restarted =
                  outcomes.stream()
                      .filter(o -> o.ok() && o.value().restarted())
                      .map(Outcome::target)
                      .toList();
              String message =
                  restarted.isEmpty()
                      ? "No active instances to restart."
                      : "Restarting instances " + InstanceRanges.format(restarted) + " of " + key;
              context
                  .getSelf()
                  .tell(
                      new FannedOut(
                          () ->
                              cmd.replyTo()
                                  .tell(StatusReply.success(new Restarted(restarted, message)))));
            });
    return Effect().noReply();
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
    Runnable reply = msg.reply().orElse(() -> {});
    if (confirmed.isEmpty()) {
      reply.run();
      return Effect().noReply();
    }
    return persistAndPublish(new InstancesScheduled(key, msg.scheduleId(), confirmed))
        .thenRun(
            s -> {
              reply.run();
              scheduleIdleCheck();
            })
        .thenNoReply();
  }

  private ReplyEffect<JobEvent, JobState> retryScheduling(Existing state, RetryScheduling msg) {
    state.unscheduled().forEach(b -> driveScheduling(b, Optional.empty()));
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> onFannedOut(JobState state, FannedOut msg) {
    msg.reply().run();
    return Effect().noReply();
  }

  private ReplyEffect<JobEvent, JobState> onIdleCheck(JobState state, IdleCheck msg) {
    boolean pending = state instanceof Existing x && !x.unscheduled().isEmpty();
    if (!busy && !pending) {
      shard.ifPresent(s -> s.tell(new ClusterSharding.Passivate<>(context.getSelf())));
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

  private ReplyEffect<JobEvent, JobState> persistCreation(int generation, Create cmd) {
    JobConfiguration config = cmd.config();
    List<Integer> ids = IntStream.range(0, config.instances()).boxed().toList();
    String scheduleId = key + "#" + generation;
    JobCreated event =
        new JobCreated(key, config, ids, scheduleId, deps.clock().instant(), cmd.user());
    String message = ids.size() + " new tasks pending for job " + key;
    return persistAndPublish(event)
        .thenRun(
            s ->
                driveScheduling(
                    new ScheduleBatch(scheduleId, config.task(), ids),
                    Optional.of(
                        () ->
                            cmd.replyTo()
                                .tell(StatusReply.success(new Created(key, ids.size(), message))))))
        .thenNoReply()
        .thenUnstashAll();
  }

  /** Tells every instance of the batch to schedule; the answers come back as one message. */
  private void driveScheduling(ScheduleBatch batch, Optional<Runnable> reply) {
    context.pipeToSelf(
        FanOut.askWithStatus(
            batch.remaining(),
            this::instance,
            (ActorRef<StatusReply<TaskInstanceEntity.Scheduled>> r) ->
                new TaskInstanceEntity.Schedule(batch.config(), batch.scheduleId(), r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext()),
        (outcomes, error) -> new ScheduleAnswered(batch.scheduleId(), outcomes, reply));
  }

  private void survey(List<Integer> ids, Command request) {
    context.pipeToSelf(
        FanOut.ask(
            ids,
            this::instance,
            (ActorRef<InstanceSummary> r) -> new TaskInstanceEntity.Describe(r),
            deps.askTimeout(),
            context.getSystem().scheduler(),
            context.getExecutionContext()),
        (outcomes, error) -> new Surveyed(outcomes, request));
  }

  private <T> ReplyEffect<JobEvent, JobState> rejectAndUnstash(
      ActorRef<StatusReply<T>> replyTo, Rejection rejection) {
    return Effect().reply(replyTo, StatusReply.<T>error(rejection)).thenUnstashAll();
  }

  private RecipientRef<TaskInstanceEntity.Command> instance(int instanceId) {
    return deps.instances().apply(key.instance(instanceId));
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
        : "Killed instances " + InstanceRanges.format(killed) + " (" + killed.size() + " tasks)";
  }

  // ---------------------------------------------------------------------------------------------
  // Event handler

  @Override
  public EventHandler<JobState, JobEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(JobState::apply);
  }
}
