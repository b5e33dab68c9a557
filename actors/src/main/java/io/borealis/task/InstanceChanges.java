package io.borealis.task;

import io.borealis.model.JobKey;
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

  /** {@code change} is what the instance's latest persisted events did. Quick; no I/O. */
  void changed(InstanceChange change);

  /** Whether anyone listens to {@code job}: an instance builds its announcement only then. */
  boolean listens(JobKey job);

  /** From now on, {@code listener} gets every change of an instance of {@code job}. */
  void subscribe(JobKey job, ActorRef<InstanceChange> listener);

  /** Stops what {@link #subscribe} started; unknown listeners are ignored. */
  void unsubscribe(JobKey job, ActorRef<InstanceChange> listener);

  /** Announces nowhere (tests of a single entity). */
  InstanceChanges NONE =
      new InstanceChanges() {
        @Override
        public void changed(InstanceChange change) {}

        @Override
        public boolean listens(JobKey job) {
          return false;
        }

        @Override
        public void subscribe(JobKey job, ActorRef<InstanceChange> listener) {}

        @Override
        public void unsubscribe(JobKey job, ActorRef<InstanceChange> listener) {}
      };
}
