package io.borealis.node;

import io.borealis.host.Reconciler;
import io.borealis.job.JobEntity;
import io.borealis.maintenance.MaintenanceEntity;
import io.borealis.maintenance.MaintenanceService;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.persistence.Backup;
import io.borealis.persistence.ReadView;
import io.borealis.persistence.StagedRecovery;
import io.borealis.persistence.ViewSnapshot;
import io.borealis.quota.QuotaService;
import io.borealis.quota.ResourceAggregate;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.update.OperatorAction;
import io.borealis.update.UpdateService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Commits a staged backup (Aurora's {@code commitRecovery}): afterwards the scheduler holds exactly
 * the backup's jobs and tasks, quotas and maintenance modes. In order:
 *
 * <ol>
 *   <li>every active job update is aborted (updates are not restored: a running one would go on
 *       acting on jobs it no longer knows; the update history stays as it is);
 *   <li>every instance, of the backup or of now, is told to {@code Restore} its tasks (none when
 *       the backup has no such instance): a live task that the backup lacks is killed on its agent,
 *       a restored task on an agent is reconciled with the backend (the backend no longer knowing
 *       it makes it LOST, as in a reconciliation), a restored PENDING task goes back to placement;
 *   <li>every job, of the backup or of now, is told to {@code Restore} (erased when not in the
 *       backup), which ends any hold of an update and any scheduling round in flight;
 *   <li>quotas and maintenance modes are set as in the backup (roles and hosts it does not have go
 *       back to no quota and in service);
 *   <li>an explicit reconciliation runs, so tasks the backend runs that nobody knows are killed.
 * </ol>
 *
 * Each step is persisted by its entity as one {@code Restored} event: the journal stays
 * append-only, and a commit cut short by a crash can be committed again (every step is idempotent).
 */
final class RecoveryCommit implements StagedRecovery.Committer {

  private final ActorSystem<?> system;
  private final ReadView view;
  private final UpdateService updates;
  private final QuotaService quotas;
  private final MaintenanceService maintenance;
  private final Consumer<Reconciler.Trigger> reconcile;
  private final Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances;
  private final Function<JobKey, RecipientRef<JobEntity.Command>> jobs;
  private final Duration timeout;

  RecoveryCommit(
      ActorSystem<?> system,
      ReadView view,
      UpdateService updates,
      QuotaService quotas,
      MaintenanceService maintenance,
      Consumer<Reconciler.Trigger> reconcile,
      Duration timeout) {
    this.system = system;
    this.view = view;
    this.updates = updates;
    this.quotas = quotas;
    this.maintenance = maintenance;
    this.reconcile = reconcile;
    this.instances = TaskInstanceEntity.refs(system);
    this.jobs = JobEntity.refs(system);
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<Void> commit(Backup staged, String user) {
    ViewSnapshot now = view.snapshot();
    return abortUpdates(now, user)
        .thenCompose(x -> restoreJobs(now, staged, user))
        .thenCompose(x -> restoreQuotas(staged, user))
        .thenCompose(x -> restoreMaintenance(staged, user))
        .thenRun(
            () ->
                reconcile.accept(
                    new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.empty(), user)));
  }

  private CompletionStage<Void> abortUpdates(ViewSnapshot now, String user) {
    List<CompletableFuture<?>> aborts = new ArrayList<>();
    for (ViewSnapshot.JobImage j : now.jobs()) {
      view.activeUpdate(j.key())
          .ifPresent(
              u ->
                  aborts.add(
                      updates
                          .act(
                              u.key(),
                              OperatorAction.ABORT,
                              user,
                              Optional.of("Aborted by a recovery from a backup"))
                          .toCompletableFuture()
                          // An update that ended meanwhile refuses: nothing to abort.
                          .exceptionally(e -> null)));
    }
    return CompletableFuture.allOf(aborts.toArray(CompletableFuture[]::new));
  }

  /** One job after another; the instances of a job all at once. */
  private CompletionStage<Void> restoreJobs(ViewSnapshot now, Backup staged, String user) {
    Map<JobKey, ViewSnapshot.JobImage> before = new TreeMap<>(JobKeyOrder.INSTANCE);
    now.jobs().forEach(j -> before.put(j.key(), j));
    Map<JobKey, ViewSnapshot.JobImage> after = new TreeMap<>(JobKeyOrder.INSTANCE);
    staged.jobs().forEach(j -> after.put(j.key(), j));
    TreeSet<JobKey> all = new TreeSet<>(JobKeyOrder.INSTANCE);
    all.addAll(before.keySet());
    all.addAll(after.keySet());
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (JobKey key : all) {
      Optional<ViewSnapshot.JobImage> was = Optional.ofNullable(before.get(key));
      Optional<ViewSnapshot.JobImage> will = Optional.ofNullable(after.get(key));
      chain = chain.thenCompose(x -> restoreJob(key, was, will, user));
    }
    return chain;
  }

  private CompletionStage<Void> restoreJob(
      JobKey key,
      Optional<ViewSnapshot.JobImage> was,
      Optional<ViewSnapshot.JobImage> will,
      String user) {
    Map<Integer, List<ScheduledTask>> tasks = new TreeMap<>();
    was.ifPresent(j -> j.instances().forEach(i -> tasks.put(i.instanceId(), List.of())));
    will.ifPresent(j -> j.instances().forEach(i -> tasks.put(i.instanceId(), i.tasks())));
    List<CompletableFuture<Done>> restored = new ArrayList<>();
    tasks.forEach(
        (id, list) ->
            restored.add(
                AskPattern.<TaskInstanceEntity.Command, Done>ask(
                        instances.apply(new InstanceKey(key, id)),
                        r -> new TaskInstanceEntity.Restore(list, r),
                        timeout,
                        system.scheduler())
                    .toCompletableFuture()));
    List<Integer> ids =
        will.map(j -> j.instances().stream().map(ViewSnapshot.InstanceImage::instanceId).toList())
            .orElse(List.of());
    return CompletableFuture.allOf(restored.toArray(CompletableFuture[]::new))
        .thenCompose(
            x ->
                AskPattern.<JobEntity.Command, Done>askWithStatus(
                    jobs.apply(key),
                    r ->
                        new JobEntity.Restore(
                            will.flatMap(ViewSnapshot.JobImage::config),
                            ids,
                            will.flatMap(ViewSnapshot.JobImage::createdAt),
                            user,
                            r),
                    timeout,
                    system.scheduler()))
        .thenApply(x -> null);
  }

  private CompletionStage<Void> restoreQuotas(Backup staged, String user) {
    TreeSet<String> roles = new TreeSet<>(staged.quotas().keySet());
    view.roles().forEach(r -> roles.add(r.role()));
    List<CompletableFuture<?>> sets = new ArrayList<>();
    for (String role : roles) {
      ResourceAggregate quota = staged.quotas().getOrDefault(role, ResourceAggregate.ZERO);
      sets.add(quotas.set(role, quota, user).toCompletableFuture());
    }
    return CompletableFuture.allOf(sets.toArray(CompletableFuture[]::new));
  }

  private CompletionStage<Void> restoreMaintenance(Backup staged, String user) {
    return maintenance
        .status()
        .thenCompose(
            current -> {
              List<String> end = new ArrayList<>();
              for (MaintenanceEntity.HostStatus h : current.items()) {
                if (!staged.maintenance().containsKey(h.host())) {
                  end.add(h.host());
                }
              }
              List<String> scheduled = new ArrayList<>();
              List<String> draining = new ArrayList<>();
              staged
                  .maintenance()
                  .forEach(
                      (host, mode) -> {
                        if (mode == MaintenanceMode.SCHEDULED) {
                          scheduled.add(host);
                        } else if (mode != MaintenanceMode.NONE) {
                          // A drained host is drained again: its tasks (if any came back) leave.
                          draining.add(host);
                        }
                      });
              CompletionStage<?> done = CompletableFuture.completedFuture(null);
              if (!end.isEmpty()) {
                done = done.thenCompose(x -> maintenance.end(end, user));
              }
              if (!scheduled.isEmpty()) {
                done = done.thenCompose(x -> maintenance.start(scheduled, user));
              }
              if (!draining.isEmpty()) {
                done = done.thenCompose(x -> maintenance.drain(draining, user));
              }
              return done.thenApply(x -> (Void) null);
            });
  }

  /** Jobs in the order of their keys' text, as the view lists them. */
  private enum JobKeyOrder implements java.util.Comparator<JobKey> {
    INSTANCE;

    @Override
    public int compare(JobKey a, JobKey b) {
      return a.toString().compareTo(b.toString());
    }
  }
}
