package io.borealis.job;

import io.borealis.model.JobConfiguration;
import io.borealis.model.TaskConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What an update from the running job to a proposed configuration would change (aurora-semantics
 * §4.2), as pure data: instances to add, to remove, to update and those left unchanged, each
 * grouped by configuration. The HTTP edge renders it; the update engine builds its instructions
 * from it.
 *
 * <p>An instance is <em>replaced</em> when it runs a configuration that differs from the proposed
 * one or is beyond the proposed instance count, and is a <em>replacement</em> when the proposed
 * configuration differs from what it runs or it runs nothing. Add is replacement without replaced,
 * remove is replaced without replacement, update is both. With a scope, only the instances in it
 * change; every other running instance counts as unchanged, and a proposed instance outside the
 * scope that runs nothing is left out.
 *
 * @param add instances that run nothing yet, grouped by the proposed configuration
 * @param remove instances beyond the proposed count, grouped by the configuration they run
 * @param update instances whose configuration changes, grouped by the proposed configuration
 * @param unchanged instances left as they are, grouped by the configuration they run
 */
public record JobDiff(
    List<Group> add, List<Group> remove, List<Group> update, List<Group> unchanged) {

  /** Instances (ascending) that share one configuration. */
  public record Group(TaskConfig config, List<Integer> instances) {
    public Group {
      instances = List.copyOf(instances);
    }
  }

  public JobDiff {
    add = List.copyOf(add);
    remove = List.copyOf(remove);
    update = List.copyOf(update);
    unchanged = List.copyOf(unchanged);
  }

  /**
   * The diff over every instance.
   *
   * @param active the configuration of each instance that has an active task
   */
  public static JobDiff of(Map<Integer, TaskConfig> active, JobConfiguration proposed) {
    return of(active, proposed, Set.of());
  }

  /**
   * The diff restricted to {@code scope} (empty means every instance).
   *
   * @param active the configuration of each instance that has an active task
   */
  public static JobDiff of(
      Map<Integer, TaskConfig> active, JobConfiguration proposed, Set<Integer> scope) {
    TaskConfig wanted = proposed.task();
    Map<TaskConfig, List<Integer>> add = new LinkedHashMap<>();
    Map<TaskConfig, List<Integer>> remove = new LinkedHashMap<>();
    Map<TaskConfig, List<Integer>> update = new LinkedHashMap<>();
    Map<TaskConfig, List<Integer>> unchanged = new LinkedHashMap<>();
    TreeSet<Integer> all = new TreeSet<>(active.keySet());
    for (int i = 0; i < proposed.instances(); i++) {
      all.add(i);
    }
    for (int id : all) {
      TaskConfig now = active.get(id);
      boolean inScope = scope.isEmpty() || scope.contains(id);
      if (!inScope) {
        if (now != null) {
          group(unchanged, now, id);
        }
      } else if (now == null) {
        group(add, wanted, id);
      } else if (id >= proposed.instances()) {
        group(remove, now, id);
      } else if (now.equals(wanted)) {
        group(unchanged, now, id);
      } else {
        group(update, wanted, id);
      }
    }
    return new JobDiff(groups(add), groups(remove), groups(update), groups(unchanged));
  }

  /**
   * The ids of {@code scope} that are neither running nor proposed: an update limited to them would
   * name instances that do not exist (aurora-semantics §4.1, updateOnlyTheseInstances).
   */
  public static SortedSet<Integer> outOfScope(
      Map<Integer, TaskConfig> active, JobConfiguration proposed, Set<Integer> scope) {
    TreeSet<Integer> out = new TreeSet<>();
    for (int id : scope) {
      if (!active.containsKey(id) && (id < 0 || id >= proposed.instances())) {
        out.add(id);
      }
    }
    return out;
  }

  /**
   * Whether the proposed configuration changes nothing ("Job is unchanged by proposed update.").
   */
  public boolean isNoOp() {
    return add.isEmpty() && remove.isEmpty() && update.isEmpty();
  }

  private static void group(Map<TaskConfig, List<Integer>> groups, TaskConfig config, int id) {
    groups.computeIfAbsent(config, c -> new ArrayList<>()).add(id);
  }

  private static List<Group> groups(Map<TaskConfig, List<Integer>> groups) {
    List<Group> list = new ArrayList<>(groups.size());
    groups.forEach((config, ids) -> list.add(new Group(config, ids)));
    return list;
  }
}
