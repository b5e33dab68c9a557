package io.borealis.maintenance;

import io.borealis.CborSerializable;
import io.borealis.common.Metrics;
import io.borealis.common.Rejection;
import io.borealis.common.Supervision;
import io.borealis.model.InstanceKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.SlaPolicy;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskState;
import io.borealis.update.SlaCoordinator;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
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
 * Host maintenance for the whole cluster (aurora-semantics §3.6), one entity run as a cluster
 * singleton (persistence id {@code maintenance}): it holds each host's mode and drain request,
 * tells placement the whole picture of modes when it starts, whenever a mode changes and on every
 * drained check (placement keeps no durable state and may have restarted), and drains hosts: a
 * forced drain takes every task down at once, an SLA-aware one lets the poller take tasks down as
 * their jobs' SLA allows, until the request's timeout forces the rest.
 *
 * <p>One entity rather than one per host: the hosts in maintenance are few, placement wants all
 * their modes in one message, and one poller walks them all. Tasks are read through {@link
 * HostTasks} (the read side) and taken down by their instances ({@link
 * TaskInstanceEntity.Interrupt}, DRAINING "Draining machine for maintenance."), which reschedule
 * them; a DRAINING host with no active task left goes DRAINED.
 *
 * <p>Invariant: a reply confirming a change is sent only after the change is persisted.
 */
public final class MaintenanceEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        MaintenanceEntity.Command, MaintenanceEntity.Event, MaintenanceState> {

  /** The cluster's one maintenance entity. */
  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("maintenance");

  /** The audit message of a drained task (Aurora's literal). */
  public static final String DRAIN_MESSAGE = "Draining machine for maintenance.";

  /** Aurora's counter: a DRAINING host's task found without a request. */
  public static final String MISSING_REQUEST = "missing_maintenance_request";

  // ---------------------------------------------------------------------------------------------
  // Commands and replies

  /** What maintenance accepts. */
  public sealed interface Command extends CborSerializable {}

  // Every change names the user who asked: it is logged, and a drain keeps it in its request.

  /** startMaintenance: the hosts go SCHEDULED. */
  public record Start(List<String> hosts, String user, ActorRef<StatusReply<HostStatuses>> replyTo)
      implements Command {}

  /** drainHosts: forced; every active task of the hosts goes DRAINING now. */
  public record Drain(List<String> hosts, String user, ActorRef<StatusReply<HostStatuses>> replyTo)
      implements Command {}

  /** slaDrainHosts: the hosts go DRAINING; the poller drains them as SLA allows. */
  public record SlaDrain(
      List<String> hosts,
      SlaPolicy defaultPolicy,
      long timeoutSecs,
      String user,
      ActorRef<StatusReply<HostStatuses>> replyTo)
      implements Command {}

  /** endMaintenance: requests deleted, the hosts back in service. */
  public record End(List<String> hosts, String user, ActorRef<StatusReply<HostStatuses>> replyTo)
      implements Command {}

  /** maintenanceStatus: every host not in service. */
  public record GetStatus(ActorRef<HostStatuses> replyTo) implements Command {}

  /** A host's mode. */
  public record HostStatus(String host, MaintenanceMode mode) implements CborSerializable {}

  /** Hosts and their modes: those a command named, or every host in maintenance. */
  public record HostStatuses(List<HostStatus> items) implements CborSerializable {}

  /** Timer: a full pass of the poller, SLA checks included. */
  private enum Poll implements Command {
    INSTANCE
  }

  /** Timer: the frequent pass (emptiness, forced drains, modes to placement). */
  private enum Check implements Command {
    INSTANCE
  }

  /** A task's coordinator answered whether it may go down. */
  private record CoordinatorAnswered(
      InstanceKey instance, String taskId, String host, boolean allows) implements Command {}

  /** An instance answered a drain (it names the task only if the task went DRAINING). */
  private record Interrupted(TaskInstanceEntity.KillResult result) implements Command {}

  // ---------------------------------------------------------------------------------------------
  // Events

