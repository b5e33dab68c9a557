package io.borealis.task;

import io.borealis.model.ScheduleStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The flapping penalty of aurora-semantics §2.6: a lineage of tasks that keep dying soon after they
 * start waits longer and longer (truncated binary backoff with jitter) before it runs again. User
 * and operator interruptions (restart, kill, drain) are never penalised.
 */
public final class RescheduleCalculator {

  /** A backoff: the next delay given the previous one (0 for none yet). */
  public interface Backoff {
    long next(long lastMs);
  }

  /** {@code min(max, b + rand[0,1)·b)} with {@code b} the last delay or the initial one. */
  public static Backoff truncatedBinary(Duration initial, Duration max, RandomGenerator random) {
    return last -> {
      long b = last == 0 ? initial.toMillis() : last;
      return Math.min(max.toMillis(), b + (long) (random.nextDouble() * b));
    };
  }

  private final Duration flappingThreshold;
  private final Backoff backoff;

  public RescheduleCalculator(Duration flappingThreshold, Backoff backoff) {
    this.flappingThreshold = flappingThreshold;
    this.backoff = backoff;
  }

  /**
   * The penalty for a task's next incarnation: walk its ancestors while they flapped, growing the
   * backoff each step, until the lineage is broken or the backoff stops growing.
   */
  public long penaltyMs(ScheduledTask task, Function<String, Optional<ScheduledTask>> lookup) {
    long penalty = 0;
    Optional<ScheduledTask> current = task.ancestorId().flatMap(lookup);
    while (current.isPresent() && flapped(current.get())) {
      long next = backoff.next(penalty);
      if (next == penalty) {
        break;
      }
      penalty = next;
      current = current.get().ancestorId().flatMap(lookup);
    }
    return penalty;
  }

  /** Whether a terminated task died within the flapping threshold of its last active status. */
  boolean flapped(ScheduledTask task) {
    if (task.events().isEmpty() || !task.status().isTerminal()) {
      return false;
    }
    for (TaskEvent e : task.events()) {
      ScheduleStatus s = e.status();
      if (s == ScheduleStatus.RESTARTING
          || s == ScheduleStatus.KILLING
          || s == ScheduleStatus.DRAINING) {
        return false;
      }
    }
    TaskEvent terminal = task.latestEvent();
    for (int i = task.events().size() - 2; i >= 0; i--) {
      TaskEvent e = task.events().get(i);
      if (e.status().isActive()) {
        return Duration.between(e.timestamp(), terminal.timestamp()).compareTo(flappingThreshold)
            < 0;
      }
    }
    return false;
  }
}
