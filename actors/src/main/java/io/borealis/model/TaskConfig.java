package io.borealis.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one instance of a job runs with (Aurora's {@code TaskConfig}). Two instances with
 * equal configs are interchangeable; any difference, even in metadata, means an update replaces the
 * task. {@code production} is derived from the tier, never taken from the user.
 */
public record TaskConfig(
    JobKey job,
    String taskName,
    boolean service,
    String tier,
    boolean production,
    int priority,
    int maxTaskFailures,
    Resources resources,
    List<ProcessConfig> processes,
    List<List<String>> processOrder,
    Map<String, Constraint> constraints,
    Optional<HealthCheck> healthCheck,
    PartitionPolicy partitionPolicy,
    Optional<SlaPolicy> slaPolicy,
    Optional<Container> container,
    Optional<String> contact,
    Map<String, String> metadata) {

  public TaskConfig {
    processes = List.copyOf(processes);
    processOrder = processOrder.stream().map(List::copyOf).toList();
    constraints = Map.copyOf(constraints);
    metadata = Map.copyOf(metadata);
  }

  /** A small service config, for tests and examples. */
  public static TaskConfig simple(JobKey job, boolean service, Resources resources) {
    return new TaskConfig(
        job,
        job.name(),
        service,
        Tiers.DEFAULT_TIER,
        false,
        0,
        1,
        resources,
        List.of(new ProcessConfig("main", "sleep 3600", 1, false, false, 0, false, Map.of())),
        List.of(),
        Map.of(),
        Optional.empty(),
        PartitionPolicy.DEFAULT,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  public TaskConfig withMaxTaskFailures(int max) {
    return new TaskConfig(
        job,
        taskName,
        service,
        tier,
        production,
        priority,
        max,
        resources,
        processes,
        processOrder,
        constraints,
        healthCheck,
        partitionPolicy,
        slaPolicy,
        container,
        contact,
        metadata);
  }

  /** This configuration with {@code constraints} in place of its own. */
  public TaskConfig withConstraints(Map<String, Constraint> constraints) {
    return new TaskConfig(
        job,
        taskName,
        service,
        tier,
        production,
        priority,
        maxTaskFailures,
        resources,
        processes,
        processOrder,
        constraints,
        healthCheck,
        partitionPolicy,
        slaPolicy,
        container,
        contact,
        metadata);
  }
}