  /** What maintenance persists. */
  public sealed interface Event extends CborSerializable {}

  /** The hosts went SCHEDULED (any request they had is dropped). */
  public record MaintenanceScheduled(List<String> hosts, Instant at) implements Event {}

  /** The requests' hosts went DRAINING. */
  public record DrainRequested(List<DrainRequest> requests) implements Event {}

  /** The hosts had no active task left: DRAINED. */
  public record HostsDrained(List<String> hosts, Instant at) implements Event {}

  /** The hosts are back in service. */
  public record MaintenanceEnded(List<String> hosts, Instant at) implements Event {}

  // ---------------------------------------------------------------------------------------------
  // Wiring

  /** What maintenance needs from the node; time and randomness injected for tests. */
  public record Deps(
      Clock clock,
      RandomGenerator random,
      MaintenanceSettings settings,
      ActorRef<PlacementEngine.Command> placement,
      Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
      HostTasks tasks,
      SlaCoordinator coordinator,
      Metrics metrics) {}

  private final Deps deps;
  private final ActorContext<Command> context;
  private final DrainPlanner planner;
  private final ActorRef<TaskInstanceEntity.KillResult> interrupted;
  private final Metrics.Counter missingRequests;

  /** The countdown gauges' values (by gauge name), as of the latest pass. */
  private final Map<String, Long> countdowns = new ConcurrentHashMap<>();

