package io.borealis.model;

import java.util.Optional;

/**
 * A job's {@code update_config}: how a rollout proceeds, with Aurora's client defaults. The
 * strategy is always set: when a file gives none it is backfilled from {@code batch_size} and
 * {@code wait_for_batch_completion}, as Aurora's scheduler did.
 */
public record UpdateSettings(
    int batchSize,
    int watchSecs,
    int maxPerShardFailures,
    int maxTotalFailures,
    boolean rollbackOnFailure,
    boolean waitForBatchCompletion,
    Optional<Long> pulseIntervalSecs,
    boolean slaAware,
    Optional<Long> progressDeadlineSecs,
    UpdateStrategy strategy) {

  public static final UpdateSettings DEFAULT =
      new UpdateSettings(
          1,
          45,
          0,
          0,
          true,
          false,
          Optional.empty(),
          false,
          Optional.empty(),
          new UpdateStrategy.Queue(1));
}
