package io.borealis.task;

import io.borealis.CborSerializable;
import io.borealis.model.InstanceKey;
import java.util.List;
import java.util.Optional;

/**
 * What one persisted change of an instance did: every task its events touched, in their order and
 * as they are now, and the instance's latest task. A task that failed and was replaced in the same
 * change shows up ended among {@code changed} while {@code latest} is its replacement, so a
 * listener sees the failure too.
 */
public record InstanceChange(
    InstanceKey instance, List<ScheduledTask> changed, Optional<ScheduledTask> latest)
    implements CborSerializable {
  public InstanceChange {
    changed = List.copyOf(changed);
  }
}
