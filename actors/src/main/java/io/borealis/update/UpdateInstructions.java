package io.borealis.update;

import io.borealis.job.JobDiff;
import io.borealis.model.JobConfiguration;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an update was asked to do, as stored (aurora-semantics §4.2 step 5): the instances it
 * replaces grouped by the configuration they ran ({@code initialState}), the instances that get the
 * new configuration ({@code desiredState}, absent when the update only removes instances), and the
 * settings. Everything the engine does is derived from these; they never change.
 *
 * <p>The instance set is the union of both sides; instances outside it (untouched ids outside a
 * scope, instances added later by someone else) are ignored by the update.
 */
public record UpdateInstructions(
    List<JobDiff.Group> initialState,
    Optional<JobDiff.Group> desiredState,
    UpdateSettings settings) {

  public UpdateInstructions {
    // Instance lists sorted, so lookups are binary searches (10,000-instance updates).
    initialState = initialState.stream().map(UpdateInstructions::sorted).toList();
    desiredState = desiredState.map(UpdateInstructions::sorted);
  }

  private static JobDiff.Group sorted(JobDiff.Group g) {
    List<Integer> ids = new ArrayList<>(new TreeSet<>(g.instances()));
    return ids.equals(g.instances()) ? g : new JobDiff.Group(g.config(), ids);
  }

  private static boolean holds(JobDiff.Group g, int id) {
    return Collections.binarySearch(g.instances(), id) >= 0;
  }

  /**
   * The instructions that take the job from its active tasks to {@code proposed}, limited to {@code
   * scope} when it is not empty (updateOnlyTheseInstances), with the proposed job's settings.
   *
   * @param active the configuration of each instance that has an active task
   */
  public static UpdateInstructions of(
      Map<Integer, TaskConfig> active, JobConfiguration proposed, Set<Integer> scope) {
    JobDiff diff = JobDiff.of(active, proposed, scope);
    TreeSet<Integer> replaced = new TreeSet<>();
    TreeSet<Integer> replacement = new TreeSet<>();
    diff.remove().forEach(g -> replaced.addAll(g.instances()));
    diff.update().forEach(g -> replaced.addAll(g.instances()));
    diff.add().forEach(g -> replacement.addAll(g.instances()));
    diff.update().forEach(g -> replacement.addAll(g.instances()));
    Map<TaskConfig, List<Integer>> byConfig = new LinkedHashMap<>();
    for (int id : replaced) {
      byConfig.computeIfAbsent(active.get(id), c -> new ArrayList<>()).add(id);
    }
    List<JobDiff.Group> initial = new ArrayList<>();
    byConfig.forEach((config, ids) -> initial.add(new JobDiff.Group(config, ids)));
    Optional<JobDiff.Group> desired =
        replacement.isEmpty()
            ? Optional.empty()
            : Optional.of(new JobDiff.Group(proposed.task(), new ArrayList<>(replacement)));
    return new UpdateInstructions(initial, desired, proposed.updateConfig());
  }

  /** "Update instruction is a no-op.": nothing to replace and nothing to create. */
  public boolean isNoOp() {
    return initialState.stream().allMatch(g -> g.instances().isEmpty())
        && desiredState.map(g -> g.instances().isEmpty()).orElse(true);
  }

  /** The configuration instance {@code id} ran before the update, if the update replaces it. */
  public Optional<TaskConfig> initialConfig(int id) {
    for (JobDiff.Group g : initialState) {
      if (holds(g, id)) {
        return Optional.of(g.config());
      }
    }
    return Optional.empty();
  }

  /** The configuration instance {@code id} gets when rolling forward; absent means removed. */
  public Optional<TaskConfig> desiredConfig(int id) {
    return desiredState.filter(g -> holds(g, id)).map(JobDiff.Group::config);
  }

  /** Every instance of the update, ascending. */
  public List<Integer> instances() {
    TreeSet<Integer> all = new TreeSet<>();
    initialState.forEach(g -> all.addAll(g.instances()));
    desiredState.ifPresent(g -> all.addAll(g.instances()));
    return List.copyOf(all);
  }

  /**
   * The order in which rolling forward visits the instances (§4.4): first those being created (in
   * the desired state only), then those being updated (in both), then those being killed (in the
   * initial state only), ascending within each class. Rolling back visits them in exactly the
   * reverse order.
   */
  public List<Integer> forwardOrder() {
    TreeSet<Integer> initial = new TreeSet<>();
    initialState.forEach(g -> initial.addAll(g.instances()));
    TreeSet<Integer> desired =
        new TreeSet<>(desiredState.map(JobDiff.Group::instances).orElse(List.of()));
    List<Integer> order = new ArrayList<>(initial.size() + desired.size());
    desired.stream().filter(i -> !initial.contains(i)).forEach(order::add);
    desired.stream().filter(initial::contains).forEach(order::add);
    initial.stream().filter(i -> !desired.contains(i)).forEach(order::add);
    return List.copyOf(order);
  }

  /** Instance id to configuration, for the side an update moves toward. */
  Map<Integer, TaskConfig> targets(boolean rollback) {
    Map<Integer, TaskConfig> targets = new HashMap<>();
    if (rollback) {
      initialState.forEach(g -> g.instances().forEach(i -> targets.put(i, g.config())));
    } else {
      desiredState.ifPresent(g -> g.instances().forEach(i -> targets.put(i, g.config())));
    }
    return targets;
  }
}
