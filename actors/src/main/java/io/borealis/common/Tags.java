package io.borealis.common;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The journal tags the read side follows: every event of an entity carries one tag, {@code
 * borealis-K}, where K is a hash of the entity's persistence id modulo {@code count}. All events of
 * one entity share a tag, so a tag's stream delivers them in order; the read side follows each tag
 * with its own stream and offset (one tag is one partition in a store such as Cassandra, so several
 * spread the load).
 *
 * <p>The hash is CRC-32 of the id's UTF-8 bytes: the same in every JVM and every release. The count
 * may grow between runs (old events keep their tags, which stay among the followed ones) but must
 * not shrink, or the events of the dropped tags would no longer be read.
 */
public record Tags(int count) {

  /** The prefix of every tag. */
  public static final String PREFIX = "borealis-";

  /** The one tag of releases before tags were spread; the read side still replays it. */
  public static final String LEGACY = "borealis";

  /** One tag only (tests of a single entity). */
  public static final Tags SINGLE = new Tags(1);

  public Tags {
    if (count < 1 || count > 1024) {
      throw new IllegalArgumentException("the tag count must be 1 to 1024, not " + count);
    }
  }

  /** The tag of every event of {@code persistenceId}. */
  public String tagOf(String persistenceId) {
    CRC32 crc = new CRC32();
    crc.update(persistenceId.getBytes(StandardCharsets.UTF_8));
    return PREFIX + Math.floorMod(crc.getValue(), (long) count);
  }

  /** {@link #tagOf} as the set an entity's {@code tagsFor} returns. */
  public Set<String> tagsFor(String persistenceId) {
    return Set.of(tagOf(persistenceId));
  }

  /** Every tag, in order. */
  public List<String> all() {
    List<String> all = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      all.add(PREFIX + i);
    }
    return List.copyOf(all);
  }
}
