package io.borealis.backend.agent;

import io.borealis.backend.StatusUpdate;
import io.borealis.model.InstanceKey;
import io.borealis.model.ScheduleStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * At-least-once status delivery, as a Mesos agent does it: every update is kept until the scheduler
 * acknowledges it (which it does only once the update is persisted) and sent again while it is not.
 * Confined to the backend actor that owns it.
 */
public final class StatusOutbox {

  private final ActorRef<StatusUpdate> statuses;
  private final Clock clock;
  private final String prefix;
  private final LinkedHashMap<String, StatusUpdate> unacknowledged = new LinkedHashMap<>();
  private long next = 1;

  /**
   * @param prefix makes update ids unique across restarts of a backend whose tasks outlive it
   */
  public StatusOutbox(ActorRef<StatusUpdate> statuses, Clock clock, String prefix) {
    this.statuses = statuses;
    this.clock = clock;
    this.prefix = prefix;
  }

  /** Sends a status now and keeps it until it is acknowledged. */
  public void send(
      String taskId,
      Optional<InstanceKey> instance,
      String agentId,
      ScheduleStatus status,
      String message) {
    StatusUpdate update =
        new StatusUpdate(
            prefix + next++,
            taskId,
            instance,
            agentId.isEmpty() ? Optional.empty() : Optional.of(agentId),
            status,
            Optional.ofNullable(message),
            clock.instant());
    unacknowledged.put(update.updateId(), update);
    statuses.tell(update);
  }

  public void acknowledge(String updateId) {
    unacknowledged.remove(updateId);
  }

  /** Sends again every update older than {@code interval} that is still unacknowledged. */
  public void resend(Duration interval) {
    Instant cutoff = clock.instant().minus(interval);
    for (StatusUpdate u : List.copyOf(unacknowledged.values())) {
      if (!u.timestamp().isAfter(cutoff)) {
        statuses.tell(u);
      }
    }
  }
}
