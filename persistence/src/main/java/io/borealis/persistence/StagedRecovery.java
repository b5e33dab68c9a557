package io.borealis.persistence;

import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.task.ScheduledTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A staged restore (Aurora's {@code stageRecovery} ... {@code commitRecovery}): one backup loaded
 * into a copy held by the node, which can be queried and edited (tasks deleted) and then committed
 * (the scheduler takes its state) or unloaded. One stage at a time; every operation but staging
 * needs one.
 */
public final class StagedRecovery {

  /** No backup of that id. */
  public static final class NoSuchBackup extends RuntimeException {
    public NoSuchBackup(String id) {
      super("no backup " + id);
    }
  }

  /** The operation does not fit the stage: none is staged, or one is already. */
  public static final class WrongStage extends RuntimeException {
    public WrongStage(String message) {
      super(message);
    }
  }

  /** Makes the scheduler serve a staged backup's state. */
  @FunctionalInterface
  public interface Committer {
    /** Makes the scheduler serve {@code staged}, its changes made as {@code user}. */
    CompletionStage<Void> commit(Backup staged, String user);
  }

  /** Which staged tasks a query or a deletion means; empty parts do not restrict. */
  public record Filter(Optional<JobKey> job, Set<ScheduleStatus> statuses, Set<String> taskIds) {
    public Filter {
      statuses = Set.copyOf(statuses);
      taskIds = Set.copyOf(taskIds);
    }

    public static final Filter ALL = new Filter(Optional.empty(), Set.of(), Set.of());

    boolean matches(JobKey key) {
      return job.map(key::equals).orElse(true);
    }

    boolean matches(ScheduledTask t) {
      return (statuses.isEmpty() || statuses.contains(t.status()))
          && (taskIds.isEmpty() || taskIds.contains(t.taskId()));
    }
  }

  /** What a query of the staged copy answers: its backup, its jobs, and the matching tasks. */
  public record Staged(String backupId, List<JobKey> jobs, List<ScheduledTask> tasks) {
    public Staged {
      jobs = List.copyOf(jobs);
      tasks = List.copyOf(tasks);
    }
  }

  private final BackupStore store;
  private final Committer committer;
  private Optional<Backup> staged = Optional.empty();
  private boolean committing;

  public StagedRecovery(BackupStore store, Committer committer) {
    this.store = store;
    this.committer = committer;
  }

  /**
   * Loads backup {@code id} as the staged copy.
   *
   * @throws NoSuchBackup when there is none
   * @throws WrongStage when a backup is staged already
   */
  public synchronized Backup.Summary stage(String id) throws IOException {
    if (staged.isPresent()) {
      throw new WrongStage(
          "backup " + staged.get().id() + " is staged already: commit or unload it first");
    }
    Backup backup = store.read(id).orElseThrow(() -> new NoSuchBackup(id));
    staged = Optional.of(backup.withJobs(backup.existingJobs()));
    return staged.get().summary();
  }

  /** The staged jobs matching the filter's job, and their tasks matching it. */
  public synchronized Staged query(Filter filter) {
    Backup backup = current();
    List<JobKey> jobs = new ArrayList<>();
    List<ScheduledTask> tasks = new ArrayList<>();
    for (ViewSnapshot.JobImage j : backup.jobs()) {
      if (!filter.matches(j.key())) {
        continue;
      }
      jobs.add(j.key());
      for (ViewSnapshot.InstanceImage i : j.instances()) {
        i.tasks().stream().filter(filter::matches).forEach(tasks::add);
      }
    }
    return new Staged(backup.id(), jobs, tasks);
  }

  /**
   * Deletes the matching tasks from the staged copy (Aurora's {@code deleteRecoveryTasks}); a
   * filter of nothing but a job deletes the job's tasks, not the job. Answers the ids deleted.
   */
  public synchronized List<String> delete(Filter filter) {
    Backup backup = current();
    List<String> deleted = new ArrayList<>();
    List<ViewSnapshot.JobImage> jobs = new ArrayList<>();
    for (ViewSnapshot.JobImage j : backup.jobs()) {
      if (!filter.matches(j.key())) {
        jobs.add(j);
        continue;
      }
      List<ViewSnapshot.InstanceImage> instances = new ArrayList<>();
      for (ViewSnapshot.InstanceImage i : j.instances()) {
        List<ScheduledTask> kept = new ArrayList<>();
        for (ScheduledTask t : i.tasks()) {
          if (filter.matches(t)) {
            deleted.add(t.taskId());
          } else {
            kept.add(t);
          }
        }
        instances.add(new ViewSnapshot.InstanceImage(i.instanceId(), i.sequenceNr(), kept));
      }
      jobs.add(
          new ViewSnapshot.JobImage(j.key(), j.sequenceNr(), j.config(), j.createdAt(), instances));
    }
    staged = Optional.of(backup.withJobs(jobs));
    return deleted;
  }

  /** Drops the staged copy. */
  public synchronized void unload() {
    current();
    staged = Optional.empty();
  }

  /**
   * Makes the scheduler serve the staged copy (as edited), as {@code user} (who asked: the kills,
   * creates and quota and maintenance changes it makes name them); it stays staged until that is
   * done, and is dropped once it is.
   */
  public CompletionStage<Backup.Summary> commit(String user) {
    Backup backup;
    synchronized (this) {
      backup = current();
      committing = true;
    }
    CompletionStage<Void> done;
    try {
      done = committer.commit(backup, user);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done.handle(
        (ok, error) -> {
          synchronized (this) {
            committing = false;
            if (error == null) {
              staged = Optional.empty();
            }
          }
          if (error != null) {
            throw error instanceof RuntimeException r ? r : new IllegalStateException(error);
          }
          return backup.summary();
        });
  }

  /** The staged backup, if any. */
  public synchronized Optional<Backup> staged() {
    return staged;
  }

  private Backup current() {
    if (committing) {
      throw new WrongStage("the staged backup is being committed");
    }
    return staged.orElseThrow(() -> new WrongStage("no backup is staged"));
  }
}
