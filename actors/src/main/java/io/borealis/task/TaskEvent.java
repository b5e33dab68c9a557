package io.borealis.task;

import io.borealis.model.ScheduleStatus;
import java.time.Instant;
import java.util.Optional;

/** One entry of a task's history: when it entered a status, and why. */
public record TaskEvent(Instant timestamp, ScheduleStatus status, Optional<String> message) {}
