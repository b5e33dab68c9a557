package io.borealis.task;

import com.typesafe.config.Config;
import io.borealis.common.SnapshotPolicy;
import java.time.Duration;

/**
 * Timings and limits of task handling (aurora-semantics §2.5, §2.6), read from {@code
 * borealis.task} in {@code reference.conf}.
 */
public record TaskSettings(
    Duration transientStateTimeout,
    Duration initialKillRetryInterval,
    Duration flappingThreshold,
    Duration initialFlappingPenalty,
    Duration maxFlappingPenalty,
    int historyPerInstance,
    Duration pendingRefreshInterval,
    Duration idlePassivation,
    SnapshotPolicy snapshots) {

  public static TaskSettings from(Config config) {
    Config c = config.getConfig("borealis.task");
    return new TaskSettings(
        c.getDuration("transient-state-timeout"),
        c.getDuration("initial-kill-retry-interval"),
        c.getDuration("flapping-threshold"),
        c.getDuration("initial-flapping-penalty"),
        c.getDuration("max-flapping-penalty"),
        c.getInt("history-per-instance"),
        c.getDuration("pending-refresh-interval"),
        c.getDuration("idle-passivation"),
        SnapshotPolicy.from(config, "task-instance"));
  }

  /** Aurora's defaults. */
  public static final TaskSettings DEFAULT =
      new TaskSettings(
          Duration.ofMinutes(5),
          Duration.ofSeconds(15),
          Duration.ofMinutes(5),
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          1000,
          Duration.ofSeconds(30),
          Duration.ofMinutes(2),
          SnapshotPolicy.every(100));
}
