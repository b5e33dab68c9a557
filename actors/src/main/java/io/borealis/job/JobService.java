package io.borealis.job;

import io.borealis.common.Stages;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.placement.PlacementEngine;
import io.borealis.quota.QuotaService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The write side as the edge sees it: one method per job command, each answering once the job
 * entity (wherever it lives) has persisted the change. Refusals fail the stage with a {@link
 * io.borealis.common.Rejection}.
 */
public final class JobService {

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Executor executor;
  private final ActorSystem<?> system;
  private final Optional<QuotaService> quotas;
  private final Optional<ActorRef<PlacementEngine.Command>> placement;

  /** Without quota checks nor placement (tests of the other commands). */
  public JobService(ActorSystem<?> system, Duration timeout) {
    this(system, timeout, Optional.empty(), Optional.empty());
  }

  /**
   * Jobs whose creates and adds are checked against {@code quotas}, whose pending reasons are asked
   * of {@code placement}; either may be empty (no checks; no reasons).
   */
  public JobService(
      ActorSystem<?> system,
      Duration timeout,
      Optional<QuotaService> quotas,
      Optional<ActorRef<PlacementEngine.Command>> placement) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
    this.executor = system.executionContext();
    this.system = system;
    this.quotas = quotas;
    this.placement = placement;
  }

  /**
   * Why each PENDING task of the job that placement knows of waits, by instance; fails when
   * placement does not answer {@code within} (it may be moving to another node).
   */
  public CompletionStage<List<PlacementEngine.PendingReason>> pendingReasons(
      JobKey key, Duration within) {
    if (placement.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    return Stages.on(
        AskPattern.<PlacementEngine.Command, PlacementEngine.PendingReasons>ask(
                placement.get(),
                r -> new PlacementEngine.GetPendingReasons(key, r),
                within,
                system.scheduler())
            .thenApply(PlacementEngine.PendingReasons::items),
        executor);
  }

  public CompletionStage<JobEntity.Created> create(JobConfiguration config, String user) {
    // The quota is checked against the read side: see QuotaService for the race this leaves.
    return quotas
        .map(q -> q.checkCreate(config))
        .orElse(CompletableFuture.completedFuture(Done.getInstance()))
        .thenCompose(
            allowed ->
                Stages.on(
                    job(config.key())
                        .askWithStatus(r -> new JobEntity.Create(config, user, r), timeout),
                    executor));
  }

  public CompletionStage<JobEntity.Killed> kill(
      JobKey key, Optional<List<Integer>> instances, String user, Optional<String> message) {
    return Stages.on(
        job(key).askWithStatus(r -> new JobEntity.Kill(instances, user, message, r), timeout),
        executor);
  }

  public CompletionStage<JobEntity.Restarted> restart(
      JobKey key, Optional<List<Integer>> instances, String user) {
    return Stages.on(
        job(key).askWithStatus(r -> new JobEntity.Restart(instances, user, r), timeout), executor);
  }

  public CompletionStage<JobEntity.Added> addInstances(
      JobKey key, int templateInstance, int count, String user) {
    return quotas
        .map(q -> q.checkAdd(key, templateInstance, count))
        .orElse(CompletableFuture.completedFuture(Done.getInstance()))
        .thenCompose(
            allowed ->
                Stages.on(
                    job(key)
                        .askWithStatus(
                            r -> new JobEntity.AddInstances(templateInstance, count, user, r),
                            timeout),
                    executor));
  }

  private EntityRef<JobEntity.Command> job(JobKey key) {
    return sharding.entityRefFor(JobEntity.ENTITY_KEY, key.toString());
  }
}
