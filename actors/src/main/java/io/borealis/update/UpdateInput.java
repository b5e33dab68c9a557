package io.borealis.update;

import java.util.Optional;

/** Something that happened to an update, for {@link UpdateEngine#decide}. */
public sealed interface UpdateInput {

  /**
   * A task of the instance changed status, or was deleted ({@code task} empty). The entity drops
   * stale reports (the task has moved on since) before asking.
   */
  record InstanceChanged(int instance, Optional<ObservedTask> task) implements UpdateInput {}

  /** A timer the engine asked for fired. */
  record TimerFired(UpdateTimer timer) implements UpdateInput {}

  /** An operator asked to pause, resume, abort or roll back. */
  record Operator(OperatorAction action, String user, Optional<String> message)
      implements UpdateInput {}

  /** An external service pulsed a coordinated update. */
  record Pulse(String user) implements UpdateInput {}

  /** The coordinator of an SLA policy answered an {@link UpdateInstruction.AskCoordinator}. */
  record SlaChecked(int instance, boolean allowed) implements UpdateInput {}

  /** The entity was (re)started from its journal: re-evaluate and re-arm timers. */
  record Recovered() implements UpdateInput {}
}
