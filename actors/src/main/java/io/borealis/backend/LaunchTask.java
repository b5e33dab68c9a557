package io.borealis.backend;

import io.borealis.CborSerializable;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.TaskConfig;

/** One task to start on the agent of an accepted offer, with its ports already bound. */
public record LaunchTask(
    String taskId, InstanceKey instance, TaskConfig config, Assignment assignment)
    implements CborSerializable {}
