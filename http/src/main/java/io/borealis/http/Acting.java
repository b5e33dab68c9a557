package io.borealis.http;

import io.borealis.job.JobEntity;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.quota.QuotaService;
import io.borealis.quota.ResourceAggregate;
import io.borealis.update.JobUpdateEntity;
import io.borealis.update.OperatorAction;
import io.borealis.update.PulseStatus;
import io.borealis.update.UpdateKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The write side on behalf of the user the edge authenticated ({@link ApiDirectives#acting}): every
 * command a route hands on carries that user, so task messages ({@code Killed by <user>}) and
 * update events name who asked, and no route can name someone else.
 */
final class Acting {

  private final ApiContext ctx;
  private final String user;

  Acting(ApiContext ctx, String user) {
    this.ctx = ctx;
    this.user = user;
  }

  Jobs jobs() {
    return new Jobs();
  }

  Updates updates() {
    return new Updates();
  }

  Quotas quotas(QuotaService quotas) {
    return new Quotas(quotas);
  }

  /** Jobs, as {@link io.borealis.job.JobService} without the user argument. */
  final class Jobs {
    CompletionStage<JobEntity.Created> create(JobConfiguration config) {
      return ctx.jobs().create(config, user);
    }

    CompletionStage<JobEntity.Killed> kill(
        JobKey key, Optional<List<Integer>> instances, Optional<String> message) {
      return ctx.jobs().kill(key, instances, user, message);
    }

    CompletionStage<JobEntity.Restarted> restart(JobKey key, Optional<List<Integer>> instances) {
      return ctx.jobs().restart(key, instances, user);
    }

    CompletionStage<JobEntity.Added> addInstances(JobKey key, int templateInstance, int count) {
      return ctx.jobs().addInstances(key, templateInstance, count, user);
    }
  }

  /** Job updates, as {@link io.borealis.update.UpdateService} without the user argument. */
  final class Updates {
    CompletionStage<JobUpdateEntity.Started> start(
        JobKey job,
        JobConfiguration proposed,
        Set<Integer> scope,
        Optional<String> id,
        Map<String, String> metadata,
        Optional<String> message) {
      return ctx.updates().start(job, proposed, scope, id, user, metadata, message);
    }

    CompletionStage<JobUpdateEntity.Acted> act(
        UpdateKey key, OperatorAction action, Optional<String> message) {
      return ctx.updates().act(key, action, user, message);
    }

    CompletionStage<PulseStatus> pulse(UpdateKey key) {
      return ctx.updates().pulse(key, user);
    }
  }

  /** Quota, as {@link QuotaService} without the user argument. */
  final class Quotas {
    private final QuotaService quotas;

    private Quotas(QuotaService quotas) {
      this.quotas = quotas;
    }

    CompletionStage<QuotaService.QuotaInfo> set(String role, ResourceAggregate quota) {
      return quotas.set(role, quota, user);
    }
  }
}
