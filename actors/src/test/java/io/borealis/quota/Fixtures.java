package io.borealis.quota;

import io.borealis.model.Constraint;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import java.util.List;
import java.util.Map;

/** Task configurations of every quota category, for the quota tests. */
final class Fixtures {

  static final String ROLE = "www-data";
  static final JobKey WEB = new JobKey(ROLE, "prod", "web");
  static final JobKey API = new JobKey(ROLE, "prod", "api");
  static final JobKey BATCH = new JobKey(ROLE, "prod", "batch");

  private Fixtures() {}

  /** A production task on shared hosts ({@code tier: preferred}). */
  static TaskConfig prod(JobKey job, double cpu, long ramMb, long diskMb) {
    return tier(job, "preferred", true, Resources.of(cpu, ramMb, diskMb), Map.of());
  }

  /** A preemptible task on shared hosts. */
  static TaskConfig nonProd(JobKey job, double cpu, long ramMb, long diskMb) {
    return tier(job, "preemptible", false, Resources.of(cpu, ramMb, diskMb), Map.of());
  }

  /** {@code config} with a {@code dedicated} constraint. */
  static TaskConfig dedicated(TaskConfig config) {
    return tier(
        config.job(),
        config.tier(),
        config.production(),
        config.resources(),
        Map.of("dedicated", new Constraint.Value("dedicated", false, List.of(ROLE + "/*"))));
  }

  static TaskConfig withResources(TaskConfig config, Resources resources) {
    return tier(config.job(), config.tier(), config.production(), resources, config.constraints());
  }

  private static TaskConfig tier(
      JobKey job,
      String tier,
      boolean production,
      Resources resources,
      Map<String, Constraint> constraints) {
    TaskConfig simple = TaskConfig.simple(job, true, resources);
    return new TaskConfig(
        job,
        simple.taskName(),
        true,
        tier,
        production,
        simple.priority(),
        simple.maxTaskFailures(),
        resources,
        simple.processes(),
        simple.processOrder(),
        constraints,
        simple.healthCheck(),
        simple.partitionPolicy(),
        simple.slaPolicy(),
        simple.container(),
        simple.contact(),
        simple.metadata());
  }

  static ResourceAggregate agg(double cpu, long ramMb, long diskMb) {
    return new ResourceAggregate(cpu, ramMb, diskMb);
  }
}
