package io.borealis.update;

import io.borealis.CborSerializable;
import io.borealis.model.JobConfiguration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * One job update (aurora-semantics §4), a persistent sharded entity named by its {@link UpdateKey}
 * ({@code update|role/env/name/id}). Its state is an {@link UpdateRun}; {@link UpdateEngine}
 * decides, the entity persists the decision's events, then kills and adds instances, arms timers
 * and asks SLA coordinators. It follows the job's instances through {@code InstanceChanges}.
 */
public final class JobUpdateEntity {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "update");

  /** What an update accepts. */
  public interface Command extends CborSerializable {}

  /**
   * Start this update of the job to {@code proposed}, limited to {@code scope} when not empty.
   * Repeating the same request answers the same update; another request with this id is refused.
   *
   * @param rollbackOf the finished update this one rolls back (set by that update)
   */
  public record Start(
      JobConfiguration proposed,
      Set<Integer> scope,
      String user,
      Map<String, String> metadata,
      Optional<String> message,
      Optional<String> rollbackOf,
      ActorRef<StatusReply<Started>> replyTo)
      implements Command {

    public Start(
        JobConfiguration proposed,
        Set<Integer> scope,
        String user,
        Map<String, String> metadata,
        Optional<String> message,
        ActorRef<StatusReply<Started>> replyTo) {
      this(proposed, scope, user, metadata, message, Optional.empty(), replyTo);
    }
  }

  /**
   * The answer to {@link Start}: the update and the status it entered, or, when the proposed job
   * changes nothing, no status (no update was created) and Aurora's "Job is unchanged by proposed
   * update."
   */
  public record Started(UpdateKey key, Optional<UpdateStatus> status, String message)
      implements CborSerializable {
    public boolean created() {
      return status.isPresent();
    }
  }

  /** Pause, resume, abort or roll back. */
  public record Act(
      OperatorAction action,
      String user,
      Optional<String> message,
      ActorRef<StatusReply<Acted>> replyTo)
      implements Command {}

  /**
   * The update's status after the action; for a rollback of a finished update, the new update that
   * rolls it back.
   */
  public record Acted(UpdateKey key, UpdateStatus status, Optional<UpdateKey> rollback)
      implements CborSerializable {}

  /** A pulse for a coordinated update. */
  public record PulseIt(String user, ActorRef<PulseStatus> replyTo) implements Command {}

  /** Whether this update exists and is active (the job asks before it lets go of its lock). */
  public record IsActive(ActorRef<Boolean> replyTo) implements Command {}
}
