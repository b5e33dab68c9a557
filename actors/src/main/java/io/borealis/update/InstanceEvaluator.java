package io.borealis.update;

import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides what to do next with one instance of an update (aurora-semantics §4.5), from its target
 * configuration (absent: the instance is to be removed), its task, and the failures the current
 * pass has seen for it. Pure: the caller carries the failure count and acts on the verdict.
 */
public final class InstanceEvaluator {

  private InstanceEvaluator() {}

  /** Aurora's evaluator results. */
  public enum Result {
    /** The instance is in the target state: done. */
    SUCCEEDED,
    /** The new task failed more often than allowed: the instance failed. */
    FAILED,
    /** Insert a PENDING task with the target configuration. */
    ADD,
    /** Kill the task. */
    KILL,
    /**
     * Kill the task, keeping its agent for the replacement (new resources fit in the old and the
     * constraints are equal). Only matters with update affinity.
     */
    KILL_AND_RESERVE,
    /**
     * RUNNING with the target configuration, not yet for the watch time: look again at {@code
     * wakeAt}.
     */
    WATCH,
    /** Nothing to do until the task changes. */
    EVALUATE_ON_STATE_CHANGE
  }

  /**
   * A verdict.
   *
   * @param failures the failure count of the instance after this evaluation
   * @param wakeAt for WATCH, when to evaluate the instance again
   */
  public record Verdict(Result result, int failures, Optional<Instant> wakeAt) {

    static Verdict of(Result result, int failures) {
      return new Verdict(result, failures, Optional.empty());
    }

    /** Whether the verdict asks for a kill, with or without a reservation. */
    public boolean kills() {
      return result == Result.KILL || result == Result.KILL_AND_RESERVE;
    }
  }

  /**
   * Evaluates one instance.
   *
   * @param target the configuration the instance should run; empty if it should run nothing
   * @param task the instance's task: its active task, or the task whose change triggered this
   *     evaluation (which may be terminal); empty when it has none
   * @param failures failures counted for this instance so far in the current pass
   * @param watch how long a task must stay RUNNING (minWaitInInstanceRunningMs)
   * @param maxFailures failures allowed per instance (strictly more fails it)
   * @param now the time of the evaluation
   */
  public static Verdict evaluate(
      Optional<TaskConfig> target,
      Optional<ObservedTask> task,
      int failures,
      Duration watch,
      int maxFailures,
      Instant now) {
    Optional<ObservedTask> present = task.filter(t -> !t.permanentlyKilled());
    if (target.isEmpty()) {
      if (present.isEmpty()) {
        return Verdict.of(Result.SUCCEEDED, failures);
      }
      return Verdict.of(
          present.get().killable() ? Result.KILL : Result.EVALUATE_ON_STATE_CHANGE, failures);
    }
    if (present.isEmpty()) {
      return Verdict.of(Result.ADD, failures);
    }
    ObservedTask t = present.get();
    TaskConfig wanted = target.get();
    if (t.config().equals(wanted)) {
      if (t.status() == ScheduleStatus.RUNNING) {
        Instant stableAt = t.latestEventAt().plus(watch);
        if (!now.isBefore(stableAt)) {
          return Verdict.of(Result.SUCCEEDED, failures);
        }
        // Aurora looks again a whole watch period later, not at stableAt.
        return new Verdict(Result.WATCH, failures, Optional.of(now.plus(watch)));
      }
      if (t.status().isTerminal()) {
        int seen = failures + 1;
        return Verdict.of(
            seen > maxFailures ? Result.FAILED : Result.EVALUATE_ON_STATE_CHANGE, seen);
      }
      return Verdict.of(Result.EVALUATE_ON_STATE_CHANGE, failures);
    }
    if (t.killable()) {
      return Verdict.of(
          reserves(t.config(), wanted) ? Result.KILL_AND_RESERVE : Result.KILL, failures);
    }
    return Verdict.of(Result.EVALUATE_ON_STATE_CHANGE, failures);
  }

  /** The replacement fits where the old task ran: no resource grows, constraints equal. */
  static boolean reserves(TaskConfig old, TaskConfig wanted) {
    var a = old.resources();
    var b = wanted.resources();
    boolean fits =
        b.cpu() <= a.cpu()
            && b.ramMb() <= a.ramMb()
            && b.diskMb() <= a.diskMb()
            && b.gpu() <= a.gpu()
            && b.ports().size() <= a.ports().size();
    return fits && Objects.equals(old.constraints(), wanted.constraints());
  }
}
