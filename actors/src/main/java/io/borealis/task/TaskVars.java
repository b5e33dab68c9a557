package io.borealis.task;

import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.quota.QuotaCategory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Aurora's per-job task counters (aurora-semantics §8, Aurora's {@code TaskVars}): {@code
 * tasks_<STATUS>_<role/env/name>} for every LOST and FAILED transition of a job's tasks, and {@code
 * tasks_lost_dedicated_<role>} for every LOST of a task held to a dedicated pool. The rack's
 * counter ({@link io.borealis.placement.PlacementEngine#LOST_RACK}) is placement's, which knows the
 * agents' attributes. The names carry a job, a role or a rack, so they stay in {@code /vars} and
 * out of {@code /metrics}.
 */
public final class TaskVars {

  /** The statuses counted per job. */
  private static final Set<ScheduleStatus> PER_JOB =
      Set.of(ScheduleStatus.LOST, ScheduleStatus.FAILED);

  /** The prefix of the per-role LOST counter of tasks in a dedicated pool. */
  public static final String LOST_DEDICATED = "tasks_lost_dedicated_";

  private TaskVars() {}

  /** The per-job counter of a status: {@code tasks_LOST_www-data/prod/hello}. */
  public static String perJob(ScheduleStatus status, JobKey job) {
    return "tasks_" + status.name() + "_" + job;
  }

  /** The counters a task of {@code job} moving to {@code to} bumps (none for most statuses). */
  public static List<String> countersFor(JobKey job, TaskConfig config, ScheduleStatus to) {
    List<String> names = new ArrayList<>();
    if (PER_JOB.contains(to)) {
      names.add(perJob(to, job));
    }
    if (to == ScheduleStatus.LOST && config.constraints().containsKey(QuotaCategory.DEDICATED)) {
      names.add(LOST_DEDICATED + job.role());
    }
    return names;
  }
}
