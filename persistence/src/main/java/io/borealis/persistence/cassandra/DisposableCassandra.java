package io.borealis.persistence.cassandra;

import io.borealis.persistence.cassandra.CassandraLauncher.LaunchFailure;
import io.borealis.persistence.cassandra.CassandraLauncher.Settings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A Cassandra for one JVM (a test tier, a load-test run): started through the launcher in a fresh
 * folder under a given directory, on free ports, and stopped (its folder removed) when the JVM
 * exits. A Cassandra left by an earlier run whose JVM was killed (so its exit hook never ran) is
 * stopped and removed first.
 */
public final class DisposableCassandra {

  private DisposableCassandra() {}

  /**
   * Starts one under {@code parent}; fails with the launcher's sentence when this machine cannot
   * run it.
   */
  public static CassandraLauncher.Running start(Path parent, Duration timeout)
      throws LaunchFailure, IOException, InterruptedException {
    Path under = Files.createDirectories(parent.toAbsolutePath());
    stopLeftovers(under);
    Path dataDir = Files.createTempDirectory(under, "cassandra-");
    Settings settings = Settings.of(dataDir).withPort(freePort()).withStoragePort(freePort());
    CassandraLauncher.Running running =
        CassandraLauncher.start(
            settings,
            Path.of(System.getProperty("java.home"), "bin", "java"),
            CassandraLauncher.classpathFile(),
            timeout);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    CassandraLauncher.stop(dataDir, Duration.ofSeconds(30));
                    delete(dataDir);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } catch (IOException e) {
                    // the next run removes it
                  }
                },
                "stop-cassandra"));
    return running;
  }

  private static void stopLeftovers(Path under) throws IOException, InterruptedException {
    try (var dirs = Files.newDirectoryStream(under, "cassandra-*")) {
      for (Path dir : dirs) {
        CassandraLauncher.stop(dir, Duration.ofSeconds(30));
        delete(dir);
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
