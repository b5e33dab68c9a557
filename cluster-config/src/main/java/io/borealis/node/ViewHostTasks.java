package io.borealis.node;

import io.borealis.maintenance.HostTasks;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.persistence.QueryService;
import io.borealis.persistence.QueryService.TaskQuery;
import io.borealis.task.ScheduledTask;
import io.borealis.update.ObservedTask;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Maintenance's questions about tasks, answered by the node's read side. */
final class ViewHostTasks implements HostTasks {

  private final QueryService view;

  ViewHostTasks(QueryService view) {
    this.view = view;
  }

  @Override
  public List<ScheduledTask> activeOn(Set<String> hosts) {
    if (hosts.isEmpty()) {
      return List.of();
    }
    return view.tasks(
            new TaskQuery(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Set.of(),
                ScheduleStatus.ACTIVE,
                Set.of(),
                hosts,
                // Only an instance's newest task can be active.
                1,
                0,
                Integer.MAX_VALUE))
        .items();
  }

  @Override
  public Map<Integer, ObservedTask> jobTasks(JobKey job) {
    TaskQuery q = TaskQuery.forJob(job);
    List<ScheduledTask> latest =
        view.tasks(
                new TaskQuery(
                    q.role(),
                    q.environment(),
                    q.jobName(),
                    Set.of(),
                    Set.of(),
                    Set.of(),
                    Set.of(),
                    1,
                    0,
                    Integer.MAX_VALUE))
            .items();
    Map<Integer, ObservedTask> byInstance = new HashMap<>();
    latest.forEach(t -> byInstance.put(t.instance().instanceId(), ObservedTask.of(t)));
    return byInstance;
  }

  @Override
  public boolean ready() {
    return view.isCaughtUp();
  }
}
