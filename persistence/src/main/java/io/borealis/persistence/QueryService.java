package io.borealis.persistence;

import io.borealis.model.InstanceRanges;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.task.ScheduledTask;
import io.borealis.update.UpdateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The read side as its clients see it (the HTTP edge): jobs, tasks and updates as of an index,
 * without a word about how they are kept. {@link ReadView} answers from memory on one node; a
 * cluster may answer from elsewhere behind the same questions.
 */
public interface QueryService {

  /** Counts of a job's tasks, as Aurora's JobStats. */
  public record Stats(int pending, int active, int finished, int failed) {}

  /** One job in listings; {@code activeUpdate} is the id of its update in an active status. */
  public record JobSummary(
      JobKey key,
      int instances,
      Stats stats,
      Optional<String> cronSchedule,
      Optional<String> activeUpdate) {

    public JobSummary(JobKey key, int instances, Stats stats, Optional<String> cronSchedule) {
      this(key, instances, stats, cronSchedule, Optional.empty());
    }
  }

  /** Instances sharing one configuration. */
  public record ConfigGroup(TaskConfig config, List<Integer> instances) {
    public String ranges() {
      return InstanceRanges.format(instances);
    }
  }

  /** A job in detail: its latest submitted configuration and how its active tasks run. */
  public record JobDetails(
      JobSummary summary,
      JobConfiguration config,
      List<ConfigGroup> activeGroups,
      Instant createdAt) {}

  /** Per role: how many jobs and cron jobs. */
  public record RoleSummary(String role, int jobs, int cronJobs) {}

  /** One page of a list. */
  public record Page<T>(List<T> items, int total, int offset, int limit) {}

  /** A task query (aurora-semantics §7.4): every set field must match. */
  public record TaskQuery(
      Optional<String> role,
      Optional<String> environment,
      Optional<String> jobName,
      Set<String> taskIds,
      Set<ScheduleStatus> statuses,
      Set<Integer> instances,
      Set<String> hosts,
      int limitPerInstance,
      int offset,
      int limit) {

    public static TaskQuery forJob(JobKey key) {
      return new TaskQuery(
          Optional.of(key.role()),
          Optional.of(key.environment()),
          Optional.of(key.name()),
          Set.of(),
          Set.of(),
          Set.of(),
          Set.of(),
          0,
          0,
          Integer.MAX_VALUE);
    }

    /** Every task of every job in one of {@code statuses}, unpaged. */
    public static TaskQuery inStatuses(Set<ScheduleStatus> statuses) {
      return new TaskQuery(
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Set.of(),
          statuses,
          Set.of(),
          Set.of(),
          0,
          0,
          Integer.MAX_VALUE);
    }
  }

  /**
   * The {@code X-Borealis-Index} of every read, an increasing number: on a node alone, the number
   * of events applied; on a journal several nodes share, a position in the journal's time that
   * means the same on every node.
   */
  long index();

  /**
   * The {@code X-Borealis-Index} a write answers with, once the write is stored and this node's
   * view holds it: a read with it ({@link #awaitIndex}) answers, on any node, once that node's view
   * holds the write.
   */
  long writeIndex();

  /**
   * Completes with the index once the view passes {@code after}, or when {@code wait} is over (with
   * the index then). For long-polling reads. The view passes an index a write answered with once it
   * holds the write, and an index a read answered with once something changed since.
   */
  CompletionStage<Long> awaitIndex(long after, Duration wait, ScheduledExecutorService timer);

  /** Whether the view has read everything the store held when the node started. */
  boolean isCaughtUp();

  /** The changes as they happen, for the event stream. */
  ChangeLog changes();

  Optional<ScheduledTask> task(String taskId);

  /** How many tasks the view holds in {@code status} now (Aurora's {@code task_store_<STATUS>}). */
  long tasksIn(ScheduleStatus status);

  List<JobSummary> jobs(Optional<String> role, Optional<String> environment);

  Optional<JobSummary> summary(JobKey key);

  Optional<JobDetails> job(JobKey key);

  /** The active task configuration of each instance of a job (for diffs and updates). */
  Map<Integer, TaskConfig> activeConfigs(JobKey key);

  /** Tasks matching a query, ordered by job, then instance, newest first within an instance. */
  Page<ScheduledTask> tasks(TaskQuery q);

  List<RoleSummary> roles();

  /** One update in detail. */
  Optional<UpdateHistory.Details> update(UpdateKey key);

  /** The updates that carry {@code id} (ids are unique per job only), ordered by key. */
  List<UpdateKey> updatesWithId(String id);

  /** The job's update in an active status, if any. */
  Optional<UpdateHistory.Summary> activeUpdate(JobKey job);

  /** Update summaries matching a query, newest-modified first. */
  Page<UpdateHistory.Summary> updates(UpdateHistory.Query query);
}
