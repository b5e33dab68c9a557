package io.borealis.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * Asks many entities the same question at once and gathers every answer, failures included, so a
 * coordinator (the job) can pipe one summary to itself instead of blocking on each.
 */
public final class FanOut {

  /** The answer of one target: a value, or why there is none. */
  public record Outcome<K, R>(K target, R value, Throwable error) {
    public boolean ok() {
      return error == null;
    }
  }

  private FanOut() {}

  public static <K, Q, R> CompletionStage<List<Outcome<K, R>>> ask(
      List<K> targets,
      Function<K, RecipientRef<Q>> refs,
      Function<ActorRef<R>, Q> question,
      Duration timeout,
      Scheduler scheduler,
      Executor executor) {
    return gather(
        targets, k -> AskPattern.ask(refs.apply(k), question::apply, timeout, scheduler), executor);
  }

  public static <K, Q, R> CompletionStage<List<Outcome<K, R>>> askWithStatus(
      List<K> targets,
      Function<K, RecipientRef<Q>> refs,
      Function<ActorRef<StatusReply<R>>, Q> question,
      Duration timeout,
      Scheduler scheduler,
      Executor executor) {
    return gather(
        targets,
        k -> AskPattern.askWithStatus(refs.apply(k), question::apply, timeout, scheduler),
        executor);
  }

  private static <K, R> CompletionStage<List<Outcome<K, R>>> gather(
      List<K> targets, Function<K, CompletionStage<R>> ask, Executor executor) {
    List<CompletableFuture<Outcome<K, R>>> futures = new ArrayList<>(targets.size());
    for (K k : targets) {
      futures.add(
          ask.apply(k)
              // With an explicit executor: see Stages.
              .handleAsync((value, error) -> new Outcome<>(k, value, unwrap(error)), executor)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
  }

  private static Throwable unwrap(Throwable error) {
    while (error instanceof java.util.concurrent.CompletionException && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }
}
