package io.borealis.task;

import io.borealis.model.JobKey;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * {@link InstanceChanges} within one node: listeners by job, told directly. Instances and their
 * listeners must run on the same node; a cluster announces through a distributed topic instead. An
 * instance of a job nobody listens to builds no announcement ({@link #listens}).
 */
public final class LocalInstanceChanges implements InstanceChanges {

  private final ConcurrentHashMap<JobKey, Set<ActorRef<InstanceChange>>> listeners =
      new ConcurrentHashMap<>();

  @Override
  public void changed(InstanceChange change) {
    Set<ActorRef<InstanceChange>> forJob = listeners.get(change.instance().job());
    if (forJob != null) {
      forJob.forEach(listener -> listener.tell(change));
    }
  }

  @Override
  public boolean listens(JobKey job) {
    return listeners.containsKey(job);
  }

  @Override
  public void subscribe(JobKey job, ActorRef<InstanceChange> listener) {
    listeners.computeIfAbsent(job, k -> ConcurrentHashMap.newKeySet()).add(listener);
  }

  @Override
  public void unsubscribe(JobKey job, ActorRef<InstanceChange> listener) {
    listeners.computeIfPresent(
        job,
        (k, set) -> {
          set.remove(listener);
          return set.isEmpty() ? null : set;
        });
  }
}
