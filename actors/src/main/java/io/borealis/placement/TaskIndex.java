package io.borealis.placement;

import io.borealis.model.JobKey;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tasks that hold resources, by agent and by job, kept by the placement engine. Mutable and
 * confined to the engine. Adding a task again replaces it (it may have moved, after a restart).
 */
public final class TaskIndex {

  private final Map<String, PlacedTask> byId = new HashMap<>();
  private final Map<String, Map<String, PlacedTask>> byAgent = new HashMap<>();
  private final Map<JobKey, Map<String, PlacedTask>> byJob = new HashMap<>();

  public void add(PlacedTask task) {
    remove(task.taskId());
    byId.put(task.taskId(), task);
    byAgent.computeIfAbsent(task.agentId(), a -> new LinkedHashMap<>()).put(task.taskId(), task);
    byJob.computeIfAbsent(task.job(), j -> new LinkedHashMap<>()).put(task.taskId(), task);
  }

  /** Forgets a task; unknown ids are ignored. */
  public Optional<PlacedTask> remove(String taskId) {
    PlacedTask old = byId.remove(taskId);
    if (old == null) {
      return Optional.empty();
    }
    drop(byAgent, old.agentId(), taskId);
    drop(byJob, old.job(), taskId);
    return Optional.of(old);
  }

  public Optional<PlacedTask> get(String taskId) {
    return Optional.ofNullable(byId.get(taskId));
  }

  /** The tasks on one agent, in the order they were added. */
  public Collection<PlacedTask> onAgent(String agentId) {
    Map<String, PlacedTask> tasks = byAgent.get(agentId);
    return tasks == null ? List.of() : tasks.values();
  }

  /** The tasks of one job, in the order they were added. */
  public Collection<PlacedTask> ofJob(JobKey job) {
    Map<String, PlacedTask> tasks = byJob.get(job);
    return tasks == null ? List.of() : tasks.values();
  }

  /** The agents that hold at least one task. */
  public Collection<String> agents() {
    return byAgent.keySet();
  }

  public int size() {
    return byId.size();
  }

  private static <K> void drop(Map<K, Map<String, PlacedTask>> index, K key, String taskId) {
    Map<String, PlacedTask> tasks = index.get(key);
    if (tasks != null) {
      tasks.remove(taskId);
      if (tasks.isEmpty()) {
        index.remove(key);
      }
    }
  }
}
