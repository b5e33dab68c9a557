package io.borealis.maintenance;

import com.typesafe.config.Config;
import io.borealis.common.SnapshotPolicy;
import java.time.Duration;

/**
 * How maintenance runs ({@code borealis.maintenance}); the SLA check shares its knobs with
 * SLA-aware updates ({@code borealis.update}), as Aurora's flags are shared.
 *
 * @param pollInterval how often DRAINING hosts are drained as their SLA allows
 * @param drainedCheckInterval how often hosts are checked for emptiness and forced drains
 * @param snapshots when the maintenance entity saves snapshots ({@code
 *     borealis.snapshots.maintenance})
 */
public record MaintenanceSettings(
    Duration pollInterval,
    Duration drainedCheckInterval,
    DrainPlanner.Settings sla,
    SnapshotPolicy snapshots) {

  public MaintenanceSettings {
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("borealis.maintenance.poll-interval must be > 0");
    }
    if (drainedCheckInterval.isNegative() || drainedCheckInterval.isZero()) {
      throw new IllegalArgumentException("borealis.maintenance.drained-check-interval must be > 0");
    }
  }

  public static MaintenanceSettings from(Config config) {
    return new MaintenanceSettings(
        config.getDuration("borealis.maintenance.poll-interval"),
        config.getDuration("borealis.maintenance.drained-check-interval"),
        new DrainPlanner.Settings(
            config.getInt("borealis.update.min-required-instances-for-sla"),
            config.getBoolean("borealis.update.sla-aware-kill-non-production")),
        SnapshotPolicy.from(config, "maintenance"));
  }
}
