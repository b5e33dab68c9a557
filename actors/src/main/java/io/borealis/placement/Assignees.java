package io.borealis.placement;

import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * How placement reaches the owner of a pending task, without knowing what the owner is: the node
 * wires in the sharded task instances (which address an instance by key wherever it lives, so a
 * passivated or moved instance is woken), tests wire in probes. Placement calls it from its own
 * thread and pipes the answer back to itself as a message.
 */
@FunctionalInterface
public interface Assignees {

  /**
   * Asks the instance to bind its task {@code taskId} to {@code assignment}. The stage completes
   * once the instance has persisted the assignment, and fails when it refuses (the task is no
   * longer PENDING) or does not answer within {@code timeout}.
   */
  CompletionStage<Done> assign(
      InstanceKey instance, String taskId, Assignment assignment, Duration timeout);
}
