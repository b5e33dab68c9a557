package io.borealis.update;

import io.borealis.model.ScheduleStatus;
import io.borealis.model.SlaPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Whether a job's Count or Percentage SLA policy lets one more instance go down (aurora-semantics
 * §3.6), from the job's active tasks. Coordinator policies are an external call and not decided
 * here.
 */
public final class SlaCheck {

  private SlaCheck() {}

  /**
   * Whether {@code candidate} may be killed now.
   *
   * @param tasks the job's tasks by instance (only active ones count)
   * @param production whether the job is in a production tier
   * @param minRequired below this many active tasks the check passes (min_required_instances)
   * @param checkNonProduction check non-production jobs too (sla_aware_kill_non_prod)
   */
  public static boolean allows(
      SlaPolicy policy,
      int candidate,
      Map<Integer, ObservedTask> tasks,
      Instant now,
      boolean production,
      int minRequired,
      boolean checkNonProduction) {
    if (policy instanceof SlaPolicy.Coordinator) {
      throw new IllegalArgumentException("a coordinator policy is asked, not computed");
    }
    long active = tasks.values().stream().filter(t -> t.status().isActive()).count();
    if ((!production && !checkNonProduction) || active < minRequired) {
      return true;
    }
    long durationSecs =
        policy instanceof SlaPolicy.Count c
            ? c.durationSecs()
            : ((SlaPolicy.Percentage) policy).durationSecs();
    Instant upSince = now.minus(Duration.ofSeconds(durationSecs));
    long running =
        tasks.entrySet().stream()
            .filter(e -> e.getKey() != candidate)
            .map(Map.Entry::getValue)
            .filter(t -> t.status() == ScheduleStatus.RUNNING)
            .filter(t -> !t.latestEventAt().isAfter(upSince))
            .count();
    if (policy instanceof SlaPolicy.Count c) {
      // A count that would never let an instance go down is lowered to allow one.
      long required = Math.min(c.count(), active - 1);
      return running >= required;
    }
    double pct = ((SlaPolicy.Percentage) policy).percentage();
    double ceiling = active == 0 ? 0 : (active - 1) * 100.0 / active;
    return active == 0 || running * 100.0 / active >= Math.min(pct, ceiling);
  }
}
