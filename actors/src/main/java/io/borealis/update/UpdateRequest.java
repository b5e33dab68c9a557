package io.borealis.update;

import io.borealis.model.JobKey;
import java.util.Map;
import java.util.Optional;

/**
 * A validated request to start an update (the entity checks the preconditions of §4.1 first).
 *
 * @param rollbackOf the finished update this one rolls back, if any (§12)
 */
public record UpdateRequest(
    String updateId,
    JobKey job,
    UpdateInstructions instructions,
    String user,
    Map<String, String> metadata,
    Optional<String> rollbackOf,
    Optional<String> message) {

  public UpdateRequest {
    metadata = Map.copyOf(metadata);
  }
}
