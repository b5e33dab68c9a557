package io.borealis.maintenance;

import io.borealis.model.JobKey;
import io.borealis.task.ScheduledTask;
import io.borealis.update.ObservedTask;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What maintenance reads about tasks: the node wires it to the read side (actors does not know the
 * read side). Answers from memory, at once; it may lag the entities by a moment, which the
 * maintenance passes tolerate (they run again).
 */
public interface HostTasks {

  /** The active tasks assigned to any of {@code hosts}. */
  List<ScheduledTask> activeOn(Set<String> hosts);

  /** The latest task of each instance of {@code job}, for the SLA check. */
  Map<Integer, ObservedTask> jobTasks(JobKey job);

  /**
   * Whether the answers are complete: a read side still loading after a restart knows of no task,
   * and a DRAINING host would look empty.
   */
  default boolean ready() {
    return true;
  }

  /** No tasks anywhere (tests of the modes alone). */
  HostTasks NONE =
      new HostTasks() {
        @Override
        public List<ScheduledTask> activeOn(Set<String> hosts) {
          return List.of();
        }

        @Override
        public Map<Integer, ObservedTask> jobTasks(JobKey job) {
          return Map.of();
        }
      };
}
