package io.borealis.backend.local;

import io.borealis.backend.LaunchTask;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.TaskRef;
import io.borealis.backend.agent.AgentOffers;
import io.borealis.backend.agent.AgentResources;
import io.borealis.backend.agent.StatusOutbox;
import io.borealis.model.InstanceKey;
import io.borealis.model.ScheduleStatus;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The embedded local agent (backend {@code local}): this host is one agent. It offers the host's
 * resources, runs each launched task through a {@link TaskRunner} child in a sandbox folder of its
 * own, reports statuses until they are acknowledged, answers reconciliation, and removes sandboxes
 * of ended tasks after the retention period.
 *
 * <p>Tasks outlive the agent, as they outlive a Mesos agent's restart: when the agent starts, every
 * sandbox whose task had not ended is looked at. A task is adopted with its task id when a process
 * of it still runs (same pid, same start time), or when every process it was running left its exit
 * code in the sandbox: the runner then goes on from what the sandbox says, as a restarted Thermos
 * runner does, so a task whose processes all exited 0 meanwhile ends FINISHED and one whose process
 * failed ends FAILED with that exit code. Only a task whose processes vanished without a trace is
 * reported LOST.
 */
public final class LocalBackend extends AbstractBehavior<ResourceBackend.Command> {

  private record RunnerReport(TaskRunner.Report report) implements ResourceBackend.Command {}

  private record RunnerStopped(String taskId) implements ResourceBackend.Command {}

  private enum ResendUnacknowledged implements ResourceBackend.Command {
    INSTANCE
  }

  private enum OfferAgain implements ResourceBackend.Command {
    INSTANCE
  }

  /**
   * Send every unacknowledged status again now: the statuses go somewhere new (in a cluster, the
   * backend singleton moved to another node; see {@link LocalAgent}).
   */
  enum ResendAll implements ResourceBackend.Command {
    INSTANCE
  }

  private enum SweepSandboxes implements ResourceBackend.Command {
    INSTANCE
  }

  /** A task this agent runs. */
  private static final class Tracked {
    final InstanceKey instance;
    final ActorRef<TaskRunner.Command> runner;
    ScheduleStatus status;

    Tracked(InstanceKey instance, ActorRef<TaskRunner.Command> runner, ScheduleStatus status) {
      this.instance = instance;
      this.runner = runner;
      this.status = status;
    }
  }

  private final TimerScheduler<ResourceBackend.Command> timers;
  private final LocalSettings settings;
  private final ResourceBackend.Listeners listeners;
  private final Clock clock;
  private final AgentResources agent;
  private final StatusOutbox outbox;
  private final AgentOffers offers;
  private final TaskRunner.Deps runnerDeps;
  private final Map<String, Tracked> tasks = new LinkedHashMap<>();

  /** The factory the node uses for {@code --backend local}. */
  public static ResourceBackend.Factory factory(LocalSettings settings, Clock clock) {
    return ResourceBackend.Factory.of(
        "local", listeners -> LocalBackend.create(listeners, settings, clock));
  }

