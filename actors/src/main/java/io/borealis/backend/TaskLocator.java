package io.borealis.backend;

import io.borealis.model.InstanceKey;
import java.util.Optional;

/** Finds the instance a task id belongs to, for status updates that do not say. */
public interface TaskLocator {
  Optional<InstanceKey> locate(String taskId);

  TaskLocator NONE = taskId -> Optional.empty();
}
