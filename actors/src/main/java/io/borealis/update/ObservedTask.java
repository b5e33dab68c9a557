package io.borealis.update;

import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.task.ScheduledTask;
import java.time.Instant;
import java.util.Optional;

/**
 * What the engine needs to know about one task of an instance: the entity fills it from the
 * instance's state (see {@link #of(ScheduledTask)}).
 *
 * @param latestEventAt when the task entered its current status ("stable" is measured from here)
 * @param killedBefore the task's history contains KILLING
 * @param message the message of its latest event (used in failure reasons)
 */
public record ObservedTask(
    String taskId,
    ScheduleStatus status,
    TaskConfig config,
    Instant latestEventAt,
    boolean killedBefore,
    Optional<String> message) {

  public static ObservedTask of(ScheduledTask task) {
    return new ObservedTask(
        task.taskId(),
        task.status(),
        task.config(),
        task.latestEvent().timestamp(),
        task.everIn(ScheduleStatus.KILLING),
        task.latestEvent().message());
  }

  /**
   * Killed for good: it passed through KILLING and is no longer KILLING, so it will not be
   * rescheduled. The evaluator treats such an instance as having no task.
   */
  public boolean permanentlyKilled() {
    return killedBefore && status != ScheduleStatus.KILLING;
  }

  /** The updater may kill it: active and not already KILLING. */
  public boolean killable() {
    return status.isActive() && status != ScheduleStatus.KILLING;
  }

  /** A copy in another status entered at {@code at}, for tests and simulations. */
  public ObservedTask moved(ScheduleStatus to, Instant at) {
    return new ObservedTask(
        taskId, to, config, at, killedBefore || to == ScheduleStatus.KILLING, Optional.empty());
  }
}
