package io.borealis.backend.local;

import io.borealis.backend.LaunchTask;
import io.borealis.backend.local.ProcessPlan.Action;
import io.borealis.model.HealthCheck;
import io.borealis.model.Placeholders;
import io.borealis.model.ProcessConfig;
import io.borealis.model.ScheduleStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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

/**
 * Runs one task on this host, Thermos-like: prepares its sandbox, starts its processes as the
 * {@link ProcessPlan} says, runs its health check, reports STARTING, RUNNING and how it ended to
 * the agent, and stops it on a kill: {@code POST /quitquitquit} and {@code /abortabortabort} to its
 * {@code http} port, then SIGTERM to every process of the task and SIGKILL after the grace period.
 * No final status is reported while any process of the task still lives. Everything needed to pick
 * the task up after an agent restart is written to the sandbox on every change.
 */
final class TaskRunner extends AbstractBehavior<TaskRunner.Command> {

  interface Command {}

  /** The scheduler kills the task. */
  enum Kill implements Command {
    INSTANCE
  }

  private record Exited(String process, long pid, int exitCode) implements Command {}

  private record RestartDue(String process) implements Command {}

  private enum HealthTick implements Command {
    INSTANCE
  }

  private record HealthChecked(HealthProbe.Result result) implements Command {}

  private enum Stage {
    QUIT,
    ABORT,
    TERM,
    KILL
  }

  private record Escalate(Stage stage) implements Command {}

  private record LifecycleAnswered(Stage stage, boolean accepted) implements Command {}

  private enum PollTermination implements Command {
    INSTANCE
  }

  private enum FinalizationOver implements Command {
    INSTANCE
  }

  /** What a runner tells its agent. */
  record Report(String taskId, ScheduleStatus status, Optional<String> message) {}

  /** What a runner needs besides its task. */
  record Deps(
      LocalSettings settings,
      ActorRef<Report> agent,
      HttpClient http,
      HealthProbe probe,
      Clock clock) {}

  private static final Duration POLL = Duration.ofMillis(200);

  private final TimerScheduler<Command> timers;
  private final LaunchTask launch;
  private final Sandbox sandbox;
  private final Deps deps;
  private final ProcessPlan plan;
  private final Map<String, ProcessConfig> configs = new LinkedHashMap<>();
  private final Placeholders.Values values;
  private final Map<String, Sandbox.ProcessRecord> running = new HashMap<>();
  private final Set<Long> sessions = new LinkedHashSet<>();

  private boolean healthy;
  private Optional<String> healthFailure = Optional.empty();
  private Optional<ScheduleStatus> reported = Optional.empty();
  private Instant healthSince;
  private int successes;
  private int failures;
  private boolean probing;

  /** Sessions being stopped, and how far the stopping has gone. */
  private final Set<Long> stopping = new LinkedHashSet<>();

  private Optional<Stage> stage = Optional.empty();
  private boolean finalizationTimer;

