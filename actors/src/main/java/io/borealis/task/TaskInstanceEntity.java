package io.borealis.task;

import io.borealis.CborSerializable;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.TaskRef;
import io.borealis.common.EventFeed;
import io.borealis.common.Metrics;
import io.borealis.common.Rejection;
import io.borealis.common.Supervision;
import io.borealis.common.Tags;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.PartitionPolicy;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.placement.Assignees;
import io.borealis.placement.PlacedTask;
import io.borealis.placement.PlacementEngine;
import io.borealis.placement.Preemptees;
import io.borealis.task.InstancePlanner.Action;
import io.borealis.task.InstancePlanner.Plan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
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
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One instance of a job ({@code instance|role/env/name/N}): owns the instance's current task and
 * its recent history, and applies the task state machine to every request and status update. It
 * registers its PENDING task with placement, asks the backend to kill what must die, and keeps the
 * state timers of aurora-semantics §2.5 (transient timeout, kill retry, throttle, partition).
 *
 * <p>Invariant: at most one active task; a reply that confirms a change is sent only after the
 * change is persisted. An instance with no active task passivates itself when idle, so only live
 * instances are remembered by sharding and woken after a restart.
 */
public final class TaskInstanceEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        TaskInstanceEntity.Command, InstanceEvent, InstanceState> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "instance");

  static final String TIMED_OUT = "Task timed out";
  static final String PARTITIONED_TOO_LONG = "Task partitioned for too long.";

  /** Counter (aurora-semantics §8): transient-state timeouts that made a task LOST. */
  public static final String TIMED_OUT_TASKS = "timed_out_tasks";

  /** Counter (aurora-semantics §8): kills sent again because a task stayed KILLING. */
  public static final String TASK_KILL_RETRIES = "task_kill_retries";

  /**
   * Counter (aurora-semantics §2.1, §8): status changes the state machine refused (ILLEGAL, with or
   * without the kill of a zombie task).
   */
  public static final String ILLEGAL_TRANSITIONS = "scheduler_illegal_task_state_transitions";

  /** Counter (aurora-semantics §2.5, §8): ended tasks pruned from the history. */
  public static final String TASKS_PRUNED = "tasks_pruned";

  /** The penalty in a THROTTLED task's message, for tasks journaled before it was a field. */
  private static final Pattern PENALIZED = Pattern.compile("penalized for (\\d+) ms");

  // ---------------------------------------------------------------------------------------------
  // Commands and replies

  /** What an instance accepts. */
  public sealed interface Command extends CborSerializable {}

  /** Create a PENDING task with this config; idempotent per {@code scheduleId}. */
  public record Schedule(
      TaskConfig config, String scheduleId, ActorRef<StatusReply<Scheduled>> replyTo)
      implements Command {}

  /** A command about one task: its id goes in the log's MDC as {@code task_id}. */
  public interface AboutTask {
    String taskId();
  }

  /** The task a {@link Schedule} created (or had already created). */
  public record Scheduled(String taskId, boolean alreadyScheduled) implements CborSerializable {}

  /** Placement bound the PENDING task to an agent; reply once ASSIGNED is persisted. */
  public record Assign(String taskId, Assignment assignment, ActorRef<StatusReply<Done>> replyTo)
      implements Command, AboutTask {}

  /** A status from the backend; the reply is the acknowledgement, sent after persisting. */
  public record ApplyStatus(
      String taskId,
      ScheduleStatus status,
      Optional<String> message,
      Optional<String> agentId,
      ActorRef<Done> replyTo)
      implements Command, AboutTask {}

  /** Kill the active task, if any. */
  public record Kill(String user, Optional<String> message, ActorRef<KillResult> replyTo)
      implements Command {}

  /**
   * Kill the active task with exactly {@code message} (a job update's "Killed for job update
   * <id>"), only if it is still {@code taskId}: an update never kills a task it has not seen.
   */
  public record KillTask(String taskId, String message, ActorRef<KillResult> replyTo)
      implements Command, AboutTask {}

  /**
   * Take the active task down for the scheduler's own reasons, only if it is still {@code taskId}:
   * {@code to} is PREEMPTING (placement needs its room) or DRAINING (its host goes into
   * maintenance), with {@code message} ("Preempting in favor of <taskId>", "Draining machine for
   * maintenance."). The task is rescheduled once it is down. The reply names the task only if the
   * transition happened.
   */
  public record Interrupt(String taskId, TaskState to, String message, ActorRef<KillResult> replyTo)
      implements Command, AboutTask {
    public Interrupt {
      if (to != TaskState.PREEMPTING && to != TaskState.DRAINING) {
        throw new IllegalArgumentException("an interruption goes PREEMPTING or DRAINING: " + to);
      }
    }
  }

  /** The task that is now being killed, or none when there was nothing to kill. */
  public record KillResult(InstanceKey instance, Optional<String> taskId)
      implements CborSerializable {}

  /** Restart the active task: it goes RESTARTING and is rescheduled once it is down. */
  public record Restart(String user, ActorRef<RestartResult> replyTo) implements Command {}

  /** Whether the restart was started. */
  public record RestartResult(InstanceKey instance, boolean restarted)
      implements CborSerializable {}

  /** Tell the instance's latest task. */
  public record Describe(ActorRef<InstanceSummary> replyTo) implements Command {}

  /** An instance and its latest task (which may be terminal, or absent). */
  public record InstanceSummary(InstanceKey instance, Optional<ScheduledTask> latest)
      implements CborSerializable {
    public boolean active() {
      return latest.map(t -> t.status().isActive()).orElse(false);
    }
  }

  /** Drop these ended tasks from the history (the job's history pruning chose them). */
  public record Prune(List<String> taskIds, ActorRef<Done> replyTo) implements Command {}

  /**
   * Replace the instance's tasks with a backup's, newest first (none erases the instance): a
   * committed recovery. Timers and placement follow the restored state as after a recovery; a live
   * task the backup does not hold is killed on its agent.
   */
  public record Restore(List<ScheduledTask> tasks, ActorRef<Done> replyTo) implements Command {}

  /** Timer: the task stayed too long in a transient status. */
  public record TransientTimeout(String taskId, ScheduleStatus status)
      implements Command, AboutTask {}

  /** Timer: send the kill again while the task is still KILLING. */
  public record RetryKill(String taskId, long delayMs) implements Command, AboutTask {}

  /** Timer: a THROTTLED task's penalty is over. */
  public record ReleaseThrottle(String taskId) implements Command, AboutTask {}

  /** Timer: a PARTITIONED task's grace period is over. */
  public record PartitionTimeout(String taskId, Instant lastEvent) implements Command, AboutTask {}

  /** Timer: remind placement of the PENDING task (placement may have restarted). */
  public record RefreshPending(String taskId) implements Command, AboutTask {}

  /** Timer: an instance without an active task stops, to be woken by the next message. */
  public record IdleCheck() implements Command {}

  // ---------------------------------------------------------------------------------------------
  // Wiring

  /** What an instance needs from the node. Time and randomness are injected for tests. */
  public record Deps(
      Clock clock,
      Supplier<UUID> ids,
      RandomGenerator random,
      TaskSettings settings,
      ActorRef<PlacementEngine.Command> placement,
      ActorRef<ResourceBackend.Command> backend,
      EventFeed feed,
      Tags tags,
      InstanceChanges changes) {

    /** Announcing changes nowhere (nothing listens). */
    public Deps(
        Clock clock,
        Supplier<UUID> ids,
        RandomGenerator random,
        TaskSettings settings,
        ActorRef<PlacementEngine.Command> placement,
        ActorRef<ResourceBackend.Command> backend,
        EventFeed feed,
        Tags tags) {
      this(clock, ids, random, settings, placement, backend, feed, tags, InstanceChanges.NONE);
    }

    /** With the events in one tag (tests of a single entity). */
    public Deps(
        Clock clock,
        Supplier<UUID> ids,
        RandomGenerator random,
        TaskSettings settings,
        ActorRef<PlacementEngine.Command> placement,
        ActorRef<ResourceBackend.Command> backend,
        EventFeed feed) {
      this(clock, ids, random, settings, placement, backend, feed, Tags.SINGLE);
    }
  }

  private final InstanceKey key;
  private final Deps deps;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Optional<ActorRef<ClusterSharding.ShardCommand>> shard;
  private final InstancePlanner planner;
  private final Set<String> tags;
  private final Metrics.Counter timedOut;
  private final Metrics.Counter killRetries;
  private final Metrics.Counter illegalTransitions;
  private final Metrics metrics;

  /**
   * The (task, status, last event) the timers were last armed for; not persisted. Null until the
   * first arming, so a recovered instance always arms its timers (the idle one included).
   */
  private String armedFor;

  /**
   * When this instance was last loaded from its journal: a transient status's timeout runs in full
   * from then (aurora-semantics §6), so a task that started while the scheduler was away is heard
   * of through reconciliation before it could time out. Not persisted.
   */
  private Instant loadedAt = Instant.MIN;

  /** Starts the sharded entity type on this node (remembered: live instances restart with it). */
  public static void init(ActorSystem<?> system, Deps deps, boolean rememberEntities) {
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx ->
                        withMdc(
                            ctx.getEntityId(),
                            create(
                                InstanceKey.parse(ctx.getEntityId()),
                                deps,
                                Optional.of(ctx.getShard()))))
                .withSettings(
                    ClusterShardingSettings.create(system).withRememberEntities(rememberEntities)));
  }

  /** How other actors address an instance, wherever in the cluster it lives. */
  public static Function<InstanceKey, RecipientRef<Command>> refs(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return key -> sharding.entityRefFor(ENTITY_KEY, key.toString());
  }

  /**
   * How placement reaches instances: {@link Assign} asked through {@code refs}, succeeding once the
   * instance has persisted ASSIGNED.
   */
  public static Assignees assignees(
      Function<InstanceKey, RecipientRef<Command>> refs, Scheduler scheduler) {
    return (instance, taskId, assignment, timeout) ->
        AskPattern.askWithStatus(
            refs.apply(instance),
            (ActorRef<StatusReply<Done>> replyTo) -> new Assign(taskId, assignment, replyTo),
            timeout,
            scheduler);
  }

  /**
   * How placement preempts tasks: {@link Interrupt} to PREEMPTING asked through {@code refs},
   * answering whether the task went PREEMPTING.
   */
  public static Preemptees preemptees(
      Function<InstanceKey, RecipientRef<Command>> refs, Scheduler scheduler) {
    return (instance, taskId, message, timeout) ->
        AskPattern.ask(
                refs.apply(instance),
                (ActorRef<KillResult> replyTo) ->
                    new Interrupt(taskId, TaskState.PREEMPTING, message, replyTo),
                timeout,
                scheduler)
            .thenApply(result -> result.taskId().isPresent());
  }

  /**
   * The entity with its instance ({@code role/env/name/N}) in the MDC of every log line it writes,
   * and the task's id ({@code task_id}) while it handles a command about one task.
   */
  static Behavior<Command> withMdc(String instance, Behavior<Command> entity) {
    return Behaviors.withMdc(
        Command.class,
        java.util.Map.of("instance", instance),
        command ->
            command instanceof AboutTask t
                ? java.util.Map.of("task_id", t.taskId())
                : java.util.Map.of(),
        entity);
  }

  public static Behavior<Command> create(
      InstanceKey key, Deps deps, Optional<ActorRef<ClusterSharding.ShardCommand>> shard) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new TaskInstanceEntity(key, deps, context, timers, shard)));
  }

  private TaskInstanceEntity(
      InstanceKey key,
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
    TaskSettings s = deps.settings();
    Metrics metrics = Metrics.of(context.getSystem());
    this.timedOut = metrics.counter(TIMED_OUT_TASKS);
    this.killRetries = metrics.counter(TASK_KILL_RETRIES);
    this.illegalTransitions = metrics.counter(ILLEGAL_TRANSITIONS);
    metrics.counter(TASKS_PRUNED);
    this.metrics = metrics;
    RescheduleCalculator reschedule =
        new RescheduleCalculator(
            s.flappingThreshold(),
            RescheduleCalculator.truncatedBinary(
                s.initialFlappingPenalty(), s.maxFlappingPenalty(), deps.random()));
    this.planner = new InstancePlanner(key, deps.ids(), reschedule, s.historyPerInstance());
  }

  @Override
  public InstanceState emptyState() {
    return new InstanceState.Empty();
  }

  @Override
  public Set<String> tagsFor(InstanceEvent event) {
    return tags;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Events are kept: the read side rebuilds from them. Snapshots bound recovery time.
    return deps.settings().snapshots().retention();
  }

  @Override
  public SignalHandler<InstanceState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Command handlers

  @Override
  public CommandHandlerWithReply<Command, InstanceEvent, InstanceState> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, InstanceEvent, InstanceState> builder =
        newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(InstanceState.Active.class)
        .onCommand(Schedule.class, this::scheduleWhileActive);
    builder
        .forAnyState()
        .onCommand(Schedule.class, this::schedule)
        .onCommand(Assign.class, this::assign)
        .onCommand(ApplyStatus.class, this::applyStatus)
        .onCommand(Kill.class, this::kill)
        .onCommand(KillTask.class, this::killTask)
        .onCommand(Interrupt.class, this::interrupt)
        .onCommand(Restart.class, this::restart)
        .onCommand(
            Prune.class,
            (s, c) ->
                persist(planner.prune(s, c.taskIds())).thenReply(c.replyTo(), x -> Done.done()))
        .onCommand(Restore.class, this::restore)
        .onCommand(Describe.class, (s, c) -> Effect().reply(c.replyTo(), summary(s)))
        .onCommand(TransientTimeout.class, this::transientTimeout)
        .onCommand(RetryKill.class, this::retryKill)
        .onCommand(ReleaseThrottle.class, this::releaseThrottle)
        .onCommand(PartitionTimeout.class, this::partitionTimeout)
        .onCommand(RefreshPending.class, this::refreshPending)
        .onCommand(IdleCheck.class, this::idleCheck);
    return builder.build();
  }

  private ReplyEffect<InstanceEvent, InstanceState> restore(InstanceState before, Restore cmd) {
    InstanceEvent event = new InstanceEvent.InstanceRestored(key, cmd.tasks(), now());
    Set<String> kept = new HashSet<>();
    cmd.tasks().forEach(t -> kept.add(t.taskId()));
    Optional<ScheduledTask> gone =
        before.latestTask().filter(t -> t.status().isActive() && !kept.contains(t.taskId()));
    return persist(
            new Plan(StateChangeResult.SUCCESS, before.apply(event), List.of(event), List.of()))
        .thenRun(
            state -> {
              gone.ifPresent(
                  t -> {
                    deps.placement().tell(new PlacementEngine.TaskGone(t.taskId()));
                    if (t.status().isSlaveAssigned()) {
                      sendKill(t.taskId(), t.assignment().map(Assignment::agentId));
                    }
                  });
              // As after a recovery: placement, timers and the backend learn the restored task.
              onRecovered(state);
            })
        .thenReply(cmd.replyTo(), s -> Done.done());
  }

  private ReplyEffect<InstanceEvent, InstanceState> scheduleWhileActive(
      InstanceState.Active state, Schedule cmd) {
    if (cmd.scheduleId().equals(state.lastScheduleId())) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Scheduled(state.current().taskId(), true)));
    }
    return Effect()
        .reply(
            cmd.replyTo(),
            StatusReply.error(new Rejection.Conflict("Instance ID collision detected.")));
  }

  private ReplyEffect<InstanceEvent, InstanceState> schedule(InstanceState state, Schedule cmd) {
    if (cmd.scheduleId().equals(state.scheduleId())) {
      // Already done (the job re-drives after a restart): the task may have ended since.
      String taskId = state.latestTask().map(ScheduledTask::taskId).orElse("");
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Scheduled(taskId, true)));
    }
    Plan plan = planner.schedule(state, cmd.config(), cmd.scheduleId(), now());
    String taskId = plan.state().latestTask().orElseThrow().taskId();
    return persist(plan)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new Scheduled(taskId, false)));
  }

  private ReplyEffect<InstanceEvent, InstanceState> assign(InstanceState state, Assign cmd) {
    boolean pending =
        state instanceof InstanceState.Active a
            && a.current().taskId().equals(cmd.taskId())
            && a.current().status() == ScheduleStatus.PENDING;
    if (!pending) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Rejection.Conflict(
                      "task " + cmd.taskId() + " of " + key + " is not PENDING")));
    }
    return persist(planner.assign(state, cmd.taskId(), cmd.assignment(), now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<InstanceEvent, InstanceState> applyStatus(
      InstanceState state, ApplyStatus cmd) {
    Plan plan =
        planner.changeState(
            state,
            cmd.taskId(),
            Optional.empty(),
            TaskState.of(cmd.status()),
            killedMessage(state, cmd),
            now(),
            cmd.agentId());
    if (plan.result() == StateChangeResult.ILLEGAL
        || plan.result() == StateChangeResult.ILLEGAL_WITH_SIDE_EFFECTS) {
      context
          .getLog()
          .info(
              "Ignoring {} for task {} of {} ({}).",
              cmd.status(),
              cmd.taskId(),
              key,
              plan.result());
    }
    return persist(plan).thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  /** The statuses of a task the scheduler takes down, each entered with its reason. */
  private static final java.util.Set<ScheduleStatus> TAKEN_DOWN =
      java.util.EnumSet.of(
          ScheduleStatus.RESTARTING,
          ScheduleStatus.DRAINING,
          ScheduleStatus.PREEMPTING,
          ScheduleStatus.KILLING);

  /**
   * The agent only knows that it was told to kill: a task that was killed, restarted, drained or
   * preempted says why in its final status too ("Killed by bob (Killed by the scheduler)", "Killed
   * for job update U (…)"), so the status a user reads names who took it down.
   */
  private static Optional<String> killedMessage(InstanceState state, ApplyStatus cmd) {
    if (cmd.status() != ScheduleStatus.KILLED
        || !(state instanceof InstanceState.Active active)
        || !active.current().taskId().equals(cmd.taskId())
        || !TAKEN_DOWN.contains(active.current().status())) {
      return cmd.message();
    }
    List<TaskEvent> events = active.current().events();
    Optional<String> why = events.get(events.size() - 1).message();
    if (why.isEmpty()) {
      return cmd.message();
    }
    return Optional.of(why.get() + cmd.message().map(m -> " (" + m + ")").orElse(""));
  }

  private ReplyEffect<InstanceEvent, InstanceState> kill(InstanceState state, Kill cmd) {
    if (!(state instanceof InstanceState.Active active)) {
      return Effect().reply(cmd.replyTo(), new KillResult(key, Optional.empty()));
    }
    String message = "Killed by " + cmd.user() + cmd.message().map(m -> ".\n" + m).orElse("");
    String taskId = active.current().taskId();
    Plan plan =
        planner.changeState(
            state,
            taskId,
            Optional.empty(),
            TaskState.KILLING,
            Optional.of(message),
            now(),
            Optional.empty());
    return persist(plan).thenReply(cmd.replyTo(), s -> new KillResult(key, Optional.of(taskId)));
  }

  private ReplyEffect<InstanceEvent, InstanceState> killTask(InstanceState state, KillTask cmd) {
    if (!(state instanceof InstanceState.Active active)
        || !active.current().taskId().equals(cmd.taskId())) {
      return Effect().reply(cmd.replyTo(), new KillResult(key, Optional.empty()));
    }
    Plan plan =
        planner.changeState(
            state,
            cmd.taskId(),
            Optional.empty(),
            TaskState.KILLING,
            Optional.of(cmd.message()),
            now(),
            Optional.empty());
    return persist(plan)
        .thenReply(cmd.replyTo(), s -> new KillResult(key, Optional.of(cmd.taskId())));
  }

  private ReplyEffect<InstanceEvent, InstanceState> interrupt(InstanceState state, Interrupt cmd) {
    if (!(state instanceof InstanceState.Active active)
        || !active.current().taskId().equals(cmd.taskId())) {
      return Effect().reply(cmd.replyTo(), new KillResult(key, Optional.empty()));
    }
    Plan plan =
        planner.changeState(
            state,
            cmd.taskId(),
            Optional.empty(),
            cmd.to(),
            Optional.of(cmd.message()),
            now(),
            Optional.empty());
    Optional<String> interrupted =
        plan.result() == StateChangeResult.SUCCESS ? Optional.of(cmd.taskId()) : Optional.empty();
    return persist(plan).thenReply(cmd.replyTo(), s -> new KillResult(key, interrupted));
  }

  private ReplyEffect<InstanceEvent, InstanceState> restart(InstanceState state, Restart cmd) {
    if (!(state instanceof InstanceState.Active active)) {
      return Effect().reply(cmd.replyTo(), new RestartResult(key, false));
    }
    Plan plan =
        planner.changeState(
            state,
            active.current().taskId(),
            Optional.empty(),
            TaskState.RESTARTING,
            Optional.of("Restarted by " + cmd.user()),
            now(),
            Optional.empty());
    boolean restarted = plan.result() == StateChangeResult.SUCCESS;
    return persist(plan).thenReply(cmd.replyTo(), s -> new RestartResult(key, restarted));
  }

  private ReplyEffect<InstanceEvent, InstanceState> transientTimeout(
      InstanceState state, TransientTimeout cmd) {
    // A compare-and-set: a task that left the status meanwhile (ASSIGNED → KILLING) is not touched
    // by the old status's timer; its new status armed its own.
    Plan plan =
        planner.changeState(
            state,
            cmd.taskId(),
            Optional.of(cmd.status()),
            TaskState.LOST,
            Optional.of(TIMED_OUT),
            now(),
            Optional.empty());
    boolean timesOut = plan.result() == StateChangeResult.SUCCESS;
    return persist(plan)
        .thenRun(
            s -> {
              if (timesOut) {
                timedOut.increment();
              }
            })
        .thenNoReply();
  }

  private ReplyEffect<InstanceEvent, InstanceState> retryKill(InstanceState state, RetryKill cmd) {
    Optional<ScheduledTask> task = currentIf(state, cmd.taskId(), ScheduleStatus.KILLING);
    if (task.isEmpty()) {
      return Effect().noReply();
    }
    return Effect()
        .none()
        .thenRun(
            s -> {
              sendKill(task.get().taskId(), task.get().assignment().map(Assignment::agentId));
              killRetries.increment();
              long next =
                  Math.min(cmd.delayMs() * 2, deps.settings().transientStateTimeout().toMillis());
              timers.startSingleTimer(
                  "kill-retry", new RetryKill(cmd.taskId(), next), Duration.ofMillis(next));
            })
        .thenNoReply();
  }

  private ReplyEffect<InstanceEvent, InstanceState> releaseThrottle(
      InstanceState state, ReleaseThrottle cmd) {
    return persist(
            planner.changeState(
                state,
                cmd.taskId(),
                Optional.of(ScheduleStatus.THROTTLED),
                TaskState.PENDING,
                Optional.empty(),
                now(),
                Optional.empty()))
        .thenNoReply();
  }

  private ReplyEffect<InstanceEvent, InstanceState> partitionTimeout(
      InstanceState state, PartitionTimeout cmd) {
    Optional<ScheduledTask> task = currentIf(state, cmd.taskId(), ScheduleStatus.PARTITIONED);
    if (task.isEmpty() || !task.get().latestEvent().timestamp().equals(cmd.lastEvent())) {
      return Effect().noReply();
    }
    return persist(
            planner.changeState(
                state,
                cmd.taskId(),
                Optional.of(ScheduleStatus.PARTITIONED),
                TaskState.LOST,
                Optional.of(PARTITIONED_TOO_LONG),
                now(),
                Optional.empty()))
        .thenNoReply();
  }

  private ReplyEffect<InstanceEvent, InstanceState> refreshPending(
      InstanceState state, RefreshPending cmd) {
    currentIf(state, cmd.taskId(), ScheduleStatus.PENDING).ifPresent(this::registerPending);
    return Effect().noReply();
  }

  private ReplyEffect<InstanceEvent, InstanceState> idleCheck(InstanceState state, IdleCheck cmd) {
    if (!(state instanceof InstanceState.Active)) {
      shard.ifPresent(s -> s.tell(new ClusterSharding.Passivate<>(context.getSelf())));
    }
    return Effect().noReply();
  }

  // ---------------------------------------------------------------------------------------------
  // Event handler: the state's own transition function

  @Override
  public EventHandler<InstanceState, InstanceEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(InstanceState::apply);
  }

  // ---------------------------------------------------------------------------------------------
  // After persisting

  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<InstanceEvent, InstanceState>
      persist(Plan plan) {
    if (plan.result() == StateChangeResult.ILLEGAL
        || plan.result() == StateChangeResult.ILLEGAL_WITH_SIDE_EFFECTS) {
      illegalTransitions.increment();
    }
    return Effect()
        .persist(plan.events())
        .thenRun(
            state -> {
              if (!plan.events().isEmpty()) {
                deps.feed()
                    .persisted(persistenceId().id(), lastSequenceNumber(context), plan.events());
                if (deps.changes().listens(key.job())) {
                  deps.changes().changed(change(state, plan.events()));
                }
              }
              for (Action action : plan.actions()) {
                perform(action);
              }
              releaseResources(plan.events());
              count(state, plan.events());
              afterChange(state);
            });
  }

  private void perform(Action action) {
    if (action instanceof Action.KillTask k) {
      sendKill(k.taskId(), k.agentId());
    } else if (action instanceof Action.UnregisterPending u) {
      deps.placement().tell(new PlacementEngine.TaskGone(u.taskId()));
    }
  }

  /**
   * Tells placement of every task that stopped holding resources (it left the SLAVE_ASSIGNED
   * states), so limits and preemption stop counting it. Placement learns of tasks that start
   * holding them from their confirmed assignment, and from {@link #onRecovered}.
   */
  private void releaseResources(List<InstanceEvent> events) {
    for (InstanceEvent e : events) {
      if (e instanceof InstanceEvent.TaskStateChanged c
          && c.from().isSlaveAssigned()
          && !c.to().isSlaveAssigned()) {
        deps.placement()
            .tell(new PlacementEngine.TaskGone(c.taskId(), c.to() == ScheduleStatus.LOST));
      }
    }
  }

  /** Aurora's per-job counters of the transitions just persisted ({@link TaskVars}). */
  private void count(InstanceState state, List<InstanceEvent> events) {
    for (InstanceEvent e : events) {
      if (e instanceof InstanceEvent.TasksPruned p) {
        metrics.counter(TASKS_PRUNED).add(p.taskIds().size());
      }
      if (e instanceof InstanceEvent.TaskStateChanged c) {
        state
            .find(c.taskId())
            .ifPresent(
                t ->
                    TaskVars.countersFor(key.job(), t.config(), c.to())
                        .forEach(name -> metrics.counter(name).increment()));
      }
    }
  }

  private void sendKill(String taskId, Optional<String> agentId) {
    deps.backend().tell(new ResourceBackend.Kill(taskId, agentId));
  }

  private void registerPending(ScheduledTask task) {
    deps.placement()
        .tell(
            new PlacementEngine.TaskPending(
                task.taskId(), key, task.config(), Optional.of(task.latestEvent().timestamp())));
  }

  private void onRecovered(InstanceState state) {
    state
        .latestTask()
        .filter(t -> t.status().isSlaveAssigned())
        .ifPresent(
            t -> {
              // The backend may have lost or finished the task while we were away: ask it.
              Optional<String> agent = t.assignment().map(Assignment::agentId);
              // A placement engine that restarted meanwhile learns again where the task is.
              t.assignment()
                  .ifPresent(
                      a ->
                          deps.placement()
                              .tell(
                                  new PlacementEngine.TaskPlaced(
                                      new PlacedTask(
                                          t.taskId(), key, t.config(), a.agentId(), a.host()))));
              deps.backend()
                  .tell(
                      new ResourceBackend.Reconcile(List.of(new TaskRef(t.taskId(), key, agent))));
              if (t.status() == ScheduleStatus.KILLING) {
                sendKill(t.taskId(), agent);
              }
            });
    // A restart after a failed write cancels every timer but keeps this object (and armedFor):
    // arm again from scratch.
    armedFor = null;
    loadedAt = now();
    afterChange(state);
  }

  /**
   * Arms the timers the current task's status calls for, and registers a PENDING task with
   * placement. Re-arms only when the task, its status or its latest event changed, so a repeated
   * status update never postpones a timeout.
   */
  private void afterChange(InstanceState state) {
    Optional<ScheduledTask> current =
        state instanceof InstanceState.Active a ? Optional.of(a.current()) : Optional.empty();
    String marker =
        current
            .map(t -> t.taskId() + "|" + t.status() + "|" + t.latestEvent().timestamp())
            .orElse("");
    if (marker.equals(armedFor)) {
      return;
    }
    armedFor = marker;
    timers.cancel("status");
    timers.cancel("kill-retry");
    timers.cancel("pending-refresh");
    timers.cancel("idle");
    if (current.isEmpty()) {
      timers.startSingleTimer("idle", new IdleCheck(), deps.settings().idlePassivation());
      return;
    }
    ScheduledTask t = current.get();
    TaskSettings s = deps.settings();
    // Deadlines count from the event that entered the status (a throttled task keeps its release
    // time, a partitioned one its policy's delay), except a transient status's timeout, which runs
    // in full from when the instance was loaded, as Aurora's does from start.
    Instant entered = t.latestEvent().timestamp();
    Instant timeoutFrom = entered.isAfter(loadedAt) ? entered : loadedAt;
    switch (t.status()) {
      case PENDING -> {
        registerPending(t);
        timers.startTimerWithFixedDelay(
            "pending-refresh", new RefreshPending(t.taskId()), s.pendingRefreshInterval());
      }
      case THROTTLED ->
          timers.startSingleTimer(
              "status",
              new ReleaseThrottle(t.taskId()),
              until(entered.plusMillis(throttlePenaltyMs(t))));
      case ASSIGNED, PREEMPTING, RESTARTING, DRAINING ->
          timers.startSingleTimer(
              "status",
              new TransientTimeout(t.taskId(), t.status()),
              until(timeoutFrom.plus(s.transientStateTimeout())));
      case KILLING -> {
        timers.startSingleTimer(
            "status",
            new TransientTimeout(t.taskId(), t.status()),
            until(timeoutFrom.plus(s.transientStateTimeout())));
        KillRetry retry =
            KillRetry.after(
                Duration.between(entered, now()),
                s.initialKillRetryInterval(),
                s.transientStateTimeout());
        timers.startSingleTimer(
            "kill-retry", new RetryKill(t.taskId(), retry.intervalMs()), retry.in());
      }
      case PARTITIONED -> {
        PartitionPolicy policy = t.config().partitionPolicy();
        if (policy.reschedule()) {
          timers.startSingleTimer(
              "status",
              new PartitionTimeout(t.taskId(), entered),
              until(entered.plusSeconds(policy.delaySecs())));
        }
      }
      default -> {
        // STARTING and RUNNING have no timer (STARTING is not transient, as in Aurora).
      }
    }
  }

  /**
   * How long a THROTTLED task waits: the penalty drawn when it was created. A task journaled before
   * the penalty was kept has it only in its message ("penalized for N ms"); failing that, the
   * initial penalty.
   */
  private long throttlePenaltyMs(ScheduledTask t) {
    if (t.penaltyMs() > 0) {
      return t.penaltyMs();
    }
    Matcher m = PENALIZED.matcher(t.events().get(0).message().orElse(""));
    return m.find()
        ? Long.parseLong(m.group(1))
        : deps.settings().initialFlappingPenalty().toMillis();
  }

  /**
   * When to send a KILLING task's kill again: kills go out at the KILLING event and then after
   * intervals starting at {@code initial} and doubling up to {@code cap}. {@code in} is the wait
   * from {@code elapsed} (time since the KILLING event) to the next resend, {@code intervalMs} the
   * interval that ends there.
   */
  record KillRetry(Duration in, long intervalMs) {
    static KillRetry after(Duration elapsed, Duration initial, Duration cap) {
      long since = Math.max(0, elapsed.toMillis());
      long interval = Math.max(1, initial.toMillis());
      long at = interval;
      while (at <= since) {
        interval = Math.min(interval * 2, Math.max(1, cap.toMillis()));
        at += interval;
      }
      return new KillRetry(Duration.ofMillis(at - since), interval);
    }
  }

  private Duration until(Instant when) {
    Duration d = Duration.between(now(), when);
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static Optional<ScheduledTask> currentIf(
      InstanceState state, String taskId, ScheduleStatus status) {
    return state.latestTask().filter(t -> t.taskId().equals(taskId) && t.status() == status);
  }

  private InstanceChange change(InstanceState state, List<InstanceEvent> events) {
    java.util.LinkedHashSet<String> ids = new java.util.LinkedHashSet<>();
    for (InstanceEvent e : events) {
      if (e instanceof InstanceEvent.TaskCreated c) {
        ids.add(c.task().taskId());
      } else if (e instanceof InstanceEvent.TaskAssigned a) {
        ids.add(a.taskId());
      } else if (e instanceof InstanceEvent.TaskStateChanged c) {
        ids.add(c.taskId());
      } else if (e instanceof InstanceEvent.InstanceRestored r) {
        r.tasks().forEach(t -> ids.add(t.taskId()));
      }
    }
    List<ScheduledTask> changed = new ArrayList<>();
    for (String id : ids) {
      state.find(id).ifPresent(changed::add);
    }
    return new InstanceChange(key, changed, state.latestTask());
  }

  private InstanceSummary summary(InstanceState state) {
    return new InstanceSummary(key, state.latestTask());
  }

  private Instant now() {
    return deps.clock().instant();
  }
}
