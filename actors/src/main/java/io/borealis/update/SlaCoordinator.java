package io.borealis.update;

import io.borealis.model.InstanceKey;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import java.util.concurrent.CompletionStage;

/**
 * Asks the external coordinator of a {@link SlaPolicy.Coordinator} policy whether a task may be
 * killed (aurora-semantics §3.6). The node supplies the HTTP client; the update entity only sees
 * the answer (a failure counts as "not now": the engine asks again later).
 */
@FunctionalInterface
public interface SlaCoordinator {

  /** Whether the task {@code taskId} of {@code instance}, running {@code config}, may go down. */
  CompletionStage<Boolean> allows(
      SlaPolicy.Coordinator policy, InstanceKey instance, String taskId, TaskConfig config);
}
