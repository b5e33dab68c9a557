package io.borealis.quota;

import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a role consumes, per {@link QuotaCategory} (aurora-semantics §3.5, Aurora's QuotaManager):
 *
 * <ul>
 *   <li>a job without an active update counts the sum of its active tasks;
 *   <li>a job with an active update counts its tasks outside the update's instances as above, and
 *       the update's instances as the larger, per resource, of what they ran before ({@code
 *       initial}) and what they get ({@code desired}): an update may hold both at once;
 *   <li>a cron job counts the larger of its template times its instance count and the sum of its
 *       active tasks (a run may still be starting, or an old run still stopping).
 * </ul>
 *
 * Each task, group or template counts in the category of its own configuration. Pure.
 */
public record Consumption(Map<QuotaCategory, ResourceAggregate> byCategory) {

  public Consumption {
    EnumMap<QuotaCategory, ResourceAggregate> all = new EnumMap<>(QuotaCategory.class);
    for (QuotaCategory c : QuotaCategory.values()) {
      all.put(c, byCategory.getOrDefault(c, ResourceAggregate.ZERO));
    }
    byCategory = java.util.Collections.unmodifiableMap(all);
  }

  /** Nothing consumed. */
  public static final Consumption NONE = new Consumption(Map.of());

  /** What is checked against the role's quota. */
  public ResourceAggregate prodShared() {
    return byCategory.get(QuotaCategory.PROD_SHARED);
  }

  public ResourceAggregate of(QuotaCategory category) {
    return byCategory.get(category);
  }

  /** The consumption of {@code usage}'s role. */
  public static Consumption of(RoleUsage usage) {
    Totals totals = new Totals();
    Map<JobKey, RoleUsage.CronJob> cron = new HashMap<>();
    usage.cronJobs().forEach(c -> cron.put(c.job(), c));
    // Updates of cron jobs cannot exist (cron jobs change through their schedule only).
    Map<JobKey, Set<Integer>> updating = new HashMap<>();
    for (RoleUsage.ActiveUpdate u : usage.updates()) {
      if (!cron.containsKey(u.job())) {
        Set<Integer> ids = updating.computeIfAbsent(u.job(), j -> new HashSet<>());
        u.initial().forEach(g -> ids.addAll(g.instances()));
        u.desired().forEach(g -> ids.addAll(g.instances()));
      }
    }

    Map<JobKey, Totals> cronActive = new HashMap<>();
    for (RoleUsage.ActiveTask t : usage.tasks()) {
      if (cron.containsKey(t.job())) {
        cronActive.computeIfAbsent(t.job(), j -> new Totals()).add(t.config(), 1);
      } else if (!updating.getOrDefault(t.job(), Set.of()).contains(t.instance())) {
        totals.add(t.config(), 1);
      }
    }

    for (RoleUsage.ActiveUpdate u : usage.updates()) {
      if (cron.containsKey(u.job())) {
        continue;
      }
      Totals initial = Totals.of(u.initial());
      Totals desired = Totals.of(u.desired());
      totals.addMax(initial, desired);
    }

    for (RoleUsage.CronJob c : cron.values()) {
      Totals template = new Totals();
      template.add(c.template(), c.instances());
      totals.addMax(template, cronActive.getOrDefault(c.job(), new Totals()));
    }
    return new Consumption(totals.byCategory);
  }

  /** Running sums per category. */
  private static final class Totals {
    final EnumMap<QuotaCategory, ResourceAggregate> byCategory = new EnumMap<>(QuotaCategory.class);

    static Totals of(List<RoleUsage.Group> groups) {
      Totals t = new Totals();
      groups.forEach(g -> t.add(g.config(), g.instances().size()));
      return t;
    }

    void add(TaskConfig config, int count) {
      add(QuotaCategory.of(config), ResourceAggregate.of(config.resources()).times(count));
    }

    void add(QuotaCategory category, ResourceAggregate amount) {
      byCategory.merge(category, amount, ResourceAggregate::plus);
    }

    ResourceAggregate get(QuotaCategory category) {
      return byCategory.getOrDefault(category, ResourceAggregate.ZERO);
    }

    /** Adds, per category, the per-resource larger of {@code a} and {@code b}. */
    void addMax(Totals a, Totals b) {
      for (QuotaCategory c : QuotaCategory.values()) {
        if (a.byCategory.containsKey(c) || b.byCategory.containsKey(c)) {
          add(c, a.get(c).max(b.get(c)));
        }
      }
    }
  }
}
