package io.borealis.node;

import com.typesafe.config.Config;
import io.borealis.persistence.EmbeddedStore;
import io.borealis.persistence.cassandra.CassandraStore;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.function.BiFunction;

/**
 * The store profiles this build can run, by the name of {@code borealis.store.kind} (the server's
 * {@code --store}): each prepares what it needs (the embedded store creates its H2 file and tables)
 * and returns the configuration that points Pekko Persistence at it; Cassandra connects, applies
 * its schema in development, and points the plugin at the cluster.
 */
final class Stores {

  /** The configuration key that picks the store. */
  static final String KIND = "borealis.store.kind";

  /**
   * One store: its name, a line for the help text, and how to prepare it for a data folder and the
   * node's settings (resolved, before the store's own are layered on).
   */
  record Store(String name, String summary, BiFunction<Path, Config, Config> prepare) {}

  private static final Registry<Store> ALL = new Registry<>("store", Store::name, Store::summary);

  static {
    register(
        new Store(
            "embedded",
            "journal and snapshots in an H2 file under the data folder",
            (dataDir, config) -> EmbeddedStore.prepare(dataDir)));
    register(
        new Store(
            "cassandra",
            "Pekko Persistence Cassandra on the cluster --cassandra host:port,... names",
            CassandraStore::prepare));
  }

  private Stores() {}

  private static void register(Store store) {
    ALL.register(store);
  }

  /** The names, sorted. */
  static SortedSet<String> names() {
    return ALL.names();
  }

  /** The store called {@code name}; fails with a sentence an operator can act on. */
  static Store named(String name) {
    return ALL.named(name);
  }

  static String unavailable(String name) {
    return ALL.unavailable(name);
  }

  /** One line per store, for {@code server --help}. */
  static String help() {
    return ALL.help();
  }
}
