package io.borealis.node;

import io.borealis.model.ScheduleStatus;
import io.borealis.persistence.QueryService;
import io.borealis.persistence.UpdateHistory;
import io.borealis.quota.RoleUsage;
import io.borealis.task.ScheduledTask;
import io.borealis.update.UpdateService;
import io.borealis.update.UpdateStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A role's usage as the read side holds it, for the quota's checks: the latest active task of every
 * instance of the role's jobs, the role's updates in an active status with their instructions, and
 * its cron jobs' templates. The cost grows with the role's jobs and tasks, not the cluster's.
 */
final class ViewRoleUsage implements RoleUsage.Source {

  private final QueryService view;

  ViewRoleUsage(QueryService view) {
    this.view = view;
  }

  @Override
  public RoleUsage of(String role) {
    List<RoleUsage.ActiveTask> tasks = new ArrayList<>();
    // Only an instance's latest task can be active; limit 1 per instance keeps it so.
    QueryService.TaskQuery active =
        new QueryService.TaskQuery(
            Optional.of(role),
            Optional.empty(),
            Optional.empty(),
            Set.of(),
            ScheduleStatus.ACTIVE,
            Set.of(),
            Set.of(),
            1,
            0,
            Integer.MAX_VALUE);
    for (ScheduledTask t : view.tasks(active).items()) {
      tasks.add(
          new RoleUsage.ActiveTask(t.instance().job(), t.instance().instanceId(), t.config()));
    }

    List<RoleUsage.ActiveUpdate> updates = new ArrayList<>();
    UpdateHistory.Query activeUpdates =
        new UpdateHistory.Query(
            Optional.of(role),
            Optional.empty(),
            UpdateStatus.ACTIVE,
            Optional.empty(),
            Map.of(),
            0,
            Integer.MAX_VALUE);
    for (UpdateHistory.Summary s : view.updates(activeUpdates).items()) {
      view.update(s.key())
          .ifPresent(d -> updates.add(UpdateService.asActive(s.key().job(), d.instructions())));
    }

    List<RoleUsage.CronJob> cronJobs = new ArrayList<>();
    for (QueryService.JobSummary j : view.jobs(Optional.of(role), Optional.empty())) {
      if (j.cronSchedule().isPresent()) {
        view.job(j.key())
            .ifPresent(
                d ->
                    cronJobs.add(
                        new RoleUsage.CronJob(j.key(), d.config().task(), d.config().instances())));
      }
    }
    return new RoleUsage(role, tasks, updates, cronJobs);
  }
}
