package io.borealis.persistence;

import io.borealis.model.MaintenanceMode;
import io.borealis.quota.ResourceAggregate;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One backup (Aurora's {@code performBackup}): a consistent export of the scheduler's state. The
 * jobs and their instances' tasks come from one {@link ReadView#snapshot()} (a point-in-time copy
 * at {@code index}); the quotas and the hosts' maintenance modes were read right after it.
 *
 * @param format the layout version; a backup of another version is not loaded
 * @param id time-based, unique in its folder, sortable: {@code yyyyMMdd-HHmmss-SSS}
 * @param index the read view's index the jobs were copied at
 * @param jobs every job with its configuration, each instance with its tasks, newest first
 * @param quotas per role, its production quota (roles without one are absent)
 * @param maintenance per host not in service, its maintenance mode
 */
public record Backup(
    int format,
    String id,
    Instant createdAt,
    long index,
    List<ViewSnapshot.JobImage> jobs,
    Map<String, ResourceAggregate> quotas,
    Map<String, MaintenanceMode> maintenance) {

  /** The layout this release writes and reads. */
  public static final int FORMAT = 1;

  public Backup {
    jobs = List.copyOf(jobs);
    quotas = Map.copyOf(quotas);
    maintenance = Map.copyOf(maintenance);
  }

  /** The jobs that exist (those with a configuration; the others are gone). */
  public List<ViewSnapshot.JobImage> existingJobs() {
    return jobs.stream().filter(j -> j.config().isPresent()).toList();
  }

  /** The listing's line of this backup. */
  public Summary summary() {
    int tasks = 0;
    List<ViewSnapshot.JobImage> existing = existingJobs();
    for (ViewSnapshot.JobImage j : existing) {
      for (ViewSnapshot.InstanceImage i : j.instances()) {
        tasks += i.tasks().size();
      }
    }
    return new Summary(id, createdAt, existing.size(), tasks);
  }

  /** This backup with other jobs (a staged copy after deletions). */
  public Backup withJobs(List<ViewSnapshot.JobImage> jobs) {
    return new Backup(format, id, createdAt, index, jobs, quotas, maintenance);
  }

  /** What a listing shows of a backup (Aurora's {@code listBackups}). */
  public record Summary(String id, Instant createdAt, int jobs, int tasks) {}

  /** The state besides jobs and tasks that a backup holds. */
  public record Others(
      Map<String, ResourceAggregate> quotas, Map<String, MaintenanceMode> maintenance) {
    public Others {
      quotas = Map.copyOf(quotas);
      maintenance = Map.copyOf(maintenance);
    }
  }
}