  /** A new task: prepare the sandbox and start it. */
  static Behavior<Command> launch(LaunchTask launch, Sandbox sandbox, Deps deps) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  TaskRunner runner = new TaskRunner(context, timers, launch, sandbox, deps, null);
                  runner.begin();
                  return runner;
                }));
  }

  /** A task whose processes outlived the previous agent: watch them again and carry on. */
  static Behavior<Command> adopt(
      LaunchTask launch, Sandbox sandbox, Sandbox.State state, Deps deps) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  TaskRunner runner = new TaskRunner(context, timers, launch, sandbox, deps, state);
                  runner.resume(state);
                  return runner;
                }));
  }

  private TaskRunner(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      LaunchTask launch,
      Sandbox sandbox,
      Deps deps,
      Sandbox.State state) {
    super(context);
    this.timers = timers;
    this.launch = launch;
    this.sandbox = sandbox;
    this.deps = deps;
    for (ProcessConfig p : launch.config().processes()) {
      configs.put(p.name(), p);
    }
    List<ProcessConfig> processes = launch.config().processes();
    List<List<String>> order = launch.config().processOrder();
    this.plan =
        state == null
            ? new ProcessPlan(processes, order)
            : ProcessPlan.restore(processes, order, state.plan());
    this.values =
        new Placeholders.Values(
            launch.instance(),
            launch.taskId(),
            deps.settings().hostname(),
            launch.assignment().ports());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Kill.INSTANCE, this::onKill)
        .onMessage(Exited.class, this::onExited)
        .onMessage(RestartDue.class, m -> step(plan.restartDue(m.process(), now())))
        .onMessageEquals(HealthTick.INSTANCE, this::onHealthTick)
        .onMessage(HealthChecked.class, this::onHealthChecked)
        .onMessage(Escalate.class, m -> escalate(m.stage()))
        .onMessage(LifecycleAnswered.class, this::onLifecycleAnswered)
        .onMessageEquals(PollTermination.INSTANCE, this::onPoll)
        .onMessageEquals(FinalizationOver.INSTANCE, () -> step(plan.kill(now())))
        .build();
  }

  // -------------------------------------------------------------------------------------------
  // Starting and resuming

  private void begin() {
    report(ScheduleStatus.STARTING, "Preparing the sandbox and starting the processes");
    if (launch.config().container().isPresent() || configs.isEmpty()) {
      report(
          ScheduleStatus.FAILED,
          configs.isEmpty()
              ? "The task has no processes, and the local agent runs nothing else"
              : "The local agent runs processes only, not containers");
      return;
    }
    try {
      sandbox.prepare(launch, List.copyOf(configs.keySet()));
    } catch (IOException e) {
      report(ScheduleStatus.FAILED, "The sandbox could not be prepared: " + e.getMessage());
      return;
    }
    healthSince = now();
    execute(plan.begin(now()));
    if (launch.config().healthCheck().isEmpty()) {
      healthy = true;
      if (plan.phase() == ProcessPlan.Phase.REGULAR) {
        report(ScheduleStatus.RUNNING, null);
      }
    } else {
      HealthCheck check = launch.config().healthCheck().get();
      timers.startSingleTimer(
          HealthTick.INSTANCE, Duration.ofSeconds(Math.min(1, Math.max(0, check.intervalSecs()))));
    }
    afterStep();
  }

  private void resume(Sandbox.State state) {
    sessions.addAll(state.sessions());
    healthy = state.healthy();
    healthFailure = state.healthFailure();
    reported = state.reported();
    healthSince = now();
    List<Exited> ended = new ArrayList<>();
    for (Sandbox.ProcessRecord r : state.processes()) {
      if (plan.state(r.name()) == null
          || plan.state(r.name()).status() != ProcessPlan.ProcessStatus.RUNNING) {
        continue;
      }
      running.put(r.name(), r);
      Optional<ProcessHandle> alive =
          ProcessHandle.of(r.pid()).filter(h -> ProcessTree.isSameProcess(r.pid(), r.startedAt()));
      if (alive.isPresent()) {
        watch(r.name(), alive.get());
      } else {
        ended.add(new Exited(r.name(), r.pid(), sandbox.recordedExit(r.name()).orElse(-1)));
      }
    }
    getContext()
        .getLog()
        .info(
            "Adopted task {} ({} of its processes still run).",
            launch.taskId(),
            running.size() - ended.size());
    if (plan.killed() && plan.phase() != ProcessPlan.Phase.DONE) {
      terminate(sessionsOf(plan.running()), false);
    }
    if (plan.phase() == ProcessPlan.Phase.REGULAR
        && healthFailure.isEmpty()
        && launch.config().healthCheck().isPresent()) {
      timers.startSingleTimer(HealthTick.INSTANCE, Duration.ofSeconds(1));
    }
    ended.forEach(getContext().getSelf()::tell);
    afterStep();
  }

  // -------------------------------------------------------------------------------------------
  // Processes

  private Behavior<Command> onExited(Exited exited) {
    Sandbox.ProcessRecord record = running.get(exited.process());
    if (record == null || record.pid() != exited.pid()) {
      return this;
    }
    running.remove(exited.process());
    return step(plan.exited(exited.process(), exited.exitCode(), now()));
  }

  private Behavior<Command> step(List<Action> actions) {
    execute(actions);
    afterStep();
    return this;
  }

  private void execute(List<Action> actions) {
    for (Action action : actions) {
      if (action instanceof ProcessPlan.Start s) {
        start(s.name());
      } else if (action instanceof ProcessPlan.StartAfter s) {
        timers.startSingleTimer("restart-" + s.name(), new RestartDue(s.name()), s.delay());
      } else if (action instanceof ProcessPlan.Terminate t) {
        terminate(sessionsOf(t.names()), plan.killed());
      }
    }
  }

  private void start(String name) {
    ProcessConfig config = configs.get(name);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BOREALIS_TASK_ID", launch.taskId());
    env.put("BOREALIS_INSTANCE", Integer.toString(launch.instance().instanceId()));
    env.put("BOREALIS_SANDBOX", sandbox.dir().toString());
    launch
        .assignment()
        .ports()
        .forEach(
            (port, number) ->
                env.put(
                    "BOREALIS_PORT_" + port.toUpperCase(Locale.ROOT).replace('-', '_'),
                    Integer.toString(number)));
    config.env().forEach((k, v) -> env.put(k, Placeholders.fill(v, values)));
    try {
      ProcessTree.Started started =
          ProcessTree.start(
              name,
              Placeholders.fill(config.cmdline(), values),
              sandbox.dir(),
              sandbox.stdout(name),
              sandbox.stderr(name),
              sandbox.exitFile(name),
              env);
      running.put(name, new Sandbox.ProcessRecord(name, started.pid(), started.startedAt()));
      sessions.add(started.pid());
      long pid = started.pid();
      getContext()
          .pipeToSelf(
              started.process().onExit(),
              (p, error) -> new Exited(name, pid, error == null ? p.exitValue() : -1));
    } catch (IOException e) {
      // The command could not even start: a failure of the process like any other.
      getContext().getLog().warn("Process {} of {} did not start: {}", name, launch.taskId(), e);
      running.put(name, new Sandbox.ProcessRecord(name, -1, Optional.empty()));
      getContext().getSelf().tell(new Exited(name, -1, 127));
    }
  }

  /** Watches a process this runner did not start (adopted); its exit code is in the sandbox. */
  private void watch(String name, ProcessHandle handle) {
    long pid = handle.pid();
    getContext()
        .pipeToSelf(
            handle.onExit(),
            (h, error) -> new Exited(name, pid, sandbox.recordedExit(name).orElse(-1)));
  }

  private Set<Long> sessionsOf(Set<String> names) {
    Set<Long> found = new LinkedHashSet<>();
    for (String name : names) {
      Sandbox.ProcessRecord r = running.get(name);
      if (r != null && r.pid() > 0) {
        found.add(r.pid());
      }
    }
    return found;
  }

  // -------------------------------------------------------------------------------------------
  // Health

  private Behavior<Command> onHealthTick() {
    HealthCheck check = launch.config().healthCheck().orElseThrow();
    if (plan.phase() != ProcessPlan.Phase.REGULAR || healthFailure.isPresent()) {
      return this;
    }
    timers.startSingleTimer(
        HealthTick.INSTANCE, Duration.ofSeconds(Math.max(1, check.intervalSecs())));
    if (!probing) {
      probing = true;
      getContext()
          .pipeToSelf(
              deps.probe()
                  .check(
                      check,
                      launch.assignment().ports(),
                      check.command().map(c -> Placeholders.fill(c, values)),
                      sandbox.dir()),
              (result, error) ->
                  new HealthChecked(
                      error == null
                          ? result
                          : new HealthProbe.Result(false, String.valueOf(error.getMessage()))));
    }
    return this;
  }

  private Behavior<Command> onHealthChecked(HealthChecked checked) {
    probing = false;
    HealthCheck check = launch.config().healthCheck().orElseThrow();
    if (plan.phase() != ProcessPlan.Phase.REGULAR || healthFailure.isPresent()) {
      return this;
    }
    if (checked.result().healthy()) {
      successes++;
      failures = 0;
      if (!healthy && successes >= Math.max(1, check.minConsecutiveSuccesses())) {
        healthy = true;
        report(ScheduleStatus.RUNNING, null);
        // So that an agent that restarts adopts the task as the healthy, RUNNING task it is.
        save(Optional.empty());
      }
      return this;
    }
    successes = 0;
    boolean inGrace =
        !healthy && now().isBefore(healthSince.plusSeconds(check.initialIntervalSecs()));
    if (inGrace) {
      return this;
    }
    failures++;
    if (failures > check.maxConsecutiveFailures()) {
      healthFailure =
          Optional.of(
              "Failed health check"
                  + (failures > 1 ? " " + failures + " times in a row" : "")
                  + ": "
                  + checked.result().detail());
      getContext().getLog().info("Task {}: {}", launch.taskId(), healthFailure.get());
      return step(plan.kill(now()));
    }
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Stopping

  private Behavior<Command> onKill() {
    if (plan.phase() == ProcessPlan.Phase.DONE && stopping.isEmpty()) {
      return this;
    }
    if (plan.killed()) {
      // The scheduler re-sends its kill while the task is KILLING: the kill under way goes on, and
      // its final processes keep the rest of their finalization wait.
      return this;
    }
    return step(plan.kill(now()));
  }

  /**
   * Stops every process of these sessions: the HTTP lifecycle first when the scheduler kills a task
   * that has an {@code http} port, then SIGTERM, then SIGKILL.
   */
  private void terminate(Set<Long> targets, boolean lifecycle) {
    if (targets.isEmpty()) {
      return;
    }
    stopping.addAll(targets);
    if (stage.isPresent()) {
      if (stage.get() == Stage.TERM || stage.get() == Stage.KILL) {
        ProcessTree.signal(targets, stage.get() == Stage.KILL);
      }
      return;
    }
    timers.startTimerWithFixedDelay(PollTermination.INSTANCE, POLL);
    boolean hasHttp = launch.assignment().ports().containsKey("http");
    escalate(lifecycle && hasHttp ? Stage.QUIT : Stage.TERM);
  }

  private Behavior<Command> escalate(Stage next) {
    if (stopping.isEmpty()) {
      return this;
    }
    stage = Optional.of(next);
    switch (next) {
      case QUIT, ABORT -> {
        String endpoint = next == Stage.QUIT ? "/quitquitquit" : "/abortabortabort";
        int port = launch.assignment().ports().get("http");
        HttpRequest request =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + endpoint))
                .timeout(Duration.ofSeconds(1))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        getContext()
            .pipeToSelf(
                deps.http().sendAsync(request, HttpResponse.BodyHandlers.discarding()),
                (response, error) ->
                    new LifecycleAnswered(
                        next,
                        error == null
                            && response.statusCode() >= 200
                            && response.statusCode() < 300));
      }
      case TERM -> {
        ProcessTree.signal(stopping, false);
        timers.startSingleTimer("escalate", new Escalate(Stage.KILL), deps.settings().killGrace());
      }
      case KILL -> ProcessTree.signal(stopping, true);
    }
    return this;
  }

  private Behavior<Command> onLifecycleAnswered(LifecycleAnswered answered) {
    if (stage.isEmpty() || stage.get() != answered.stage()) {
      return this;
    }
    Stage next = answered.stage() == Stage.QUIT ? Stage.ABORT : Stage.TERM;
    if (answered.accepted()) {
      // The task said it will stop: give it the graceful wait (the poll ends it sooner).
      timers.startSingleTimer(
          "escalate", new Escalate(next), deps.settings().gracefulShutdownWait());
      return this;
    }
    return escalate(next);
  }

  private Behavior<Command> onPoll() {
    if (!stopping.isEmpty() && ProcessTree.anyAlive(stopping)) {
      return this;
    }
    stopping.clear();
    stage = Optional.empty();
    timers.cancel(PollTermination.INSTANCE);
    timers.cancel("escalate");
    afterStep();
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Phases and reports

  /** Saves the state, starts the finalization clock, and ends the task when nothing runs. */
  private void afterStep() {
    if (plan.phase() == ProcessPlan.Phase.FINALIZING && !finalizationTimer) {
      finalizationTimer = true;
      timers.startSingleTimer(FinalizationOver.INSTANCE, deps.settings().finalizationWait());
    }
    if (plan.phase() != ProcessPlan.Phase.DONE || !stopping.isEmpty()) {
      save(Optional.empty());
      return;
    }
    // Processes may have left children behind: none survives the task.
    if (ProcessTree.anyAlive(sessions)) {
      terminate(sessions, false);
      save(Optional.empty());
      return;
    }
    // Saved first: once the end is reported, a restarted agent must not adopt the task again.
    save(Optional.of(now()));
    ProcessPlan.Result result = plan.result().orElseThrow();
    if (healthFailure.isPresent()) {
      report(ScheduleStatus.FAILED, healthFailure.get());
    } else if (result == ProcessPlan.Result.FAILED) {
      ProcessPlan.Failure f = plan.failure().orElseThrow();
      report(ScheduleStatus.FAILED, failureReason(f));
    } else if (result == ProcessPlan.Result.KILLED) {
      report(ScheduleStatus.KILLED, "Killed by the scheduler");
    } else {
      report(ScheduleStatus.FINISHED, "Every process exited 0");
    }
  }

  private String failureReason(ProcessPlan.Failure f) {
    StringBuilder reason = new StringBuilder("Process '").append(f.process()).append("' ");
    if (f.exitCode() < 0) {
      reason.append("ended while the agent was away (exit code unknown)");
    } else {
      reason.append("exited with code ").append(f.exitCode());
      if (f.exitCode() > 128 && f.exitCode() < 160) {
        int signal = f.exitCode() - 128;
        reason.append(" (killed by signal ").append(signal);
        signalName(signal).ifPresent(name -> reason.append(", ").append(name));
        reason.append(')');
      }
    }
    sandbox.lastStderrLine(f.process()).ifPresent(line -> reason.append(": ").append(line));
    return reason.toString();
  }

  /** The usual name of a Linux signal number, for the ones a failing process commonly meets. */
  private static Optional<String> signalName(int signal) {
    return Optional.ofNullable(
        switch (signal) {
          case 1 -> "SIGHUP";
          case 2 -> "SIGINT";
          case 3 -> "SIGQUIT";
          case 4 -> "SIGILL";
          case 6 -> "SIGABRT";
          case 7 -> "SIGBUS";
          case 8 -> "SIGFPE";
          case 9 -> "SIGKILL";
          case 11 -> "SIGSEGV";
          case 13 -> "SIGPIPE";
          case 14 -> "SIGALRM";
          case 15 -> "SIGTERM";
          default -> null;
        });
  }

  private void report(ScheduleStatus status, String message) {
    if (reported.isPresent() && reported.get() == status) {
      return;
    }
    reported = Optional.of(status);
    deps.agent().tell(new Report(launch.taskId(), status, Optional.ofNullable(message)));
  }

  private void save(Optional<Instant> endedAt) {
    try {
      sandbox.save(
          new Sandbox.State(
              plan.snapshot(),
              List.copyOf(running.values()),
              List.copyOf(sessions),
              healthy,
              healthFailure,
              reported,
              endedAt));
    } catch (IOException e) {
      getContext()
          .getLog()
          .warn("Could not save the state of task {}: {}", launch.taskId(), e.getMessage());
    }
  }

  private Instant now() {
    return deps.clock().instant();
  }
}
