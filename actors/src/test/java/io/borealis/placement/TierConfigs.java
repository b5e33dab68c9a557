package io.borealis.placement;

import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.model.Tiers;

/** Task configs in a given tier and priority, for the preemption tests. */
final class TierConfigs {

  private TierConfigs() {}

  static TaskConfig config(JobKey job, String tier, int priority, Resources resources) {
    TaskConfig simple = TaskConfig.simple(job, true, resources);
    return new TaskConfig(
        simple.job(),
        simple.taskName(),
        simple.service(),
        tier,
        Tiers.of(tier).production(),
        priority,
        simple.maxTaskFailures(),
        simple.resources(),
        simple.processes(),
        simple.processOrder(),
        simple.constraints(),
        simple.healthCheck(),
        simple.partitionPolicy(),
        simple.slaPolicy(),
        simple.container(),
        simple.contact(),
        simple.metadata());
  }
}