  public static Behavior<ResourceBackend.Command> create(
      ResourceBackend.Listeners listeners, LocalSettings settings, Clock clock) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new LocalBackend(context, timers, listeners, settings, clock)));
  }

  private LocalBackend(
      ActorContext<ResourceBackend.Command> context,
      TimerScheduler<ResourceBackend.Command> timers,
      ResourceBackend.Listeners listeners,
      LocalSettings settings,
      Clock clock) {
    super(context);
    this.timers = timers;
    this.settings = settings;
    this.listeners = listeners;
    this.clock = clock;
    this.agent =
        new AgentResources(
            settings.agentId(),
            settings.hostname(),
            settings.attributes(),
            settings.cpu(),
            settings.ramMb(),
            settings.diskMb(),
            settings.ports());
    // Update ids must not repeat those of an earlier run whose updates may still be in flight.
    this.outbox = new StatusOutbox(listeners.statuses(), clock, "local-" + clock.millis() + "-");
    this.offers = new AgentOffers(listeners.offers(), "local-offer-");
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.runnerDeps =
        new TaskRunner.Deps(
            settings,
            context.messageAdapter(TaskRunner.Report.class, RunnerReport::new),
            http,
            new HealthProbe(http),
            clock);
    try {
      Files.createDirectories(settings.sandboxes());
    } catch (IOException e) {
      throw new IllegalStateException(
          "The sandbox folder " + settings.sandboxes() + " cannot be created: " + e.getMessage());
    }
    context
        .getLog()
        .info(
            "Local agent {}: {} cpu, {} MiB ram, {} MiB disk, ports {}, sandboxes in {}",
            settings.hostname(),
            settings.cpu(),
            settings.ramMb(),
            settings.diskMb(),
            settings.ports(),
            settings.sandboxes());
    listeners.offers().tell(new OfferEvent.OffersReset());
    adoptSurvivors();
    offer();
    timers.startTimerWithFixedDelay(ResendUnacknowledged.INSTANCE, settings.resendInterval());
    timers.startTimerWithFixedDelay(
        SweepSandboxes.INSTANCE, Duration.ZERO, settings.retentionCheckInterval());
  }

  @Override
  public Receive<ResourceBackend.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ResourceBackend.Launch.class, this::onLaunch)
        .onMessage(ResourceBackend.Decline.class, this::onDecline)
        .onMessage(ResourceBackend.Kill.class, this::onKill)
        .onMessage(
            ResourceBackend.Acknowledge.class,
            m -> {
              outbox.acknowledge(m.updateId());
              return this;
            })
        .onMessage(ResourceBackend.Reconcile.class, this::onReconcile)
        .onMessage(ResourceBackend.ReviveOffers.class, m -> reofferAll())
        .onMessage(RunnerReport.class, m -> onReport(m.report()))
        .onMessage(RunnerStopped.class, this::onRunnerStopped)
        .onMessageEquals(
            ResendUnacknowledged.INSTANCE,
            () -> {
              outbox.resend(settings.resendInterval());
              return this;
            })
        .onMessageEquals(
            ResendAll.INSTANCE,
            () -> {
              outbox.resend(Duration.ZERO);
              return this;
            })
        .onMessageEquals(
            OfferAgain.INSTANCE,
            () -> {
              offer();
              return this;
            })
        .onMessageEquals(SweepSandboxes.INSTANCE, this::onSweep)
        .onSignal(PostStop.class, s -> onStop())
        .build();
  }

  // -------------------------------------------------------------------------------------------
  // Scheduler-facing protocol

  private Behavior<ResourceBackend.Command> onLaunch(ResourceBackend.Launch launch) {
    // What the offer covered and the launch does not take is offered again below.
    agent.withdraw(launch.offerId());
    for (LaunchTask t : launch.tasks()) {
      if (!launch.agentId().equals(agent.id())) {
        send(t.taskId(), t.instance(), ScheduleStatus.LOST, "No agent " + launch.agentId());
      } else if (tasks.containsKey(t.taskId())) {
        getContext().getLog().warn("Task {} launched twice; ignoring the second.", t.taskId());
      } else if (!agent.fits(t.config().resources(), t.assignment().ports())) {
        send(
            t.taskId(),
            t.instance(),
            ScheduleStatus.LOST,
            "Launch failed: not enough resources left on " + agent.host());
      } else {
        agent.take(t.taskId(), t.config().resources(), t.assignment().ports());
        Sandbox sandbox = new Sandbox(settings.sandboxes(), t.taskId());
        track(t, ScheduleStatus.ASSIGNED, TaskRunner.launch(t, sandbox, runnerDeps));
      }
    }
    return reoffer();
  }

  private Behavior<ResourceBackend.Command> onDecline(ResourceBackend.Decline decline) {
    if (agent.withdraw(decline.offerId())) {
      timers.startSingleTimer(OfferAgain.INSTANCE, settings.declineRefuse());
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onKill(ResourceBackend.Kill kill) {
    Tracked t = tasks.get(kill.taskId());
    if (t == null) {
      // As Mesos does: a kill of a task the agent does not run is answered with LOST.
      outbox.send(
          kill.taskId(),
          Optional.empty(),
          agent.id(),
          ScheduleStatus.LOST,
          "Task unknown to agent " + agent.host());
    } else {
      t.runner.tell(TaskRunner.Kill.INSTANCE);
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onReconcile(ResourceBackend.Reconcile reconcile) {
    if (reconcile.tasks().isEmpty()) {
      tasks.forEach((id, t) -> send(id, t.instance, t.status, "Reconciliation"));
      return this;
    }
    for (TaskRef ref : reconcile.tasks()) {
      Tracked t = tasks.get(ref.taskId());
      if (t == null) {
        send(
            ref.taskId(),
            ref.instance(),
            ScheduleStatus.LOST,
            "Reconciliation: task unknown to agent " + agent.host());
      } else {
        send(ref.taskId(), t.instance, t.status, "Reconciliation");
      }
    }
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Runners

  private Behavior<ResourceBackend.Command> onReport(TaskRunner.Report report) {
    Tracked t = tasks.get(report.taskId());
    if (t == null) {
      return this;
    }
    t.status = report.status();
    send(report.taskId(), t.instance, report.status(), report.message().orElse(null));
    if (report.status().isTerminal()) {
      // Stopped from here, not by itself: its stop must not be mistaken for a failure.
      getContext().stop(t.runner);
      tasks.remove(report.taskId());
      agent.release(report.taskId());
      reoffer();
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onRunnerStopped(RunnerStopped stopped) {
    Tracked t = tasks.remove(stopped.taskId());
    if (t == null) {
      return this;
    }
    // The runner failed without reporting an end: stop what it ran and say the task is gone.
    getContext().getLog().error("The runner of task {} stopped unexpectedly.", stopped.taskId());
    Sandbox sandbox = new Sandbox(settings.sandboxes(), stopped.taskId());
    sandbox.state().ifPresent(s -> ProcessTree.signal(new HashSet<>(s.sessions()), true));
    send(
        stopped.taskId(), t.instance, ScheduleStatus.LOST, "The agent's runner of the task failed");
    agent.release(stopped.taskId());
    return reoffer();
  }

  private void track(LaunchTask t, ScheduleStatus status, Behavior<TaskRunner.Command> runner) {
    ActorRef<TaskRunner.Command> ref =
        getContext()
            .spawn(
                Behaviors.supervise(runner)
                    .onFailure(org.apache.pekko.actor.typed.SupervisorStrategy.stop()),
                "task-"
                    + java.net.URLEncoder.encode(
                        t.taskId(), java.nio.charset.StandardCharsets.UTF_8),
                DispatcherSelector.fromConfig("borealis-local-dispatcher"));
    getContext().watchWith(ref, new RunnerStopped(t.taskId()));
    tasks.put(t.taskId(), new Tracked(t.instance(), ref, status));
  }

  /**
   * Picks up the tasks whose processes outlived the previous agent, or whose processes all ended
   * with an exit code on record; the others are LOST.
   */
  private void adoptSurvivors() {
    for (Sandbox sandbox : Sandbox.all(settings.sandboxes())) {
      Optional<LaunchTask> launch = sandbox.launch();
      Optional<Sandbox.State> state = sandbox.state();
      if (launch.isEmpty() || state.isEmpty() || state.get().ended()) {
        continue;
      }
      LaunchTask t = launch.get();
      List<Sandbox.ProcessRecord> records =
          state.get().processes().stream()
              .filter(p -> t.config().processes().stream().anyMatch(c -> c.name().equals(p.name())))
              .toList();
      boolean alive =
          records.stream().anyMatch(p -> ProcessTree.isSameProcess(p.pid(), p.startedAt()));
      // The wrapper of each process writes its exit code beside it; a process killed by a signal,
      // wrapper and all, leaves none, and then nothing tells how the task ended.
      boolean accounted =
          !records.isEmpty()
              && records.stream().allMatch(p -> sandbox.recordedExit(p.name()).isPresent());
      if ((alive || accounted) && agent.fits(t.config().resources(), t.assignment().ports())) {
        agent.take(t.taskId(), t.config().resources(), t.assignment().ports());
        ScheduleStatus status = state.get().reported().orElse(ScheduleStatus.STARTING);
        track(t, status, TaskRunner.adopt(t, sandbox, state.get(), runnerDeps));
      } else {
        ProcessTree.signal(new HashSet<>(state.get().sessions()), true);
        try {
          sandbox.save(
              new Sandbox.State(
                  state.get().plan(),
                  List.of(),
                  state.get().sessions(),
                  state.get().healthy(),
                  state.get().healthFailure(),
                  Optional.of(ScheduleStatus.LOST),
                  Optional.of(clock.instant())));
        } catch (IOException e) {
          getContext().getLog().warn("Could not mark sandbox {} ended: {}", sandbox.dir(), e);
        }
        send(
            t.taskId(),
            t.instance(),
            ScheduleStatus.LOST,
            "The task's processes ended while the agent was down and left no exit code");
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Housekeeping

  private Behavior<ResourceBackend.Command> onSweep() {
    Instant cutoff = clock.instant().minus(settings.sandboxRetention());
    for (Sandbox sandbox : Sandbox.all(settings.sandboxes())) {
      if (tasks.containsKey(sandbox.taskId())) {
        continue;
      }
      Optional<Sandbox.State> state = sandbox.state();
      Instant ended =
          state.isPresent() ? state.get().endedAt().orElse(Instant.MAX) : sandbox.lastModified();
      if (ended.isBefore(cutoff)) {
        try {
          sandbox.delete();
          getContext().getLog().debug("Removed the sandbox of {}", sandbox.taskId());
        } catch (IOException e) {
          getContext().getLog().warn("Could not remove sandbox {}: {}", sandbox.dir(), e);
        }
      }
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onStop() {
    if (!settings.killTasksOnStop()) {
      return this;
    }
    Set<Long> sessions = new HashSet<>();
    for (String taskId : tasks.keySet()) {
      new Sandbox(settings.sandboxes(), taskId)
          .state()
          .ifPresent(s -> sessions.addAll(s.sessions()));
    }
    ProcessTree.signal(sessions, false);
    long deadline = System.nanoTime() + settings.killGrace().toNanos();
    while (ProcessTree.anyAlive(sessions) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    ProcessTree.signal(sessions, true);
    return this;
  }

  private void send(String taskId, InstanceKey instance, ScheduleStatus status, String message) {
    outbox.send(taskId, Optional.of(instance), agent.id(), status, message);
  }

  /**
   * Offers what is free and not in an outstanding offer. Outstanding offers stay: one may be in the
   * middle of a launch, and taking it back would let the scheduler place twice on the same
   * resources.
   */
  private Behavior<ResourceBackend.Command> reoffer() {
    offer();
    return this;
  }

  /** Rescinds every outstanding offer and offers everything free anew (the scheduler asked). */
  private Behavior<ResourceBackend.Command> reofferAll() {
    offers.reofferAll(agent);
    return this;
  }

  private void offer() {
    offers.offer(agent);
  }
}
