package io.borealis.placement;

import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;

/**
 * A task that holds resources on an agent (one of Aurora's SLAVE_ASSIGNED states: ASSIGNED through
 * RUNNING, and the states that take it down), as placement needs to know it: for limit constraints
 * (which hosts a job already uses), for preemption (who could make room) and for maintenance.
 */
public record PlacedTask(
    String taskId, InstanceKey instance, TaskConfig config, String agentId, String host) {

  public JobKey job() {
    return instance.job();
  }
}
