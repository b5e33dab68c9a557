package io.borealis.persistence;

import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.TimeBasedUUID;

/**
 * Journal offsets as text, so a snapshot can keep them whatever the store: {@code seq:N} (JDBC, the
 * embedded store) or {@code uuid:U} (Cassandra).
 */
final class Offsets {

  private Offsets() {}

  /** The text of an offset; empty for offsets that cannot be resumed from (none). */
  static Optional<String> encode(Offset offset) {
    if (offset instanceof Sequence s) {
      return Optional.of("seq:" + s.value());
    }
    if (offset instanceof TimeBasedUUID u) {
      return Optional.of("uuid:" + u.value());
    }
    return Optional.empty();
  }

  /** The offset of a text from {@link #encode}; no offset (from the start) for anything else. */
  static Offset decode(Optional<String> text) {
    if (text.isEmpty()) {
      return NoOffset.getInstance();
    }
    String t = text.get();
    try {
      if (t.startsWith("seq:")) {
        return Offset.sequence(Long.parseLong(t.substring(4)));
      }
      if (t.startsWith("uuid:")) {
        return Offset.timeBasedUUID(UUID.fromString(t.substring(5)));
      }
    } catch (IllegalArgumentException e) {
      // falls through: read the tag from its start; the view skips what it has seen
    }
    return NoOffset.getInstance();
  }
}
