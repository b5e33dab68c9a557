package io.borealis.backend.local;

import io.borealis.model.ProcessConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Thermos's rules for the processes of one task, as plain Java without I/O or clocks of its own:
 * the runner feeds it what happened (a process exited, a delayed restart is due, the task is
 * killed) and carries out the actions it returns.
 *
 * <ul>
 *   <li>Regular processes run concurrently; an {@code order} constraint holds a process back until
 *       every process before it in that list succeeded.
 *   <li>A process that exits non-zero is restarted until it has failed {@code max_failures} times
 *       (0 = without limit), no sooner than {@code min_duration_secs} after its last start; then it
 *       has FAILED and so has the task. A daemon is restarted after success too.
 *   <li>The task's regular work is done when every process that is neither daemon, ephemeral nor
 *       final succeeded; remaining daemons and ephemerals are then stopped.
 *   <li>Final processes run (in their own order) once the regular ones have ended, whether the task
 *       succeeded, failed or was killed.
 * </ul>
 *
 * <p>Mutable, and confined to the runner that owns it; {@link #snapshot()} and {@link
 * #restore(List, List, Snapshot)} let a restarted agent pick a task up again.
 */
final class ProcessPlan {

  /** Where one process is. */
  enum ProcessStatus {
    /** Not started yet: waiting for its predecessors, for its restart delay, or for finalizing. */
    WAITING,
    /** Its command runs. */
    RUNNING,
    /** Exited 0 and will not run again. */
    SUCCESS,
    /** Failed {@code max_failures} times. */
    FAILED,
    /** Stopped by the agent (task killed, failed or done) or never started because of it. */
    KILLED;

    private static final Map<ProcessStatus, Set<ProcessStatus>> NEXT =
        new EnumMap<>(
            Map.of(
                WAITING, EnumSet.of(RUNNING, KILLED),
                RUNNING, EnumSet.of(WAITING, SUCCESS, FAILED, KILLED),
                SUCCESS, EnumSet.noneOf(ProcessStatus.class),
                FAILED, EnumSet.noneOf(ProcessStatus.class),
                KILLED, EnumSet.noneOf(ProcessStatus.class)));

    boolean canBecome(ProcessStatus next) {
      return NEXT.get(this).contains(next);
    }

    boolean isTerminal() {
      return NEXT.get(this).isEmpty();
    }
  }

  /** Where the task's processes are as a whole. */
  enum Phase {
    /** Regular processes run. */
    REGULAR,
    /** Regular processes are being stopped (the task ended, failed or is killed). */
    STOPPING,
    /** Final processes run. */
    FINALIZING,
    /** Nothing runs or will run. */
    DONE
  }

  /** What the runner must do. */
  sealed interface Action {}

  /** Start the process now. */
  record Start(String name) implements Action {}

  /** Start the process again after {@code delay} (then call {@link #restartDue}). */
  record StartAfter(String name, Duration delay) implements Action {}

  /** Stop these running processes (each then reports its exit). */
  record Terminate(Set<String> names) implements Action {}

  /** How the task's processes ended. */
  enum Result {
    FINISHED,
    FAILED,
    KILLED
  }

  /** The first process that failed past its limit, and its last exit code. */
  record Failure(String process, int exitCode) {}

  /** One process's book. */
  record ProcessState(
      String name, ProcessStatus status, int failures, Optional<Instant> lastStart) {
    ProcessState to(ProcessStatus next) {
      if (!status.canBecome(next)) {
        throw new IllegalStateException(
            "process " + name + " cannot go from " + status + " to " + next);
      }
      return new ProcessState(name, next, failures, lastStart);
    }
  }

  /** Everything needed to pick the plan up again. */
  record Snapshot(
      Phase phase,
      boolean killed,
      boolean finalsStopped,
      Optional<Failure> failure,
      List<ProcessState> processes) {}

  private final Map<String, ProcessConfig> configs = new LinkedHashMap<>();
  private final Map<String, Set<String>> predecessors = new LinkedHashMap<>();
  private final Map<String, ProcessState> states = new LinkedHashMap<>();
  private Phase phase = Phase.REGULAR;
  private boolean killed;
  private boolean finalsStopped;
  private Optional<Failure> failure = Optional.empty();

  ProcessPlan(List<ProcessConfig> processes, List<List<String>> order) {
    for (ProcessConfig p : processes) {
      configs.put(p.name(), p);
      predecessors.put(p.name(), new LinkedHashSet<>());
      states.put(p.name(), new ProcessState(p.name(), ProcessStatus.WAITING, 0, Optional.empty()));
    }
    for (List<String> chain : order) {
      for (int i = 1; i < chain.size(); i++) {
        Set<String> before = predecessors.get(chain.get(i));
        if (before != null) {
          before.addAll(chain.subList(0, i));
        }
      }
    }
  }

  static ProcessPlan restore(
      List<ProcessConfig> processes, List<List<String>> order, Snapshot snapshot) {
    ProcessPlan plan = new ProcessPlan(processes, order);
    plan.phase = snapshot.phase();
    plan.killed = snapshot.killed();
    plan.finalsStopped = snapshot.finalsStopped();
    plan.failure = snapshot.failure();
    for (ProcessState s : snapshot.processes()) {
      if (plan.states.containsKey(s.name())) {
        plan.states.put(s.name(), s);
      }
    }
    return plan;
  }

  Snapshot snapshot() {
    return new Snapshot(phase, killed, finalsStopped, failure, List.copyOf(states.values()));
  }

  Phase phase() {
    return phase;
  }

  ProcessState state(String name) {
    return states.get(name);
  }

  Set<String> running() {
    Set<String> names = new LinkedHashSet<>();
    states.values().stream()
        .filter(s -> s.status() == ProcessStatus.RUNNING)
        .forEach(s -> names.add(s.name()));
    return names;
  }

  /** Whether the task was killed (by the scheduler, a failed health check, or finalization). */
  boolean killed() {
    return killed;
  }

  Optional<Failure> failure() {
    return failure;
  }

  /** How the task ended, once the plan is {@link Phase#DONE}. */
  Optional<Result> result() {
    if (phase != Phase.DONE) {
      return Optional.empty();
    }
    return Optional.of(
        failure.isPresent() ? Result.FAILED : killed ? Result.KILLED : Result.FINISHED);
  }

  /** The task starts: every regular process without predecessors runs. */
  List<Action> begin(Instant now) {
    List<Action> actions = new ArrayList<>();
    startRunnable(now, actions);
    advance(now, actions);
    return actions;
  }

  /** A process's command ended with {@code exitCode}. */
  List<Action> exited(String name, int exitCode, Instant now) {
    List<Action> actions = new ArrayList<>();
    ProcessState s = states.get(name);
    if (s == null || s.status() != ProcessStatus.RUNNING) {
      return actions;
    }
    ProcessConfig config = configs.get(name);
    boolean stoppedByUs = config.finalProcess() ? finalsStopped : phase != Phase.REGULAR;
    if (stoppedByUs) {
      states.put(name, s.to(ProcessStatus.KILLED));
    } else if (exitCode == 0 && !config.daemon()) {
      states.put(name, s.to(ProcessStatus.SUCCESS));
    } else {
      int failures = s.failures() + (exitCode == 0 ? 0 : 1);
      ProcessState counted = new ProcessState(name, s.status(), failures, s.lastStart());
      if (config.maxFailures() > 0 && failures >= config.maxFailures()) {
        states.put(name, counted.to(ProcessStatus.FAILED));
        if (failure.isEmpty()) {
          failure = Optional.of(new Failure(name, exitCode));
        }
      } else {
        states.put(name, counted.to(ProcessStatus.WAITING));
        Duration wait =
            s.lastStart()
                .map(t -> Duration.between(now, t.plusSeconds(config.minDurationSecs())))
                .filter(d -> !d.isNegative())
                .orElse(Duration.ZERO);
        actions.add(wait.isZero() ? start(name, now) : new StartAfter(name, wait));
      }
    }
    startRunnable(now, actions);
    advance(now, actions);
    return actions;
  }

  /** The restart delay of a process is over. */
  List<Action> restartDue(String name, Instant now) {
    List<Action> actions = new ArrayList<>();
    ProcessState s = states.get(name);
    boolean mayRun =
        phase == Phase.REGULAR || (phase == Phase.FINALIZING && configs.get(name).finalProcess());
    if (s != null && s.status() == ProcessStatus.WAITING && s.lastStart().isPresent() && mayRun) {
      actions.add(start(name, now));
    }
    return actions;
  }

  /**
   * The task is killed: regular processes stop, then final processes run; a second kill while they
   * run stops them too.
   */
  List<Action> kill(Instant now) {
    List<Action> actions = new ArrayList<>();
    if (phase == Phase.FINALIZING) {
      finalsStopped = true;
      killed = true;
      cancelWaiting(true);
      Set<String> running = running();
      if (!running.isEmpty()) {
        actions.add(new Terminate(running));
      }
      advance(now, actions);
      return actions;
    }
    if (phase == Phase.DONE) {
      return actions;
    }
    killed = true;
    stopRegular(actions);
    advance(now, actions);
    return actions;
  }

  // -------------------------------------------------------------------------------------------

  private Action start(String name, Instant now) {
    ProcessState s = states.get(name).to(ProcessStatus.RUNNING);
    states.put(name, new ProcessState(name, s.status(), s.failures(), Optional.of(now)));
    return new Start(name);
  }

  /** Moves the phase on as far as the processes allow. */
  private void advance(Instant now, List<Action> actions) {
    if (phase == Phase.REGULAR) {
      if (failure.isPresent()) {
        stopRegular(actions);
      } else if (regularWorkDone()) {
        stopRegular(actions);
      }
    }
    if (phase == Phase.STOPPING && regularStopped()) {
      phase = Phase.FINALIZING;
      startRunnable(now, actions);
    }
    if (phase == Phase.FINALIZING && finalsEnded()) {
      phase = Phase.DONE;
    }
  }

  private void stopRegular(List<Action> actions) {
    phase = Phase.STOPPING;
    cancelWaiting(false);
    Set<String> running = new LinkedHashSet<>();
    for (String name : running()) {
      if (!configs.get(name).finalProcess()) {
        running.add(name);
      }
    }
    if (!running.isEmpty()) {
      actions.add(new Terminate(running));
    }
  }

  /** Processes waiting for a restart will not get it; nor will unstarted ones. */
  private void cancelWaiting(boolean finals) {
    for (ProcessState s : List.copyOf(states.values())) {
      if (s.status() == ProcessStatus.WAITING && configs.get(s.name()).finalProcess() == finals) {
        states.put(s.name(), s.to(ProcessStatus.KILLED));
      }
    }
  }

  private boolean regularWorkDone() {
    boolean anyRegular = false;
    boolean anyRequired = false;
    for (ProcessConfig c : configs.values()) {
      if (c.finalProcess()) {
        continue;
      }
      anyRegular = true;
      if (!c.daemon() && !c.ephemeral()) {
        anyRequired = true;
        if (states.get(c.name()).status() != ProcessStatus.SUCCESS) {
          return false;
        }
      }
    }
    // A task of daemons and ephemerals only runs until it is killed or fails; one without any
    // regular process has nothing to wait for and goes straight to its final processes.
    return anyRequired || !anyRegular;
  }

  private boolean regularStopped() {
    return configs.values().stream()
        .filter(c -> !c.finalProcess())
        .allMatch(c -> states.get(c.name()).status() != ProcessStatus.RUNNING);
  }

  private boolean finalsEnded() {
    return configs.values().stream()
        .filter(ProcessConfig::finalProcess)
        .allMatch(c -> states.get(c.name()).status().isTerminal());
  }

  /** Starts every not-yet-run process of the current phase whose predecessors all succeeded. */
  private void startRunnable(Instant now, List<Action> actions) {
    boolean finals;
    if (phase == Phase.REGULAR) {
      finals = false;
    } else if (phase == Phase.FINALIZING && !finalsStopped) {
      finals = true;
    } else {
      return;
    }
    for (ProcessConfig c : configs.values()) {
      ProcessState s = states.get(c.name());
      if (c.finalProcess() == finals
          && s.status() == ProcessStatus.WAITING
          && s.lastStart().isEmpty()
          && predecessorsSucceeded(c.name(), finals)) {
        actions.add(start(c.name(), now));
      }
    }
    if (finals) {
      // A final process whose predecessor failed can never run, nor can the ones after it. Repeat
      // until nothing changes: a process may be declared before the predecessor that blocks it.
      boolean changed = true;
      while (changed) {
        changed = false;
        for (ProcessConfig c : configs.values()) {
          ProcessState s = states.get(c.name());
          if (c.finalProcess() && s.status() == ProcessStatus.WAITING && blocked(c.name())) {
            states.put(c.name(), s.to(ProcessStatus.KILLED));
            changed = true;
          }
        }
      }
    }
  }

  private boolean predecessorsSucceeded(String name, boolean finals) {
    for (String before : predecessors.get(name)) {
      ProcessConfig c = configs.get(before);
      // In finalizing, only final predecessors hold a final process back.
      if (c == null || (finals && !c.finalProcess())) {
        continue;
      }
      if (states.get(before).status() != ProcessStatus.SUCCESS) {
        return false;
      }
    }
    return true;
  }

  private boolean blocked(String name) {
    for (String before : predecessors.get(name)) {
      ProcessConfig c = configs.get(before);
      if (c != null
          && c.finalProcess()
          && states.get(before).status().isTerminal()
          && states.get(before).status() != ProcessStatus.SUCCESS) {
        return true;
      }
    }
    return false;
  }
}