  public static Behavior<Command> create(PersistenceId id, Deps deps) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(timers -> new MaintenanceEntity(id, deps, context, timers)));
  }

  private MaintenanceEntity(
      PersistenceId id, Deps deps, ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(id, Supervision.ENTITY);
    this.deps = deps;
    this.context = context;
    this.planner = new DrainPlanner(deps.settings().sla());
    this.interrupted =
        context.messageAdapter(TaskInstanceEntity.KillResult.class, Interrupted::new);
    this.missingRequests = deps.metrics().counter(MISSING_REQUEST);
    // Both passes are stashed until recovery completes.
    timers.startTimerWithFixedDelay(Poll.INSTANCE, deps.settings().pollInterval());
    timers.startTimerWithFixedDelay(Check.INSTANCE, deps.settings().drainedCheckInterval());
  }

  @Override
  public MaintenanceState emptyState() {
    return MaintenanceState.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return deps.settings().snapshots().retention();
  }

  @Override
  public SignalHandler<MaintenanceState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::tellPlacement)
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Command handlers

  @Override
  public CommandHandlerWithReply<Command, Event, MaintenanceState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Start.class, this::start)
        .onCommand(Drain.class, this::drain)
        .onCommand(SlaDrain.class, this::slaDrain)
        .onCommand(End.class, this::end)
        .onCommand(GetStatus.class, (s, c) -> Effect().reply(c.replyTo(), all(s)))
        .onCommand(Poll.class, (s, c) -> pass(s, true))
        .onCommand(Check.class, (s, c) -> pass(s, false))
        .onCommand(CoordinatorAnswered.class, this::coordinatorAnswered)
        .onCommand(Interrupted.class, this::onInterrupted)
        .build();
  }

  private ReplyEffect<Event, MaintenanceState> start(MaintenanceState state, Start cmd) {
    List<String> hosts = distinct(cmd.hosts());
    if (invalid(hosts)) {
      return refuse(cmd.replyTo(), hosts);
    }
    return Effect()
        .persist(new MaintenanceScheduled(hosts, now()))
        .thenRun(s -> changed("Maintenance scheduled", hosts, cmd.user(), s))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(statuses(s, hosts)));
  }

  private ReplyEffect<Event, MaintenanceState> drain(MaintenanceState state, Drain cmd) {
    List<String> hosts = distinct(cmd.hosts());
    if (invalid(hosts)) {
      return refuse(cmd.replyTo(), hosts);
    }
    if (!deps.tasks().ready()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Rejection.Unavailable(
                      "The scheduler is still loading its tasks; try the drain again shortly.")));
    }
    Instant now = now();
    List<DrainRequest> requests =
        hosts.stream().map(h -> DrainRequest.forced(h, now, cmd.user())).toList();
    // Forced: the hosts' tasks go now, and the hosts without any are DRAINED at once. The pass
    // covers every host in maintenance (as the drained check does), each seeing its own tasks.
    MaintenanceState next = state.draining(requests);
    DrainPlanner.Pass pass =
        planner.plan(
            next,
            deps.tasks().activeOn(next.hostsIn(MaintenanceMode.DRAINING, MaintenanceMode.DRAINED)),
            deps.tasks()::jobTasks,
            now,
            false,
            deps.random());
    List<Event> events = new ArrayList<>();
    events.add(new DrainRequested(requests));
    if (!pass.drained().isEmpty()) {
      events.add(new HostsDrained(pass.drained(), now));
    }
    return Effect()
        .persist(events)
        .thenRun(
            s -> {
              changed("Drain", hosts, cmd.user(), s);
              perform(s, pass);
            })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(statuses(s, hosts)));
  }

  private ReplyEffect<Event, MaintenanceState> slaDrain(MaintenanceState state, SlaDrain cmd) {
    List<String> hosts = distinct(cmd.hosts());
    if (invalid(hosts)) {
      return refuse(cmd.replyTo(), hosts);
    }
    Instant now = now();
    List<DrainRequest> requests;
    try {
      requests =
          hosts.stream()
              .map(
                  h ->
                      new DrainRequest(
                          h,
                          cmd.defaultPolicy(),
                          cmd.timeoutSecs(),
                          now,
                          java.util.Optional.of(cmd.user())))
              .toList();
    } catch (IllegalArgumentException e) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.error(new Rejection.Invalid(e.getMessage())));
    }
    return Effect()
        .persist(new DrainRequested(requests))
        .thenRun(
            s -> {
              changed("SLA-aware drain", hosts, cmd.user(), s);
              // The first pass runs now rather than up to a poll interval later.
              context.getSelf().tell(Poll.INSTANCE);
            })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(statuses(s, hosts)));
  }

  private ReplyEffect<Event, MaintenanceState> end(MaintenanceState state, End cmd) {
    List<String> hosts = distinct(cmd.hosts());
    if (invalid(hosts)) {
      return refuse(cmd.replyTo(), hosts);
    }
    return Effect()
        .persist(new MaintenanceEnded(hosts, now()))
        .thenRun(s -> changed("Maintenance ended", hosts, cmd.user(), s))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(statuses(s, hosts)));
  }

  /** A pass over the hosts in maintenance: the poller's ({@code withSla}) or the check's. */
  private ReplyEffect<Event, MaintenanceState> pass(MaintenanceState state, boolean withSla) {
    Set<String> hosts = state.hostsIn(MaintenanceMode.DRAINING, MaintenanceMode.DRAINED);
    // Until the tasks are all known, every host would look empty: wait for the next pass.
    if (hosts.isEmpty() || !deps.tasks().ready()) {
      countdowns.clear();
      if (!withSla) {
        tellPlacement(state);
      }
      return Effect().noReply();
    }
    Instant now = now();
    DrainPlanner.Pass pass =
        planner.plan(
            state,
            deps.tasks().activeOn(hosts),
            deps.tasks()::jobTasks,
            now,
            withSla,
            deps.random());
    List<Event> events =
        pass.drained().isEmpty() ? List.of() : List.of(new HostsDrained(pass.drained(), now));
    return Effect()
        .persist(events)
        .thenRun(
            s -> {
              if (!withSla || !events.isEmpty()) {
                tellPlacement(s);
              }
              perform(s, pass);
            })
        .thenNoReply();
  }

  private ReplyEffect<Event, MaintenanceState> coordinatorAnswered(
      MaintenanceState state, CoordinatorAnswered answer) {
    // The host may have left maintenance while the coordinator thought.
    if (answer.allows() && state.mode(answer.host()) == MaintenanceMode.DRAINING) {
      interrupt(state, answer.host(), answer.instance(), answer.taskId());
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, MaintenanceState> onInterrupted(
      MaintenanceState state, Interrupted answer) {
    answer
        .result()
        .taskId()
        .ifPresent(id -> context.getLog().info("Task {} is draining for maintenance.", id));
    return Effect().noReply();
  }

  // ---------------------------------------------------------------------------------------------
  // Side effects

  /** A change an operator asked for, persisted: logged with who asked, and placement told. */
  private void changed(String what, List<String> hosts, String user, MaintenanceState state) {
    context.getLog().info("{} on {} by {}.", what, hosts, user);
    tellPlacement(state);
  }

  /** Carries out a pass: drains, coordinator questions, counters and countdown gauges. */
  private void perform(MaintenanceState state, DrainPlanner.Pass pass) {
    for (DrainPlanner.Step step : pass.steps()) {
      ScheduledTask task = step.task();
      if (step instanceof DrainPlanner.Drain) {
        interrupt(state, step.host(), task.instance(), task.taskId());
      } else if (step instanceof DrainPlanner.MissingRequest) {
        missingRequests.increment();
      } else if (step instanceof DrainPlanner.AskCoordinator ask) {
        context.pipeToSelf(
            deps.coordinator().allows(ask.policy(), task.instance(), task.taskId(), task.config()),
            (allows, error) ->
                new CoordinatorAnswered(
                    task.instance(),
                    task.taskId(),
                    step.host(),
                    error == null && Boolean.TRUE.equals(allows)));
      }
    }
    countdowns.keySet().retainAll(pass.countdowns().keySet());
    pass.countdowns()
        .forEach(
            (name, ms) -> {
              if (countdowns.put(name, ms) == null) {
                deps.metrics().gauge(name, () -> countdowns.getOrDefault(name, 0L));
              }
            });
  }

  /** Drains a task of {@code host}, its message naming who asked for the host's drain. */
  private void interrupt(MaintenanceState state, String host, InstanceKey instance, String taskId) {
    String message = state.request(host).map(DrainRequest::taskMessage).orElse(DRAIN_MESSAGE);
    deps.instances()
        .apply(instance)
        .tell(new TaskInstanceEntity.Interrupt(taskId, TaskState.DRAINING, message, interrupted));
  }

  /** Placement gets the whole picture every time (a host missing from it is in service). */
  private void tellPlacement(MaintenanceState state) {
    deps.placement().tell(new PlacementEngine.HostModes(state.modes()));
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private Instant now() {
    return deps.clock().instant();
  }

  private static List<String> distinct(List<String> hosts) {
    return List.copyOf(new LinkedHashSet<>(hosts));
  }

  private static boolean invalid(List<String> hosts) {
    return hosts.isEmpty() || hosts.stream().anyMatch(String::isBlank);
  }

  private ReplyEffect<Event, MaintenanceState> refuse(
      ActorRef<StatusReply<HostStatuses>> replyTo, List<String> hosts) {
    String why =
        hosts.isEmpty() ? "At least one host is required." : "Host names must not be blank.";
    return Effect().reply(replyTo, StatusReply.error(new Rejection.Invalid(why)));
  }

  private static HostStatuses statuses(MaintenanceState state, List<String> hosts) {
    return new HostStatuses(hosts.stream().map(h -> new HostStatus(h, state.mode(h))).toList());
  }

  private static HostStatuses all(MaintenanceState state) {
    List<HostStatus> items = new ArrayList<>();
    state.modes().forEach((h, m) -> items.add(new HostStatus(h, m)));
    return new HostStatuses(items);
  }

  // ---------------------------------------------------------------------------------------------
  // Event handler

  @Override
  public EventHandler<MaintenanceState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(MaintenanceScheduled.class, (s, e) -> s.scheduled(e.hosts()))
        .onEvent(DrainRequested.class, (s, e) -> s.draining(e.requests()))
        .onEvent(HostsDrained.class, (s, e) -> s.drained(e.hosts()))
        .onEvent(MaintenanceEnded.class, (s, e) -> s.ended(e.hosts()))
        .build();
  }
}
