package io.borealis.task;

import io.borealis.model.JobKey;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * {@link InstanceChanges} within one node: listeners by job, told directly. Instances and their
 * listeners must run on the same node; a cluster announces through a distributed topic instead. A
 * change of a job nobody listens to costs one map lookup.
 */
public final class LocalInstanceChanges implements InstanceChanges {

  private final ConcurrentHashMap<JobKey, Set<ActorRef<InstanceSummary>>> listeners =
      new ConcurrentHashMap<>();

  @Override
  public void changed(InstanceSummary summary) {
    Set<ActorRef<InstanceSummary>> forJob = listeners.get(summary.instance().job());
    if (forJob != null) {
      forJob.forEach(listener -> listener.tell(summary));
    }
  }

  @Override
  public void subscribe(JobKey job, ActorRef<InstanceSummary> listener) {
    listeners.computeIfAbsent(job, k -> ConcurrentHashMap.newKeySet()).add(listener);
  }

  @Override
  public void unsubscribe(JobKey job, ActorRef<InstanceSummary> listener) {
    listeners.computeIfPresent(
        job,
        (k, set) -> {
          set.remove(listener);
          return set.isEmpty() ? null : set;
        });
  }
}
