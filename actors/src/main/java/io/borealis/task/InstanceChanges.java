package io.borealis.task;

import io.borealis.model.JobKey;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where an instance announces that it changed (a task created, a status reached, a configuration
 * replaced), and where a coordinator of its job listens instead of asking: the update engine
 * re-evaluates an instance when its summary arrives. An instance announces after its events are
 * persisted, with the state they led to, so a listener never sees a change that could be lost.
 *
 * <p>Delivery is at most once: a listener that subscribes late, or restarts, asks the instances
 * once ({@link TaskInstanceEntity.Describe}) and then follows the announcements.
 */
public interface InstanceChanges {

  /** {@code summary} is the instance's state after its latest persisted events. Quick; no I/O. */
  void changed(InstanceSummary summary);

  /** From now on, {@code listener} gets every change of an instance of {@code job}. */
  void subscribe(JobKey job, ActorRef<InstanceSummary> listener);

  /** Stops what {@link #subscribe} started; unknown listeners are ignored. */
  void unsubscribe(JobKey job, ActorRef<InstanceSummary> listener);

  /** Announces nowhere (tests of a single entity). */
  InstanceChanges NONE =
      new InstanceChanges() {
        @Override
        public void changed(InstanceSummary summary) {}

        @Override
        public void subscribe(JobKey job, ActorRef<InstanceSummary> listener) {}

        @Override
        public void unsubscribe(JobKey job, ActorRef<InstanceSummary> listener) {}
      };
}
