package io.borealis.update;

import io.borealis.CborSerializable;
import io.borealis.model.JobKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the update entity persists. {@link UpdateStarted}, {@link StatusChanged} and the
 * {@link InstanceUpdateEvent}s are Aurora's job update events and instance events, self-contained
 * for the read side. The rest is the engine's bookkeeping of its current pass (instances that moved
 * without an instance event, failure counts, SLA retries, the auto-pause memory, pulses): Aurora
 * kept it in memory and rebuilt it after a failover; Borealis persists it, so a restarted node
 * continues the pass where it stopped.
 */
public sealed interface UpdateEvent extends CborSerializable {

  String updateId();

  Instant timestamp();

  /** The update was created, entering {@code status} (ROLLING_FORWARD or awaiting a pulse). */
  record UpdateStarted(
      String updateId,
      JobKey job,
      UpdateInstructions instructions,
      String user,
      Map<String, String> metadata,
      Optional<String> rollbackOf,
      UpdateStatus status,
      Optional<String> message,
      Instant timestamp)
      implements UpdateEvent {
    public UpdateStarted {
      metadata = Map.copyOf(metadata);
    }
  }

  /** The update moved from one status to another, by an operator ({@code user}) or by itself. */
  record StatusChanged(
      String updateId,
      UpdateStatus from,
      UpdateStatus to,
      Optional<String> user,
      Optional<String> message,
      Instant timestamp)
      implements UpdateEvent {}

  /** An instance event of the update, as Aurora shows them. */
  sealed interface InstanceUpdateEvent extends UpdateEvent {
    int instance();

    InstanceAction action();

    Optional<String> message();
  }

  /** An instance started, succeeded or failed in the current pass. */
  record InstanceTransitioned(
      String updateId,
      int instance,
      InstanceAction action,
      Optional<String> message,
      Instant timestamp)
      implements InstanceUpdateEvent {}

  /** An SLA-aware kill of the instance waits for the job's SLA ("Checking SLA …"). */
  record SlaCheckStarted(String updateId, int instance, InstanceAction action, Instant timestamp)
      implements InstanceUpdateEvent {
    @Override
    public Optional<String> message() {
      return Optional.of(UpdateEngine.SLA_CHECKING);
    }
  }

  /** The job's SLA allowed the kill ("SLA check passed …"); the kill follows. */
  record SlaCheckPassed(String updateId, int instance, InstanceAction action, Instant timestamp)
      implements InstanceUpdateEvent {
    @Override
    public Optional<String> message() {
      return Optional.of(UpdateEngine.SLA_PASSED);
    }
  }

  /**
   * Instances moved in the current pass without an instance event: they were already in the desired
   * state (silent success), or their event was recorded by an earlier pass.
   */
  record InstancesSettled(
      String updateId, List<Integer> instances, InstanceProgress progress, Instant timestamp)
      implements UpdateEvent {
    public InstancesSettled {
      instances = List.copyOf(instances);
    }
  }

  /** The new task of an instance ended; {@code failures} counted so far in this pass. */
  record FailureObserved(String updateId, int instance, int failures, Instant timestamp)
      implements UpdateEvent {}

  /** The SLA did not allow the kill yet; attempt {@code attempt} will be retried. */
  record SlaCheckDeferred(String updateId, int instance, int attempt, Instant timestamp)
      implements UpdateEvent {}

  /** The auto-pause memory: these instances belong to a batch already announced. */
  record BatchSeen(String updateId, List<Integer> instances, Instant timestamp)
      implements UpdateEvent {
    public BatchSeen {
      instances = List.copyOf(instances);
    }
  }

  /** A coordinated update was pulsed. */
  record Pulsed(String updateId, Instant timestamp) implements UpdateEvent {}
}
