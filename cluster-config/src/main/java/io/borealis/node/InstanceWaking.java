package io.borealis.node;

import io.borealis.model.InstanceKey;
import io.borealis.task.TaskInstanceEntity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the live instances after a restart. Instances are not remembered by sharding (that cost a
 * journal write per new instance, and a restart recovered every instance at once, ahead of the read
 * side that gates serving); instead, once the view has caught up, the node asks each instance whose
 * latest task is active to describe itself, a bounded number at a time. Recovering, an instance
 * arms its timers, registers a PENDING task with placement and asks the backend about a task it had
 * launched. Until then, a message for an instance (a status update, a kill) starts it as usual.
 */
final class InstanceWaking {

  private static final Logger LOG = LoggerFactory.getLogger(InstanceWaking.class);

  private InstanceWaking() {}

  static CompletionStage<Done> start(
      ActorSystem<?> system,
      List<InstanceKey> live,
      Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
      int parallelism,
      Duration timeout) {
    if (live.isEmpty()) {
      return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
    }
    long started = System.nanoTime();
    AtomicInteger failed = new AtomicInteger();
    LOG.info("Waking {} live instances, {} at a time", live.size(), parallelism);
    return Source.from(live)
        .mapAsyncUnordered(
            parallelism,
            key ->
                AskPattern.<TaskInstanceEntity.Command, TaskInstanceEntity.InstanceSummary>ask(
                        instances.apply(key),
                        TaskInstanceEntity.Describe::new,
                        timeout,
                        system.scheduler())
                    .handle(
                        (summary, error) -> {
                          if (error != null) {
                            failed.incrementAndGet();
                          }
                          return Done.getInstance();
                        }))
        .runWith(Sink.ignore(), system)
        .whenComplete(
            (done, error) -> {
              long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
              if (error != null) {
                // The node stopped meanwhile; what was not woken starts with its next message.
                LOG.info("Stopped waking instances after {} ms: {}", ms, error.getMessage());
              } else if (failed.get() > 0) {
                // Each of those starts with its next message (a status, a reconciliation).
                LOG.warn(
                    "Woke the live instances in {} ms; {} did not answer within {} s",
                    ms,
                    failed.get(),
                    timeout.toSeconds());
              } else {
                LOG.info("Woke {} live instances in {} ms", live.size(), ms);
              }
            });
  }
}
