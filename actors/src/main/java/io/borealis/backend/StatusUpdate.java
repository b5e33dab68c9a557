package io.borealis.backend;

import io.borealis.CborSerializable;
import io.borealis.model.InstanceKey;
import io.borealis.model.ScheduleStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * What a backend reports about one task, already translated to a {@link ScheduleStatus}
 * (aurora-semantics §2.4). The backend keeps re-sending it until the scheduler acknowledges {@code
 * updateId}, which it does only once the status is persisted.
 *
 * @param instance the task's instance when the backend knows it (it was in the launch); otherwise
 *     the scheduler looks the task id up
 */
public record StatusUpdate(
    String updateId,
    String taskId,
    Optional<InstanceKey> instance,
    Optional<String> agentId,
    ScheduleStatus status,
    Optional<String> message,
    Instant timestamp)
    implements CborSerializable {}
