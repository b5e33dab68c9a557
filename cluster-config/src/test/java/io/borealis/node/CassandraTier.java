package io.borealis.node;

import io.borealis.persistence.cassandra.CassandraLauncher;
import io.borealis.persistence.cassandra.CassandraLauncher.LaunchFailure;
import io.borealis.persistence.cassandra.DisposableCassandra;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Assumptions;

/**
 * The Cassandra test tier: when the tests run with {@code -Dborealis.test.store=cassandra} (the
 * {@code cassandra-tier} execution of this module's build), every {@link NodeProcess} runs on one
 * Cassandra, started once for the whole test JVM through the launcher (a fresh data directory under
 * target/, free ports) and stopped when the JVM exits. Each node data directory gets keyspaces of
 * its own, so tests do not see each other's journals, and a restart on the same directory finds its
 * own again.
 *
 * <p>When this machine cannot run Cassandra (no class path file, no start), the tests that need it
 * are skipped with the reason, never passed.
 */
final class CassandraTier {

  /** The system property that picks the store of the nodes the tests start. */
  static final String STORE_PROPERTY = "borealis.test.store";

  private static String contactPoint;
  private static String failure;

  private CassandraTier() {}

  /** Whether the nodes of this test run use Cassandra. */
  static boolean enabled() {
    return "cassandra".equals(System.getProperty(STORE_PROPERTY, "embedded"));
  }

  /**
   * The settings that put a node whose data directory is {@code dataDir} on the shared Cassandra;
   * skips the calling test when Cassandra cannot run here.
   */
  static String settingsFor(Path dataDir) {
    String point = contactPoint();
    CRC32 crc = new CRC32();
    crc.update(dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
    String keyspace = "b" + Long.toHexString(crc.getValue());
    return "\nborealis.store.kind = cassandra\n"
        + "borealis.store.cassandra.contact-points = \""
        + point
        + "\"\n"
        + "borealis.store.cassandra.keyspace = "
        + keyspace
        + "\nborealis.store.cassandra.snapshot-keyspace = "
        + keyspace
        + "_snapshot\n";
  }

  /** The contact point of the run's Cassandra, started on first use. */
  static synchronized String contactPoint() {
    if (contactPoint == null && failure == null) {
      start();
    }
    Assumptions.assumeTrue(
        failure == null,
        () -> "the Cassandra tier is skipped: Cassandra cannot run here: " + failure);
    return contactPoint;
  }

  private static void start() {
    try {
      long began = System.nanoTime();
      CassandraLauncher.Running running =
          DisposableCassandra.start(Path.of("target"), Duration.ofMinutes(3));
      System.out.printf(
          "Cassandra for the test tier: %s, up in %.1f s (data %s)%n",
          running.contactPoint(), (System.nanoTime() - began) / 1e9, running.dataDir());
      contactPoint = running.contactPoint();
    } catch (LaunchFailure e) {
      failure = e.getMessage();
    } catch (IOException e) {
      failure = e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted while starting";
    }
  }
}
