package io.borealis.http;

import io.borealis.backend.FleetControl;
import io.borealis.host.Reconciler;
import io.borealis.job.JobEntity;
import io.borealis.maintenance.MaintenanceEntity.HostStatuses;
import io.borealis.maintenance.MaintenanceService;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.SlaPolicy;
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
 * command a route hands on carries that user, so task messages ({@code Killed by <user>}, {@code
 * Draining machine for maintenance. Host drained by <user>.}), update events, drain requests, quota
 * changes, reconciliation runs and the simulated fleet's reports name who asked, and no route can
 * name someone else.
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

  Maintenance maintenance(MaintenanceService maintenance) {
    return new Maintenance(maintenance);
  }

  Fleet fleet(FleetControl fleet) {
    return new Fleet(fleet);
  }

  /** Starts a reconciliation run on the cluster's reconciler, which logs who asked for it. */
  void reconcile(Reconciler.Kind kind, Optional<Integer> batchSize) {
    ctx.reconciliation().accept(new Reconciler.Trigger(kind, batchSize, user));
  }

  /**
   * Commits the staged recovery: the kills, creates and quota and maintenance changes it makes name
   * the caller.
   */
  CompletionStage<io.borealis.persistence.Backup.Summary> commitRecovery(
      io.borealis.persistence.StagedRecovery recovery) {
    return recovery.commit(user);
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

  /** Host maintenance, as {@link MaintenanceService} without the user argument. */
  final class Maintenance {
    private final MaintenanceService maintenance;

    private Maintenance(MaintenanceService maintenance) {
      this.maintenance = maintenance;
    }

    CompletionStage<HostStatuses> start(List<String> hosts) {
      return maintenance.start(hosts, user);
    }

    CompletionStage<HostStatuses> drain(List<String> hosts) {
      return maintenance.drain(hosts, user);
    }

    CompletionStage<HostStatuses> slaDrain(
        List<String> hosts, SlaPolicy defaultPolicy, long timeoutSecs) {
      return maintenance.slaDrain(hosts, defaultPolicy, timeoutSecs, user);
    }

    CompletionStage<HostStatuses> end(List<String> hosts) {
      return maintenance.end(hosts, user);
    }
  }

  /** The simulated fleet's changes that reach tasks, as {@link FleetControl} without the user. */
  final class Fleet {
    private final FleetControl fleet;

    private Fleet(FleetControl fleet) {
      this.fleet = fleet;
    }

    CompletionStage<Boolean> loseAgent(String agentId) {
      return fleet.loseAgent(agentId, user);
    }

    CompletionStage<Boolean> reportStatus(
        String taskId, ScheduleStatus status, Optional<String> message) {
      return fleet.reportStatus(taskId, status, message, user);
    }
  }
}
