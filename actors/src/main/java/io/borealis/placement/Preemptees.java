package io.borealis.placement;

import io.borealis.model.InstanceKey;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How placement takes a task down to make room for another (preemption), without knowing what owns
 * the task: the node wires in the sharded task instances, tests wire in probes. Placement calls it
 * from its own thread and pipes the answer back to itself as a message.
 */
@FunctionalInterface
public interface Preemptees {

  /**
   * Asks the instance to move its task {@code taskId} to PREEMPTING with {@code message}. The stage
   * completes with whether the task went PREEMPTING (false: it is no longer the instance's live
   * task), and fails when the instance does not answer within {@code timeout}.
   */
  CompletionStage<Boolean> preempt(
      InstanceKey instance, String taskId, String message, Duration timeout);

  /** For engines that never preempt. */
  Preemptees NONE =
      (instance, taskId, message, timeout) -> CompletableFuture.completedFuture(false);
}
