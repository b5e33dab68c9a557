package io.borealis.host;

import io.borealis.backend.OfferEvent;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.StatusUpdate;
import io.borealis.backend.TaskLocator;
import io.borealis.common.Metrics;
import io.borealis.model.InstanceKey;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.TaskInstanceEntity;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Hosts the resource backend (a cluster singleton: one framework registration per cluster). It runs
 * the backend as a supervised child, passes commands through to it, forwards offers to placement,
 * and routes each status update to the instance that owns the task, acknowledging it to the backend
 * only once the instance has persisted it. A status for a task nobody owns gets the task killed
 * (reconciliation, aurora-semantics §2.3).
 */
public final class BackendHost {

  /** Asks whether the backend answers, and where it runs; replied with {@link Pong}. */
  public record Ping(ActorRef<Pong> replyTo) implements ResourceBackend.Command {}

  /** The backend's kind and the address of the node that hosts it. */
  public record Pong(String kind, String address) implements io.borealis.CborSerializable {}

  private record WrappedOffer(OfferEvent event) implements ResourceBackend.Command {}

  private record WrappedStatus(StatusUpdate update) implements ResourceBackend.Command {}

  private record Applied(StatusUpdate update, boolean persisted)
      implements ResourceBackend.Command {}

  /**
   * Statuses being persisted by their instances, and those waiting for room, by update id (a
   * backend re-sends what it has not had acknowledged; a re-sent one replaces its waiting copy).
   * Bounding the statuses in flight bounds the journal's queue, however many statuses a burst of
   * launches produces.
   */
  private static final class Flow {
    final int maxInFlight;
    final LinkedHashMap<String, StatusUpdate> waiting = new LinkedHashMap<>();
    int inFlight;

    Flow(int maxInFlight) {
      this.maxInFlight = maxInFlight;
    }
  }

  /** Statuses received from the backend (Aurora's {@code scheduler_status_update}). */
  public static final String STATUS_UPDATES = "scheduler_status_update";

  /** Statuses waiting for one of the in-flight slots ({@code status_updates_queue_size}). */
  public static final String STATUS_QUEUE = "status_updates_queue_size";

  private BackendHost() {}

  public static Behavior<ResourceBackend.Command> create(
      ResourceBackend.Factory factory,
      ActorRef<PlacementEngine.Command> placement,
      Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
      TaskLocator locator,
      Duration askTimeout,
      int maxStatusesInFlight) {
    Flow flow = new Flow(Math.max(1, maxStatusesInFlight));
    return Behaviors.setup(
        context -> {
          ActorRef<OfferEvent> offers = context.messageAdapter(OfferEvent.class, WrappedOffer::new);
          ActorRef<StatusUpdate> statuses =
              context.messageAdapter(StatusUpdate.class, WrappedStatus::new);
          ActorRef<ResourceBackend.Command> backend =
              context.spawn(
                  Behaviors.supervise(
                          factory.create(new ResourceBackend.Listeners(offers, statuses)))
                      .onFailure(io.borealis.common.Supervision.SERVICE),
                  "backend-" + factory.name());
          BackendPresence presence = BackendPresence.of(context.getSystem());
          presence.started(factory.name());
          // Aurora's status path: every status the backend reports, and how many wait their turn.
          Metrics metrics = Metrics.of(context.getSystem());
          Metrics.Counter statusUpdates = metrics.counter(STATUS_UPDATES);
          metrics.gauge(STATUS_QUEUE, () -> flow.waiting.size());
          String address = context.getSystem().address().toString();
          return Behaviors.receive(ResourceBackend.Command.class)
              .onMessage(
                  Ping.class,
                  m -> {
                    m.replyTo().tell(new Pong(factory.name(), address));
                    return Behaviors.same();
                  })
              .onMessage(
                  WrappedOffer.class,
                  m -> {
                    placement.tell(new PlacementEngine.FromBackend(m.event()));
                    return Behaviors.same();
                  })
              .onMessage(
                  WrappedStatus.class,
                  m -> {
                    statusUpdates.increment();
                    if (flow.inFlight < flow.maxInFlight) {
                      flow.inFlight +=
                          route(context, m.update(), backend, instances, locator, askTimeout);
                    } else {
                      flow.waiting.put(m.update().updateId(), m.update());
                    }
                    return Behaviors.same();
                  })
              .onMessage(
                  Applied.class,
                  m -> {
                    flow.inFlight--;
                    while (flow.inFlight < flow.maxInFlight && !flow.waiting.isEmpty()) {
                      var next = flow.waiting.entrySet().iterator();
                      StatusUpdate update = next.next().getValue();
                      next.remove();
                      flow.inFlight +=
                          route(context, update, backend, instances, locator, askTimeout);
                    }
                    if (m.persisted()) {
                      backend.tell(
                          new ResourceBackend.Acknowledge(
                              m.update().taskId(), m.update().updateId()));
                    }
                    return Behaviors.same();
                  })
              .onMessage(
                  ResourceBackend.Command.class,
                  m -> {
                    backend.tell(m);
                    return Behaviors.same();
                  })
              .onSignal(
                  PostStop.class,
                  s -> {
                    presence.stopped();
                    return Behaviors.same();
                  })
              .onSignal(
                  PreRestart.class,
                  s -> {
                    presence.stopped();
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** Routes one status; 1 when an instance was asked (an {@link Applied} will follow), else 0. */
  private static int route(
      ActorContext<ResourceBackend.Command> context,
      StatusUpdate update,
      ActorRef<ResourceBackend.Command> backend,
      Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances,
      TaskLocator locator,
      Duration askTimeout) {
    Optional<InstanceKey> owner = update.instance().or(() -> locator.locate(update.taskId()));
    if (owner.isEmpty()) {
      context
          .getLog()
          .warn("Status {} for unknown task {}: killing it.", update.status(), update.taskId());
      // As Aurora's state machine of an unknown id (DELETED): every such status is illegal.
      Metrics.of(context.getSystem()).counter(TaskInstanceEntity.ILLEGAL_TRANSITIONS).increment();
      if (update.status().isActive()) {
        backend.tell(new ResourceBackend.Kill(update.taskId(), update.agentId()));
      }
      backend.tell(new ResourceBackend.Acknowledge(update.taskId(), update.updateId()));
      return 0;
    }
    // Unacknowledged on timeout: the backend sends the update again.
    context.ask(
        Done.class,
        instances.apply(owner.get()),
        askTimeout,
        replyTo ->
            new TaskInstanceEntity.ApplyStatus(
                update.taskId(), update.status(), update.message(), update.agentId(), replyTo),
        (done, error) -> new Applied(update, error == null));
    return 1;
  }
}
