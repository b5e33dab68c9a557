package io.borealis.persistence;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The read side's index on a journal shared by several nodes (Cassandra): a position in the
 * journal's time, the same on every node, where the count of applied events would differ from node
 * to node.
 *
 * <p>A position counts 50 ns steps since the Unix epoch. An event's is twice the time of its time
 * UUID (in 100 ns units), so events sit on even positions; a write answers with an odd one ({@link
 * #writeMark}), so that a write's mark is never mistaken for an index a read already answered with.
 *
 * <p>Per journal tag it keeps how far the view is complete (a watermark): every event of that tag
 * up to it has been applied. The tag streams deliver in time order, so the last delivered event
 * moves its tag's watermark; an idle tag moves only when a query of what the tag holds now
 * completes ({@link #completeThrough}). The view is complete through the least watermark.
 *
 * <p>A read with {@code ?index=N} answers once the view is complete through N and its index is not
 * N: a write's mark then means the write is there, and the index of an earlier answer means
 * something changed since. A node that is the only member of its cluster, once complete through the
 * moment it became so, holds every event at once (its entities feed the view before they answer),
 * so it is complete through any position.
 *
 * <p>Not thread-safe: the {@link ReadView} calls it under its lock.
 */
final class Positions {

  /** 100 ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
  private static final long UUID_EPOCH_OFFSET = 0x01b21dd213814000L;

  private final Clock clock;
  private final Map<String, Long> watermarks = new HashMap<>();

  private long complete;

  /** The position of the latest event applied. */
  private long latest;

  /**
   * At least the position of every event this node's entities fed the view, and past every mark a
   * write answered with: what the index is at least.
   */
  private long localMark;

  /** Since when this node is its cluster's only member; empty while it is not. */
  private Optional<Long> soleSince = Optional.empty();

  /**
   * @param tags the journal tags the view follows: it is complete as far as the least of them
   */
  Positions(List<String> tags, Clock clock) {
    this.clock = clock;
    for (String tag : tags) {
      watermarks.put(tag, 0L);
    }
  }

  /** The position of an event with this time UUID. */
  static long of(UUID timeUuid) {
    return 2 * (timeUuid.timestamp() - UUID_EPOCH_OFFSET);
  }

  /** The position of an instant. */
  static long of(Instant at) {
    return 2 * (at.getEpochSecond() * 10_000_000L + at.getNano() / 100);
  }

  /** The instant of a position (to 100 ns). */
  static Instant instant(long position) {
    long ticks = position / 2;
    return Instant.ofEpochSecond(ticks / 10_000_000L, (ticks % 10_000_000L) * 100);
  }

  /** The position of an offset's text ({@link Offsets}), if it is a time UUID. */
  static Optional<Long> of(Optional<String> offset) {
    if (offset.isPresent() && offset.get().startsWith("uuid:")) {
      try {
        UUID u = UUID.fromString(offset.get().substring(5));
        if (u.version() == 1) {
          return Optional.of(of(u));
        }
      } catch (IllegalArgumentException e) {
        // not a position
      }
    }
    return Optional.empty();
  }

  /** The position now. */
  long now() {
    return of(clock.instant());
  }

  /**
   * The position of the end of the current millisecond: a time UUID made before now (its sub-
   * millisecond part is a counter, not the clock) lies before it.
   */
  private long endOfMillisecond() {
    return 2 * ((clock.millis() + 1) * 10_000L);
  }

  /** The journal tags followed. */
  java.util.Set<String> tags() {
    return watermarks.keySet();
  }

  /** How far tag {@code tag} is complete. */
  long watermark(String tag) {
    return watermarks.getOrDefault(tag, Long.MAX_VALUE);
  }

  /** The furthest any tag is complete: past it, the view has applied no event. */
  long furthest() {
    long most = 0;
    for (long w : watermarks.values()) {
      most = Math.max(most, w);
    }
    return most;
  }

  /** How far the view is complete: every event up to this position has been applied. */
  long complete() {
    return complete;
  }

  /** An event at {@code position} was applied (or was found applied already). */
  void applied(long position) {
    latest = Math.max(latest, position);
  }

  /** This node's entities have just fed the view an event, persisted before now. */
  void appliedLocally() {
    localMark = Math.max(localMark + 2, endOfMillisecond());
  }

  /**
   * The stream of {@code tag} delivered an event at {@code position}: every event of the tag before
   * it has been delivered.
   */
  void delivered(String tag, long position) {
    Long was = watermarks.get(tag);
    if (was != null && position > was) {
      watermarks.put(tag, position);
      advance();
    }
  }

  /** A query of {@code tag} found everything up to {@code position}. */
  void completeThrough(String tag, long position) {
    delivered(tag, position);
  }

  private void advance() {
    long least = Long.MAX_VALUE;
    for (long w : watermarks.values()) {
      least = Math.min(least, w);
    }
    if (least == Long.MAX_VALUE || least <= complete) {
      return;
    }
    complete = least;
  }

  /** Whether this node is its cluster's only member now. */
  void sole(boolean sole) {
    if (!sole) {
      soleSince = Optional.empty();
    } else if (soleSince.isEmpty()) {
      soleSince = Optional.of(now());
    }
  }

  /**
   * The index reads answer with: even, and increasing. The latest event applied, as far as the view
   * is complete (while events past that are applied, it moves on with what is complete), or past it
   * what this node's own writes made it.
   */
  long index() {
    return Math.max(Math.min(latest, complete), localMark);
  }

  /**
   * The mark a write answers with, just after its events were stored: odd, past the time of those
   * events, and below the index from now on.
   */
  long writeMark() {
    long mark = Math.max(endOfMillisecond() + 1, index() + 1);
    localMark = mark + 1;
    return mark;
  }

  /** Whether the view holds every event up to {@code position}. */
  boolean completeThrough(long position) {
    return complete >= position || (soleSince.isPresent() && complete >= soleSince.get());
  }

  /** Whether a read asked to wait for {@code index} may answer. */
  boolean passed(long index) {
    return completeThrough(index) && index() != index;
  }

  /**
   * A read waiting for {@code index} answers: the view holds everything through it, so its index is
   * from now on at least there (a long-poll with it then waits for the next change).
   */
  void answered(long index) {
    if (completeThrough(index)) {
      localMark = Math.max(localMark, index + (index & 1));
    }
  }

  /** Restores what a snapshot holds: the index, and the tags' positions as far as applied. */
  void restore(long index, Map<String, String> offsets) {
    localMark = Math.max(localMark, index);
    for (Map.Entry<String, String> e : offsets.entrySet()) {
      of(Optional.of(e.getValue())).ifPresent(p -> delivered(e.getKey(), p));
    }
  }
}
