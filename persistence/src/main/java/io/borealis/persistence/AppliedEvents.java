package io.borealis.persistence;

import java.util.function.ToLongFunction;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * What the node's view already holds of each entity (its last applied sequence number), for the
 * read journal: on this node every event reaches the view before its entity answers, so the journal
 * stream mostly brings events the view has; the embedded store's DAO then skips reading and
 * deserializing them and passes on only their position.
 */
public final class AppliedEvents implements Extension {

  /** Marks an event the view already has: its payload was not read. */
  public enum AlreadyApplied {
    INSTANCE
  }

  private static final Id ID = new Id();

  private volatile ToLongFunction<String> lastApplied = persistenceId -> 0;

  public static AppliedEvents get(ActorSystem system) {
    return ID.get(system);
  }

  /** The view that answers; until one is set, nothing counts as applied. */
  void use(ToLongFunction<String> lastApplied) {
    this.lastApplied = lastApplied;
  }

  /** Whether the view holds event {@code sequenceNr} of {@code persistenceId}. */
  public boolean has(String persistenceId, long sequenceNr) {
    return sequenceNr <= lastApplied.applyAsLong(persistenceId);
  }

  private static final class Id extends AbstractExtensionId<AppliedEvents> {
    @Override
    public AppliedEvents createExtension(ExtendedActorSystem system) {
      return new AppliedEvents();
    }
  }
}
