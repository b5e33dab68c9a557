package io.borealis.update;

import io.borealis.model.ScheduleStatus;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.update.InstanceEvaluator.Result;
import io.borealis.update.InstanceEvaluator.Verdict;
import io.borealis.update.UpdateEvent.BatchSeen;
import io.borealis.update.UpdateEvent.FailureObserved;
import io.borealis.update.UpdateEvent.InstanceTransitioned;
import io.borealis.update.UpdateEvent.InstancesSettled;
import io.borealis.update.UpdateEvent.Pulsed;
import io.borealis.update.UpdateEvent.SlaCheckDeferred;
import io.borealis.update.UpdateEvent.SlaCheckPassed;
import io.borealis.update.UpdateEvent.SlaCheckStarted;
import io.borealis.update.UpdateEvent.StatusChanged;
import io.borealis.update.UpdateEvent.UpdateStarted;
import io.borealis.update.UpdateInput.InstanceChanged;
import io.borealis.update.UpdateInput.Operator;
import io.borealis.update.UpdateInput.Pulse;
import io.borealis.update.UpdateInput.Recovered;
import io.borealis.update.UpdateInput.SlaChecked;
import io.borealis.update.UpdateInput.TimerFired;
import io.borealis.update.UpdateInstruction.AddTask;
import io.borealis.update.UpdateInstruction.AskCoordinator;
import io.borealis.update.UpdateInstruction.KillTask;
import io.borealis.update.UpdateInstruction.StartTimer;
import io.borealis.update.UpdateStateMachine.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The job update engine, free of actors (aurora-semantics §4 and §12): for an update's state, an
 * input and the job's tasks it decides the events to persist and the instructions to carry out.
 * Time is passed in; nothing here reads a clock, draws a random number or does I/O.
 *
 * <p>The entity's loop: keep a view of the job's active tasks (by instance, from the instances'
 * change notifications), call {@link #decide}, persist {@link Decision#events()} (its event handler
 * is {@link UpdateRun#apply}), then perform {@link Decision#instructions()}.
 *
 * <p>An evaluation (§4.4) re-evaluates the changed instances that are WORKING, then asks the
 * strategy for the next group while nothing is in flight (sweeping instances already in the desired
 * state), then concludes: too many failed instances fail the update (or roll it back), nothing idle
 * or working finishes it.
 */
public final class UpdateEngine {

  /** The kill message, followed by the update id. */
  public static final String KILLED_FOR_UPDATE = "Killed for job update ";

  public static final String PULSE_TIMEOUT = "Pulses from external service have timed out.";
  public static final String AUTO_PAUSED = "Update auto paused";
  public static final String INTERNAL_ERROR = "Internal scheduler error: ";
  public static final String SLA_CHECKING = "Checking SLA before continuing.";
  public static final String SLA_PASSED = "SLA check passed, continuing.";

  /** The update status message when instances failed: {@code Latest failure: instance 2 exited.} */
  public static String latestFailure(int instance) {
    return "Latest failure: instance " + instance + " exited.";
  }

  /**
   * Scheduler-wide knobs of SLA-aware updates (§3.6, §4.9).
   *
   * @param minRequiredInstancesForSla below this many active tasks an SLA check passes
   * @param slaAwareKillNonProduction check the SLA of non-production jobs too
   * @param slaRetryMin first delay before asking the SLA again
   * @param slaRetryMax longest delay between SLA checks (the delay doubles up to it)
   */
  public record Settings(
      int minRequiredInstancesForSla,
      boolean slaAwareKillNonProduction,
      Duration slaRetryMin,
      Duration slaRetryMax) {

    /** Aurora's defaults. */
    public static final Settings DEFAULT =
        new Settings(20, false, Duration.ofMinutes(1), Duration.ofMinutes(5));
  }

  private final Settings settings;

  public UpdateEngine(Settings settings) {
    this.settings = settings;
  }

  /**
   * Creates an update: a coordinated one waits for its first pulse; any other starts rolling
   * forward and is evaluated at once (it may even finish at once).
   *
   * @param tasks the job's active tasks by instance
   */
  public Decision start(UpdateRequest request, Map<Integer, ObservedTask> tasks, Instant now) {
    boolean coordinated =
        request.instructions().settings().pulseIntervalSecs().filter(s -> s > 0).isPresent();
    UpdateStatus first =
        coordinated ? UpdateStatus.ROLL_FORWARD_AWAITING_PULSE : UpdateStatus.ROLLING_FORWARD;
    UpdateStarted started =
        new UpdateStarted(
            request.updateId(),
            request.job(),
            request.instructions(),
            request.user(),
            request.metadata(),
            request.rollbackOf(),
            first,
            request.message(),
            now);
    Step step = new Step(UpdateRun.started(started), tasks, now);
    step.events.add(started);
    if (first.isRolling()) {
      step.enterRolling();
    }
    return step.decision();
  }

  /**
   * Decides what {@code input} means for the update.
   *
   * @param tasks the job's active tasks by instance, as known after the input happened. The SLA
   *     gate counts RUNNING tasks in it, so a task the entity has been told to kill should show as
   *     KILLING here even before the instance confirms it.
   */
  public Decision decide(
      UpdateRun run, UpdateInput input, Map<Integer, ObservedTask> tasks, Instant now) {
    Step step = new Step(run, tasks, now);
    if (input instanceof InstanceChanged c) {
      step.onInstanceChanged(c);
    } else if (input instanceof TimerFired t) {
      step.onTimer(t.timer());
    } else if (input instanceof Operator o) {
      step.onOperator(o);
    } else if (input instanceof Pulse) {
      step.onPulse();
    } else if (input instanceof SlaChecked s) {
      step.onSlaChecked(s);
    } else if (input instanceof Recovered) {
      step.onRecovered();
    } else {
      throw new IllegalArgumentException("unknown input " + input);
    }
    return step.decision();
  }

  /** One decision in the making: the state so far, and what was emitted and instructed. */
  private final class Step {
    UpdateRun run;
    final Map<Integer, ObservedTask> tasks;
    final Instant now;
    List<UpdateEvent> events = new ArrayList<>();
    List<UpdateInstruction> instructions = new ArrayList<>();
    Optional<String> rejection = Optional.empty();
    Optional<PulseStatus> pulse = Optional.empty();

    /** The task a change notification brought, which replaces the view for that instance. */
    Optional<InstanceChanged> changed = Optional.empty();

    /** An instance that failed in this evaluation (named in the failure message). */
    Optional<Integer> lastFailed = Optional.empty();

    /** How the latest evaluation ended. */
    InstanceProgress outcome = InstanceProgress.WORKING;

    /** Instances this decision kills: down already, as far as the SLA is concerned. */
    Set<Integer> killing = new HashSet<>();

    Step(UpdateRun run, Map<Integer, ObservedTask> tasks, Instant now) {
      this.run = run;
      this.tasks = tasks;
      this.now = now;
    }

    Step copy() {
      Step s = new Step(run, tasks, now);
      s.events = new ArrayList<>(events);
      s.instructions = new ArrayList<>(instructions);
      s.changed = changed;
      s.lastFailed = lastFailed;
      s.outcome = outcome;
      s.killing = new HashSet<>(killing);
      return s;
    }

    void adopt(Step s) {
      run = s.run;
      events = s.events;
      instructions = s.instructions;
      lastFailed = s.lastFailed;
      outcome = s.outcome;
      killing = s.killing;
    }

    Decision decision() {
      return new Decision(run, events, instructions, rejection, pulse);
    }

    void emit(UpdateEvent e) {
      events.add(e);
      run = run.apply(e);
    }

    String id() {
      return run.updateId();
    }

    UpdateSettings updateSettings() {
      return run.instructions().settings();
    }

    boolean rollback() {
      return run.pass().map(UpdateRun.Pass::rollback).orElse(false);
    }

    // -------------------------------------------------------------------------------------------
    // Inputs
    // -------------------------------------------------------------------------------------------

    void onInstanceChanged(InstanceChanged c) {
      if (!run.status().isRolling() || !run.contains(c.instance())) {
        return;
      }
      changed = Optional.of(c);
      evaluate(List.of(c.instance()));
    }

    void onTimer(UpdateTimer timer) {
      if (timer instanceof UpdateTimer.Watch w) {
        if (run.status().isRolling() && run.contains(w.instance())) {
          evaluate(List.of(w.instance()));
        }
      } else if (timer instanceof UpdateTimer.SlaRetry r) {
        if (run.status().isRolling() && run.pass().get().slaChecks().containsKey(r.instance())) {
          actual(r.instance())
              .filter(ObservedTask::killable)
              .ifPresent(t -> askSla(r.instance(), t));
        }
      } else if (timer instanceof UpdateTimer.PulseExpiry) {
        if (run.status().isRolling() && run.pulseExpired(now)) {
          move(UpdateStateMachine.blockedTwin(run.status()).get(), Optional.of(PULSE_TIMEOUT));
        } else if (run.status().isRolling() && run.lastPulse().isPresent()) {
          // Early (a timer armed against another clock reading): wait for the rest.
          instructions.add(
              new StartTimer(
                  new UpdateTimer.PulseExpiry(),
                  run.lastPulse().get().plus(run.pulseInterval().get())));
        }
      } else if (timer instanceof UpdateTimer.ProgressDeadline) {
        onProgressDeadline();
      }
    }

    void onProgressDeadline() {
      Optional<Long> deadline = updateSettings().progressDeadlineSecs();
      if (!run.status().isRolling() || deadline.isEmpty()) {
        return;
      }
      Instant due = run.pass().get().lastProgressAt().plusSeconds(deadline.get());
      if (now.isBefore(due)) {
        instructions.add(new StartTimer(new UpdateTimer.ProgressDeadline(), due));
        return;
      }
      fail("no progress in " + deadline.get() + " s: no instance succeeded within the deadline");
    }

    void onOperator(Operator o) {
      boolean expired = run.coordinated() && run.pulseExpired(now);
      Transition t = UpdateStateMachine.onAction(o.action(), run.status(), expired);
      if (t.isIllegal()) {
        rejection = t.error();
        return;
      }
      if (!t.isMove()) {
        return;
      }
      Optional<String> message = o.message();
      if (message.isEmpty() && o.action() == OperatorAction.ABORT) {
        message = Optional.of("Aborted by " + o.user() + ".");
      } else if (message.isEmpty() && o.action() == OperatorAction.ROLLBACK) {
        message = Optional.of("Rolled back by " + o.user() + ".");
      }
      emit(new StatusChanged(id(), t.from(), t.to(), Optional.of(o.user()), message, now));
      if (t.to().isRolling()) {
        enterRolling();
      }
    }

    void onPulse() {
      if (!run.coordinated() || !run.status().isActive()) {
        pulse = Optional.of(PulseStatus.FINISHED);
        return;
      }
      pulse = Optional.of(PulseStatus.OK);
      emit(new Pulsed(id(), now));
      instructions.add(
          new StartTimer(new UpdateTimer.PulseExpiry(), now.plus(run.pulseInterval().get())));
      Optional<UpdateStatus> unblocked = UpdateStateMachine.unblockedByPulse(run.status());
      if (unblocked.isPresent()) {
        move(unblocked.get(), Optional.empty());
        enterRolling();
      }
    }

    void onSlaChecked(SlaChecked s) {
      if (!run.status().isRolling() || !run.pass().get().slaChecks().containsKey(s.instance())) {
        return;
      }
      Optional<ObservedTask> task = actual(s.instance()).filter(ObservedTask::killable);
      if (task.isEmpty()) {
        return;
      }
      if (s.allowed()) {
        slaPassed(s.instance(), task.get());
      } else {
        deferSla(s.instance());
      }
    }

    void onRecovered() {
      if (run.coordinated() && run.status().isActive() && run.lastPulse().isPresent()) {
        instructions.add(
            new StartTimer(
                new UpdateTimer.PulseExpiry(),
                run.lastPulse().get().plus(run.pulseInterval().get())));
      }
      if (!run.status().isRolling()) {
        return;
      }
      updateSettings()
          .progressDeadlineSecs()
          .ifPresent(
              d ->
                  instructions.add(
                      new StartTimer(
                          new UpdateTimer.ProgressDeadline(),
                          run.pass().get().lastProgressAt().plusSeconds(d))));
      evaluate(run.instancesIn(InstanceProgress.WORKING));
    }

    // -------------------------------------------------------------------------------------------
    // Status changes
    // -------------------------------------------------------------------------------------------

    /** A move the engine makes on its own; the table must allow it. */
    void move(UpdateStatus to, Optional<String> message) {
      Transition t = UpdateStateMachine.transition(run.status(), to);
      if (!t.isMove()) {
        throw new IllegalStateException(
            "update " + id() + ": " + t.error().orElse("already " + to));
      }
      emit(new StatusChanged(id(), run.status(), to, Optional.empty(), message, now));
    }

    /** The update just entered ROLLING_FORWARD or ROLLING_BACK with a fresh pass. */
    void enterRolling() {
      Optional<String> problem = UpdateStrategies.problem(updateSettings().strategy());
      if (problem.isPresent()) {
        move(UpdateStatus.ERROR, Optional.of(INTERNAL_ERROR + problem.get()));
        return;
      }
      updateSettings()
          .progressDeadlineSecs()
          .ifPresent(
              d ->
                  instructions.add(
                      new StartTimer(new UpdateTimer.ProgressDeadline(), now.plusSeconds(d))));
      evaluate(List.of());
    }

    /** Too many failures (or no progress): roll back if asked to, else fail. */
    void fail(String reason) {
      if (run.status() == UpdateStatus.ROLLING_FORWARD && updateSettings().rollbackOnFailure()) {
        move(UpdateStatus.ROLLING_BACK, Optional.of(reason));
        enterRolling();
      } else {
        move(UpdateStatus.FAILED, Optional.of(reason));
      }
    }

    // -------------------------------------------------------------------------------------------
    // Evaluation (§4.4), with the auto-pause of §4.7
    // -------------------------------------------------------------------------------------------

    void evaluate(List<Integer> changedInstances) {
      if (run.coordinated() && run.pulseExpired(now)) {
        move(UpdateStateMachine.blockedTwin(run.status()).get(), Optional.of(PULSE_TIMEOUT));
        return;
      }
      boolean autoPause = !rollback() && UpdateStrategies.autoPauses(updateSettings().strategy());
      if (!autoPause) {
        evaluateOnce(changedInstances);
        return;
      }
      Step trial = copy();
      Set<Integer> touched = trial.evaluateOnce(changedInstances);
      List<Integer> unseen = touched.stream().filter(i -> !run.seen(i)).toList();
      boolean firstEvaluation = !run.seenAny();
      if (trial.outcome != InstanceProgress.WORKING || unseen.isEmpty() || firstEvaluation) {
        adopt(trial);
        if (firstEvaluation && !unseen.isEmpty() && run.status().isActive()) {
          emit(new BatchSeen(id(), unseen, now));
        }
        return;
      }
      // A new batch is about to start: finish what completes, remember the batch, and pause.
      reevaluateChanged(changedInstances);
      emit(new BatchSeen(id(), unseen, now));
      move(UpdateStatus.ROLL_FORWARD_PAUSED, Optional.of(AUTO_PAUSED));
    }

    /** One evaluation; returns the instances it looked at. */
    Set<Integer> evaluateOnce(List<Integer> changedInstances) {
      Set<Integer> touched = reevaluateChanged(changedInstances);
      int maxFailed = updateSettings().maxTotalFailures();
      while (run.count(InstanceProgress.FAILED) <= maxFailed) {
        int working = run.count(InstanceProgress.WORKING);
        if (run.count(InstanceProgress.IDLE) == 0
            || !UpdateStrategies.mayStart(updateSettings().strategy(), working)) {
          break;
        }
        List<Integer> group =
            UpdateStrategies.nextGroup(
                updateSettings().strategy(),
                rollback(),
                run.instancesIn(InstanceProgress.IDLE),
                working,
                run.order().size());
        if (group.isEmpty()) {
          break;
        }
        for (int instance : group) {
          touched.add(instance);
          startInstance(instance);
        }
        // Keep sweeping only while everything started also finished (already in place).
        if (run.count(InstanceProgress.WORKING) > 0) {
          break;
        }
      }
      conclude();
      return touched;
    }

    Set<Integer> reevaluateChanged(List<Integer> changedInstances) {
      Set<Integer> touched = new LinkedHashSet<>();
      for (int instance : changedInstances) {
        if (run.progress(instance) == InstanceProgress.WORKING) {
          touched.add(instance);
          act(instance, verdict(instance));
        }
      }
      // The reported task only stands for its instance in this step; later steps (a new group,
      // a rollback entered now) look at the active tasks, as Aurora fetched them from the store.
      changed = Optional.empty();
      return touched;
    }

    void conclude() {
      int failed = run.count(InstanceProgress.FAILED);
      if (failed > updateSettings().maxTotalFailures()) {
        outcome = InstanceProgress.FAILED;
        int named = lastFailed.orElseGet(() -> run.instancesIn(InstanceProgress.FAILED).get(0));
        fail(latestFailure(named));
      } else if (run.count(InstanceProgress.IDLE) == 0
          && run.count(InstanceProgress.WORKING) == 0) {
        outcome = InstanceProgress.SUCCEEDED;
        if (rollback()) {
          move(
              UpdateStatus.ROLLED_BACK,
              Optional.of(
                  "All instances rolled back"
                      + run.rollbackReason().map(r -> " after: " + r).orElse(".")));
        } else {
          int updated = run.order().size();
          move(
              UpdateStatus.ROLLED_FORWARD,
              Optional.of(
                  updated == 1
                      ? "Instance " + run.order().get(0) + " is updated."
                      : "All " + updated + " instances are updated."));
        }
      } else {
        outcome = InstanceProgress.WORKING;
      }
    }

    // -------------------------------------------------------------------------------------------
    // One instance
    // -------------------------------------------------------------------------------------------

    Optional<ObservedTask> actual(int instance) {
      if (changed.isPresent() && changed.get().instance() == instance) {
        return changed.get().task();
      }
      return Optional.ofNullable(tasks.get(instance));
    }

    Optional<TaskConfig> target(int instance) {
      return run.target(instance, rollback());
    }

    Verdict verdict(int instance) {
      UpdateSettings s = updateSettings();
      return InstanceEvaluator.evaluate(
          target(instance),
          actual(instance),
          run.pass().get().failures().getOrDefault(instance, 0),
          Duration.ofSeconds(s.watchSecs()),
          s.maxPerShardFailures(),
          now);
    }

    /** IDLE -> WORKING, with the recording rules of §4.6. */
    void startInstance(int instance) {
      Verdict v = verdict(instance);
      if (v.result() == Result.SUCCEEDED && !run.hasAnyEvent(instance)) {
        // Already in the desired state and never touched by this update: silent.
        emit(new InstancesSettled(id(), List.of(instance), InstanceProgress.SUCCEEDED, now));
        return;
      }
      record(
          instance, InstanceAction.started(rollback()), InstanceProgress.WORKING, Optional.empty());
      act(instance, v);
    }

    /** Records an instance event once per action; a repeat only moves the instance. */
    void record(
        int instance, InstanceAction action, InstanceProgress progress, Optional<String> message) {
      if (run.hasRecorded(instance, action)) {
        emit(new InstancesSettled(id(), List.of(instance), progress, now));
      } else {
        emit(new InstanceTransitioned(id(), instance, action, message, now));
      }
    }

    void act(int instance, Verdict v) {
      int before = run.pass().get().failures().getOrDefault(instance, 0);
      if (v.failures() != before && v.result() != Result.FAILED) {
        emit(new FailureObserved(id(), instance, v.failures(), now));
      }
      switch (v.result()) {
        case SUCCEEDED:
          record(
              instance,
              InstanceAction.succeeded(rollback()),
              InstanceProgress.SUCCEEDED,
              Optional.empty());
          break;
        case FAILED:
          lastFailed = Optional.of(instance);
          record(
              instance,
              InstanceAction.failed(rollback()),
              InstanceProgress.FAILED,
              Optional.of(failureReason(instance)));
          break;
        case ADD:
          boolean hasActive =
              Optional.ofNullable(tasks.get(instance))
                  .filter(t -> t.status().isActive() && !t.permanentlyKilled())
                  .isPresent();
          if (!hasActive) {
            instructions.add(new AddTask(instance, target(instance).get()));
          }
          break;
        case KILL:
        case KILL_AND_RESERVE:
          kill(instance, actual(instance).get(), v.result() == Result.KILL_AND_RESERVE);
          break;
        case WATCH:
          instructions.add(new StartTimer(new UpdateTimer.Watch(instance), v.wakeAt().get()));
          break;
        default:
          break;
      }
    }

    String failureReason(int instance) {
      Optional<ObservedTask> t = actual(instance);
      if (t.isEmpty()) {
        return "instance " + instance + " failed";
      }
      return "instance "
          + instance
          + " ended "
          + t.get().status()
          + t.get().message().map(m -> ": " + m).orElse("");
    }

    // -------------------------------------------------------------------------------------------
    // Kills, through the SLA when asked (§4.9)
    // -------------------------------------------------------------------------------------------

    void kill(int instance, ObservedTask task, boolean reserve) {
      Optional<SlaPolicy> policy =
          updateSettings().slaAware()
              ? target(instance)
                  .or(() -> run.target(instance, !rollback()))
                  .flatMap(TaskConfig::slaPolicy)
              : Optional.empty();
      if (policy.isEmpty()) {
        instructions.add(new KillTask(instance, task.taskId(), KILLED_FOR_UPDATE + id(), reserve));
        return;
      }
      if (!run.pass().get().slaChecks().containsKey(instance)) {
        emit(new SlaCheckStarted(id(), instance, InstanceAction.started(rollback()), now));
      }
      askSla(instance, task);
    }

    /**
     * The policy that gates a kill: the target configuration's (forward: the new one; rollback: the
     * old one), or for an instance being removed, the configuration it runs.
     */
    Optional<SlaPolicy> policy(int instance) {
      return target(instance)
          .or(() -> run.target(instance, !rollback()))
          .flatMap(TaskConfig::slaPolicy);
    }

    void askSla(int instance, ObservedTask task) {
      SlaPolicy policy = policy(instance).orElseThrow();
      if (!task.status().isSlaveAssigned()) {
        // Nothing runs yet: killing it takes nothing down.
        slaPassed(instance, task);
        return;
      }
      if (policy instanceof SlaPolicy.Coordinator c) {
        instructions.add(new AskCoordinator(instance, task.taskId(), task.config(), c));
        return;
      }
      Map<Integer, ObservedTask> view = tasks;
      if (!killing.isEmpty()) {
        view = new HashMap<>(tasks);
        for (int k : killing) {
          view.computeIfPresent(k, (i, t) -> t.moved(ScheduleStatus.KILLING, now));
        }
      }
      boolean allowed =
          SlaCheck.allows(
              policy,
              instance,
              view,
              now,
              task.config().production(),
              settings.minRequiredInstancesForSla(),
              settings.slaAwareKillNonProduction());
      if (allowed) {
        slaPassed(instance, task);
      } else {
        deferSla(instance);
      }
    }

    void slaPassed(int instance, ObservedTask task) {
      emit(new SlaCheckPassed(id(), instance, InstanceAction.started(rollback()), now));
      killing.add(instance);
      instructions.add(new KillTask(instance, task.taskId(), KILLED_FOR_UPDATE + id(), false));
    }

    void deferSla(int instance) {
      int attempt = run.pass().get().slaChecks().getOrDefault(instance, 0) + 1;
      emit(new SlaCheckDeferred(id(), instance, attempt, now));
      Duration delay = settings.slaRetryMin();
      for (int i = 1; i < attempt && delay.compareTo(settings.slaRetryMax()) < 0; i++) {
        delay = delay.multipliedBy(2);
      }
      if (delay.compareTo(settings.slaRetryMax()) > 0) {
        delay = settings.slaRetryMax();
      }
      instructions.add(new StartTimer(new UpdateTimer.SlaRetry(instance), now.plus(delay)));
    }
  }
}
