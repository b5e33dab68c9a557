package io.borealis.common;

import com.typesafe.config.Config;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * When an entity type saves a snapshot of its state ({@code borealis.snapshots.<entity>}): after
 * every {@code everyEvents} events, keeping the newest {@code keepSnapshots} (older snapshots are
 * deleted; events never are, the journal is the history). Recovery loads the newest snapshot and
 * replays at most {@code everyEvents} events after it.
 */
public record SnapshotPolicy(int everyEvents, int keepSnapshots) {

  public SnapshotPolicy {
    if (everyEvents < 1) {
      throw new IllegalArgumentException("every-events must be >= 1, not " + everyEvents);
    }
    if (keepSnapshots < 1) {
      throw new IllegalArgumentException("keep-snapshots must be >= 1, not " + keepSnapshots);
    }
  }

  /** A snapshot every {@code events} events, the newest two kept. */
  public static SnapshotPolicy every(int events) {
    return new SnapshotPolicy(events, 2);
  }

  /** The policy of {@code entity} (task-instance, job, job-update, quota, maintenance). */
  public static SnapshotPolicy from(Config config, String entity) {
    Config c = config.getConfig("borealis.snapshots." + entity);
    return new SnapshotPolicy(c.getInt("every-events"), c.getInt("keep-snapshots"));
  }

  /** As the entity's {@code retentionCriteria()}. */
  public RetentionCriteria retention() {
    return RetentionCriteria.snapshotEvery(everyEvents, keepSnapshots);
  }
}
