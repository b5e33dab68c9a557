package io.borealis.quota;

import io.borealis.common.Rejection;
import io.borealis.common.Stages;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * Production quota as the edge and the write side see it (aurora-semantics §3.5): read and set a
 * role's quota, and the checks that creating a job, adding instances and starting an update pass
 * before the job or update entity is asked. The quota comes from the role's {@link QuotaEntity};
 * what the role consumes comes from the read side ({@link RoleUsage.Source}).
 *
 * <p>Known limit: the consumption is the read side's, which sees a change only once it is
 * persisted. Two creates (or a create and an update) for the same role that arrive together may
 * both pass and together exceed the quota; the next request after them sees both. Aurora checks
 * under its storage lock; Borealis's jobs live in separate entities, so no one lock covers a role.
 */
public final class QuotaService {

  /** A role's quota and what it consumes, per category; {@code consumption.prodShared()} counts. */
  public record QuotaInfo(String role, ResourceAggregate quota, Consumption consumption) {}

  private final Function<String, RecipientRef<QuotaEntity.Command>> quotas;
  private final RoleUsage.Source usage;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final Executor executor;

  public QuotaService(ActorSystem<?> system, Duration timeout, RoleUsage.Source usage) {
    this(QuotaEntity.refs(system), usage, timeout, system.scheduler(), system.executionContext());
  }

  public QuotaService(
      Function<String, RecipientRef<QuotaEntity.Command>> quotas,
      RoleUsage.Source usage,
      Duration timeout,
      Scheduler scheduler,
      Executor executor) {
    this.quotas = quotas;
    this.usage = usage;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.executor = executor;
  }

  /** The role's quota (zeros if none was set) and its consumption now. */
  public CompletionStage<QuotaInfo> get(String role) {
    return quota(role)
        .thenApplyAsync(q -> new QuotaInfo(role, q, Consumption.of(usage.of(role))), executor);
  }

  /**
   * Overwrites the role's quota. Refused with {@link Rejection.Invalid} when a field is negative,
   * and with {@link Rejection.Conflict} (409: the request is well formed, the role's tasks are in
   * its way; it may pass once they stop) when the new quota is below what the role's production,
   * non-dedicated tasks consume in any resource.
   */
  public CompletionStage<QuotaInfo> set(String role, ResourceAggregate quota, String user) {
    return CompletableFuture.supplyAsync(() -> Consumption.of(usage.of(role)), executor)
        .thenCompose(
            consumption -> {
              if (QuotaRules.invalid(quota).isEmpty()) {
                Optional<String> below =
                    QuotaRules.belowConsumption(role, quota, consumption.prodShared());
                if (below.isPresent()) {
                  return CompletableFuture.failedFuture(new Rejection.Conflict(below.get()));
                }
              }
              // Negative fields are the entity's to refuse.
              return Stages.on(
                      AskPattern.askWithStatus(
                          quotas.apply(role),
                          (ActorRef<StatusReply<ResourceAggregate>> r) ->
                              new QuotaEntity.SetQuota(quota, user, r),
                          timeout,
                          scheduler),
                      executor)
                  .thenApply(q -> new QuotaInfo(role, q, consumption));
            });
  }

  /**
   * Passes when creating {@code config} fits its role's quota: {@code consumption + task ×
   * instances <= quota}, checked for production, non-dedicated tasks only. A job that still has
   * active tasks is left to its entity to refuse ("already exists").
   */
  public CompletionStage<Done> checkCreate(JobConfiguration config) {
    if (!QuotaCategory.counted(config.task())) {
      return done();
    }
    return check(
        config.key().role(),
        u ->
            u.activeConfigs(config.key()).isEmpty()
                ? Optional.of(
                    ResourceAggregate.of(config.task().resources()).times(config.instances()))
                : Optional.empty());
  }

  /**
   * Passes when adding {@code count} instances like {@code templateInstance} fits the role's quota.
   * A missing template, or a job being updated, is left to the job entity to refuse.
   */
  public CompletionStage<Done> checkAdd(JobKey job, int templateInstance, int count) {
    return check(
        job.role(),
        u ->
            u.updating(job)
                ? Optional.empty()
                : u.activeConfig(job, templateInstance)
                    .filter(QuotaCategory::counted)
                    .map(c -> ResourceAggregate.of(c.resources()).times(count)));
  }

  /**
   * Passes when the role's consumption, as if the update that {@code asUpdate} makes from the job's
   * active configurations were active, fits its quota. Checked when the proposed task is production
   * and non-dedicated (otherwise the update can only lower what counts). A job that already has an
   * active update is left to the update entity (a conflict, or the same request again).
   */
  public CompletionStage<Done> checkUpdate(
      JobKey job,
      TaskConfig proposed,
      Function<Map<Integer, TaskConfig>, Optional<RoleUsage.ActiveUpdate>> asUpdate) {
    if (!QuotaCategory.counted(proposed)) {
      return done();
    }
    return CompletableFuture.supplyAsync(() -> usage.of(job.role()), executor)
        .thenCompose(
            u -> {
              if (u.updating(job)) {
                return done();
              }
              Optional<RoleUsage.ActiveUpdate> update = asUpdate.apply(u.activeConfigs(job));
              if (update.isEmpty()) {
                return done();
              }
              ResourceAggregate now = Consumption.of(u).prodShared();
              ResourceAggregate after = Consumption.of(u.withUpdate(update.get())).prodShared();
              return verdict(job.role(), now, after);
            });
  }

  /** Checks {@code consumption + added(usage) <= quota}; nothing to add passes at once. */
  private CompletionStage<Done> check(
      String role, Function<RoleUsage, Optional<ResourceAggregate>> added) {
    return CompletableFuture.supplyAsync(() -> usage.of(role), executor)
        .thenCompose(
            u -> {
              Optional<ResourceAggregate> more = added.apply(u);
              if (more.isEmpty()) {
                return done();
              }
              ResourceAggregate now = Consumption.of(u).prodShared();
              return verdict(role, now, now.plus(more.get()));
            });
  }

  private CompletionStage<Done> verdict(
      String role, ResourceAggregate now, ResourceAggregate after) {
    return quota(role)
        .thenCompose(
            quota ->
                QuotaRules.insufficient(quota, now, after)
                    .<CompletionStage<Done>>map(
                        refusal ->
                            CompletableFuture.failedFuture(
                                new Rejection.Invalid(refusal + whatToDo(role))))
                    .orElseGet(QuotaService::done));
  }

  /** What the user may do about a refusal, after Aurora's words. */
  static String whatToDo(String role) {
    return ". Production jobs (tier preferred) count against their role's quota: an operator"
        + " raises it with `borealis quota set CLUSTER/"
        + role
        + "`; a job in tier preemptible needs none";
  }

  private CompletionStage<ResourceAggregate> quota(String role) {
    return Stages.on(
        AskPattern.ask(quotas.apply(role), QuotaEntity.GetQuota::new, timeout, scheduler),
        executor);
  }

  private static CompletionStage<Done> done() {
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
