package io.borealis.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Re-homes completion stages made from Scala futures (every Pekko ask). Those stages run each
 * dependent step asynchronously on the JDK's common pool, which on a two-core machine is a new
 * thread per step; the stage returned here runs its dependents on the given executor instead.
 */
public final class Stages {

  private Stages() {}

  public static <T> CompletableFuture<T> on(CompletionStage<T> stage, Executor executor) {
    CompletableFuture<T> result = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (value, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
          } else {
            result.complete(value);
          }
        },
        executor);
    return result;
  }
}
