package io.borealis.quota;

import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a role holds and may soon hold, as the read side knows it: the quota's input. The active
 * tasks of its jobs, the active updates of its jobs with what they replace and what they bring, and
 * its cron jobs' templates. The node builds it from the view ({@link Source}); tests build it by
 * hand.
 */
public record RoleUsage(
    String role, List<ActiveTask> tasks, List<ActiveUpdate> updates, List<CronJob> cronJobs) {

  public RoleUsage {
    tasks = List.copyOf(tasks);
    updates = List.copyOf(updates);
    cronJobs = List.copyOf(cronJobs);
  }

  /** Where the quota's checks read a role's usage: the node wires it to the read side. */
  @FunctionalInterface
  public interface Source {
    RoleUsage of(String role);
  }

  /** A role with nothing. */
  public static RoleUsage empty(String role) {
    return new RoleUsage(role, List.of(), List.of(), List.of());
  }

  /** The latest task of an instance, in an active status (PENDING included). */
  public record ActiveTask(JobKey job, int instance, TaskConfig config) {}

  /** Instances sharing a configuration. */
  public record Group(TaskConfig config, List<Integer> instances) {
    public Group {
      instances = List.copyOf(instances);
    }
  }

  /**
   * An update in an active status: the instances it replaces by their old configuration ({@code
   * initial}) and the instances it gives the new one ({@code desired}, empty when it only removes).
   */
  public record ActiveUpdate(JobKey job, List<Group> initial, List<Group> desired) {
    public ActiveUpdate {
      initial = List.copyOf(initial);
      desired = List.copyOf(desired);
    }
  }

  /** A cron job: the template each run starts {@code instances} times. */
  public record CronJob(JobKey job, TaskConfig template, int instances) {}

  /** The active configuration of each instance of {@code job}, by instance id. */
  public Map<Integer, TaskConfig> activeConfigs(JobKey job) {
    Map<Integer, TaskConfig> configs = new TreeMap<>();
    for (ActiveTask t : tasks) {
      if (t.job().equals(job)) {
        configs.put(t.instance(), t.config());
      }
    }
    return configs;
  }

  /** The active configuration of one instance. */
  public Optional<TaskConfig> activeConfig(JobKey job, int instance) {
    return tasks.stream()
        .filter(t -> t.job().equals(job) && t.instance() == instance)
        .map(ActiveTask::config)
        .findFirst();
  }

  /** Whether {@code job} has an update in an active status. */
  public boolean updating(JobKey job) {
    return updates.stream().anyMatch(u -> u.job().equals(job));
  }

  /** This usage with {@code update} active in place of any active update of its job. */
  public RoleUsage withUpdate(ActiveUpdate update) {
    List<ActiveUpdate> all = new ArrayList<>(updates.size() + 1);
    updates.stream().filter(u -> !u.job().equals(update.job())).forEach(all::add);
    all.add(update);
    return new RoleUsage(role, tasks, all, cronJobs);
  }
}
