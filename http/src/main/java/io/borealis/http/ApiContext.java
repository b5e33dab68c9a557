package io.borealis.http;

import io.borealis.backend.FleetControl;
import io.borealis.host.Reconciler;
import io.borealis.job.JobService;
import io.borealis.maintenance.MaintenanceService;
import io.borealis.model.ValidationSettings;
import io.borealis.persistence.Backups;
import io.borealis.persistence.QueryService;
import io.borealis.persistence.StagedRecovery;
import io.borealis.quota.QuotaService;
import io.borealis.update.UpdateService;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What the routes work with: the write side (jobs and job updates), the read side and the node's
 * settings. {@code sandboxes} is the folder holding one sandbox per task ({@code
 * <sandboxes>/<task_id>/}) on this node's machine, empty when the node's backend keeps none (the
 * simulated one). {@code quotas} is empty on contexts of tests that have no quota (its routes then
 * answer 503). {@code maintenance} is absent (null) in tests of other routes. {@code
 * reconciliation} starts a reconciliation run on the cluster's reconciler (the admin trigger).
 */
public record ApiContext(
    JobService jobs,
    UpdateService updates,
    QueryService view,
    Optional<FleetControl> fleet,
    Optional<Path> sandboxes,
    ValidationSettings validation,
    HttpSettings settings,
    ScheduledExecutorService timer,
    BooleanSupplier ready,
    Admission admission,
    Optional<QuotaService> quotas,
    MaintenanceService maintenance,
    Consumer<Reconciler.Trigger> reconciliation,
    Optional<BackupAdmin> backups) {

  /** Backups and the staged restore (absent on contexts of tests of other routes: 503). */
  public record BackupAdmin(Backups backups, StagedRecovery recovery) {}

  /** A context whose writes are admitted up to the settings' limit of instance changes. */
  public ApiContext(
      JobService jobs,
      UpdateService updates,
      QueryService view,
      Optional<FleetControl> fleet,
      Optional<Path> sandboxes,
      ValidationSettings validation,
      HttpSettings settings,
      ScheduledExecutorService timer,
      BooleanSupplier ready) {
    this(
        jobs,
        updates,
        view,
        fleet,
        sandboxes,
        validation,
        settings,
        timer,
        ready,
        new Admission(settings.maxInstanceChangesInFlight()),
        Optional.empty(),
        null,
        trigger -> {},
        Optional.empty());
  }

  /** A context without job updates (tests of the other routes). */
  public ApiContext(
      JobService jobs,
      QueryService view,
      Optional<FleetControl> fleet,
      Optional<Path> sandboxes,
      ValidationSettings validation,
      HttpSettings settings,
      ScheduledExecutorService timer,
      BooleanSupplier ready) {
    this(jobs, null, view, fleet, sandboxes, validation, settings, timer, ready);
  }

  /** This context with production quota (its routes, and the checks of the services). */
  public ApiContext withQuotas(QuotaService quotas) {
    return new ApiContext(
        jobs,
        updates,
        view,
        fleet,
        sandboxes,
        validation,
        settings,
        timer,
        ready,
        admission,
        Optional.of(quotas),
        maintenance,
        reconciliation,
        backups);
  }

  /** This context with host maintenance served by {@code maintenance}. */
  public ApiContext withMaintenance(MaintenanceService maintenance) {
    return new ApiContext(
        jobs,
        updates,
        view,
        fleet,
        sandboxes,
        validation,
        settings,
        timer,
        ready,
        admission,
        quotas,
        maintenance,
        reconciliation,
        backups);
  }

  /** This context, its admin trigger starting runs with {@code reconciliation}. */
  public ApiContext withReconciliation(Consumer<Reconciler.Trigger> reconciliation) {
    return new ApiContext(
        jobs,
        updates,
        view,
        fleet,
        sandboxes,
        validation,
        settings,
        timer,
        ready,
        admission,
        quotas,
        maintenance,
        reconciliation,
        backups);
  }

  /** This context with backups and the staged restore. */
  public ApiContext withBackups(BackupAdmin backups) {
    return new ApiContext(
        jobs,
        updates,
        view,
        fleet,
        sandboxes,
        validation,
        settings,
        timer,
        ready,
        admission,
        quotas,
        maintenance,
        reconciliation,
        Optional.of(backups));
  }
}
