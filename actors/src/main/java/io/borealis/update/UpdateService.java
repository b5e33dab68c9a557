package io.borealis.update;

import io.borealis.common.Stages;
import io.borealis.job.JobDiff;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.quota.QuotaService;
import io.borealis.quota.RoleUsage;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Job updates as the edge sees them: one method per command, each answering once the update entity
 * has persisted the change. Refusals fail the stage with a {@link io.borealis.common.Rejection}
 * (400 invalid, 404 unknown, 409 conflict: another update is active, or the id is taken). A start
 * passes the role's production quota first, counted as if the update were active ({@link
 * QuotaService}).
 */
public final class UpdateService {

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Executor executor;
  private final Optional<QuotaService> quotas;

  /** Updates without quota checks (tests of other parts). */
  public UpdateService(ActorSystem<?> system, Duration timeout) {
    this(system, timeout, Optional.empty());
  }

  public UpdateService(ActorSystem<?> system, Duration timeout, Optional<QuotaService> quotas) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
    this.executor = system.executionContext();
    this.quotas = quotas;
  }

  /**
   * Starts an update of {@code job} to {@code proposed} (its task, instance count and
   * update_config), limited to {@code scope} when not empty. Without {@code id} one is generated;
   * repeating a start with the same id and request answers the same update.
   */
  public CompletionStage<JobUpdateEntity.Started> start(
      JobKey job,
      JobConfiguration proposed,
      Set<Integer> scope,
      Optional<String> id,
      String user,
      Map<String, String> metadata,
      Optional<String> message) {
    UpdateKey key = new UpdateKey(job, id.orElseGet(() -> UUID.randomUUID().toString()));
    return quotaCheck(job, proposed, scope)
        .thenCompose(
            allowed ->
                Stages.on(
                    update(key)
                        .askWithStatus(
                            r ->
                                new JobUpdateEntity.Start(
                                    proposed,
                                    Set.copyOf(scope),
                                    user,
                                    Map.copyOf(metadata),
                                    message,
                                    r),
                            timeout),
                    executor));
  }

  /**
   * The role's quota, counted as if this update were active: its instructions are made from the
   * job's active tasks as the read side shows them, as the entity will make them from the
   * instances. A request the entity refuses anyway (another job's file, a cron or non-service job)
   * is left to it, so its refusal is the one the caller sees. The read side is the source: see
   * QuotaService for the race this leaves.
   */
  private CompletionStage<Done> quotaCheck(
      JobKey job, JobConfiguration proposed, Set<Integer> scope) {
    if (quotas.isEmpty()
        || !proposed.key().equals(job)
        || proposed.cronSchedule().isPresent()
        || !proposed.task().service()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return quotas
        .get()
        .checkUpdate(
            job,
            proposed.task(),
            active -> {
              UpdateInstructions i = UpdateInstructions.of(active, proposed, scope);
              return i.isNoOp() ? Optional.empty() : Optional.of(asActive(job, i));
            });
  }

  /** The quota's picture of an update: what it replaces and what it brings. */
  public static RoleUsage.ActiveUpdate asActive(JobKey job, UpdateInstructions i) {
    return new RoleUsage.ActiveUpdate(
        job,
        i.initialState().stream().map(UpdateService::group).toList(),
        i.desiredState().map(UpdateService::group).stream().toList());
  }

  private static RoleUsage.Group group(JobDiff.Group g) {
    return new RoleUsage.Group(g.config(), g.instances());
  }

  /** Pause, resume, abort or roll back (a finished update rolls back as a new, linked update). */
  public CompletionStage<JobUpdateEntity.Acted> act(
      UpdateKey key, OperatorAction action, String user, Optional<String> message) {
    return Stages.on(
        update(key).askWithStatus(r -> new JobUpdateEntity.Act(action, user, message, r), timeout),
        executor);
  }

  /** Pulses a coordinated update: OK when it took the pulse, FINISHED when it is not active. */
  public CompletionStage<PulseStatus> pulse(UpdateKey key, String user) {
    return Stages.on(update(key).ask(r -> new JobUpdateEntity.PulseIt(user, r), timeout), executor);
  }

  private EntityRef<JobUpdateEntity.Command> update(UpdateKey key) {
    return sharding.entityRefFor(JobUpdateEntity.ENTITY_KEY, key.toString());
  }
}
