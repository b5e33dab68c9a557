package io.borealis.job;

import io.borealis.model.JobKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How a job learns whether the update holding it is still active. A job is locked when an update
 * starts and unlocked when it ends; an update that failed before its first event never ends, so a
 * job asks before it refuses a change for an update's sake, and lets go of a lock nobody holds.
 */
@FunctionalInterface
public interface UpdateProbe {

  /** Completes with whether update {@code updateId} of {@code job} exists and is active. */
  CompletionStage<Boolean> isActive(JobKey job, String updateId);

  /** No updates exist (tests of a job alone). */
  UpdateProbe NONE = (job, updateId) -> CompletableFuture.completedFuture(false);
}
