package io.borealis.common;

import java.util.List;

/**
 * Where an entity reports the events it has just persisted, before it answers the command that
 * caused them. The node's read side subscribes, so a read that follows a 2xx write on the same node
 * sees that write (read-your-writes) without waiting for the journal query to poll. The journal
 * stream delivers the same events later; the receiver keeps the first copy of each (persistence id,
 * sequence number). It is also how a coordinator (a job, an update) learns that an instance
 * changed.
 *
 * <p>Called on the entity's thread: implementations must be quick and must not block.
 */
@FunctionalInterface
public interface EventFeed {

  /**
   * {@code events} were persisted for {@code persistenceId}; the last of them has sequence number
   * {@code lastSequenceNr} (so the first has {@code lastSequenceNr - events.size() + 1}).
   */
  void persisted(String persistenceId, long lastSequenceNr, List<?> events);

  /** Reports nowhere (tests of a single entity). */
  EventFeed NONE = (persistenceId, lastSequenceNr, events) -> {};
}
