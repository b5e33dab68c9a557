package io.borealis.persistence;

import java.io.IOException;
import java.util.Optional;

/**
 * Where the read side keeps its snapshot: a file under the data directory for the embedded store
 * ({@link FileSnapshotStore}); a table for a shared store later. Only the latest snapshot matters.
 */
public interface SnapshotStore {

  /** Replaces the stored snapshot with {@code snapshot}, all or nothing. */
  void save(ViewSnapshot snapshot) throws IOException;

  /**
   * The stored snapshot, or empty when there is none.
   *
   * @throws IOException when one is there but cannot be read (corrupt, or of another format)
   */
  Optional<ViewSnapshot> load() throws IOException;

  /** Where it is, for the log. */
  String describe();
}
