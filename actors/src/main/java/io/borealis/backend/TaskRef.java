package io.borealis.backend;

import io.borealis.CborSerializable;
import io.borealis.model.InstanceKey;
import java.util.Optional;

/** A task the scheduler asks the backend about (reconciliation) or to kill. */
public record TaskRef(String taskId, InstanceKey instance, Optional<String> agentId)
    implements CborSerializable {}
