package io.borealis.update;

import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import java.time.Instant;

/** A side effect the entity performs once the decision's events are persisted. */
public sealed interface UpdateInstruction {

  /**
   * Kill the instance's active task {@code taskId} with {@code message} ("Killed for job update
   * <id>"); a PENDING task is thereby deleted. {@code reserve}: the replacement fits on the same
   * agent (update affinity may keep it).
   */
  record KillTask(int instance, String taskId, String message, boolean reserve)
      implements UpdateInstruction {}

  /** Insert a PENDING task with {@code config} for the instance (skip if it has an active one). */
  record AddTask(int instance, TaskConfig config) implements UpdateInstruction {}

  /** Start (or restart) {@code timer} to fire at {@code at}. */
  record StartTimer(UpdateTimer timer, Instant at) implements UpdateInstruction {}

  /**
   * Ask the coordinator of the policy whether the instance's task may be killed, and answer with
   * {@link UpdateInput.SlaChecked}.
   */
  record AskCoordinator(
      int instance, String taskId, TaskConfig config, SlaPolicy.Coordinator policy)
      implements UpdateInstruction {}
}
