package io.borealis.node;

import io.borealis.persistence.cassandra.CassandraLauncher;
import io.borealis.persistence.cassandra.CassandraLauncher.CommitlogSync;
import io.borealis.persistence.cassandra.CassandraLauncher.LaunchFailure;
import io.borealis.persistence.cassandra.CassandraLauncher.Running;
import io.borealis.persistence.cassandra.CassandraLauncher.Settings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code borealis cassandra start|status|stop}: a single-node Cassandra for development and tests,
 * run by {@link CassandraLauncher} in the background with a data folder of its own.
 */
@Command(
    name = "cassandra",
    mixinStandardHelpOptions = true,
    description = "A local single-node Cassandra for development (start, status, stop).",
    subcommands = {
      CassandraCommands.Start.class,
      CassandraCommands.Status.class,
      CassandraCommands.Stop.class
    })
final class CassandraCommands implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** The option every subcommand has. */
  abstract static class WithDataDir implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--data-dir",
        description = "Cassandra's own data folder (default: ./data-cassandra).",
        defaultValue = "data-cassandra")
    Path dataDir;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description =
          "Start Cassandra in the background; returns once it accepts CQL and prints the contact"
              + " point.")
  static final class Start extends WithDataDir {
    @Option(names = "--port", description = "CQL (native transport) port (default: 9042).")
    int port = 9042;

    @Option(
        names = "--storage-port",
        description = "Inter-node port (default: 7000, or a free one when 7000 is taken).")
    Integer storagePort;

    @Option(
        names = "--commitlog-sync",
        description =
            "periodic (default: fsync every 10 s, fast) or batch (fsync before every"
                + " acknowledgement).",
        defaultValue = "periodic")
    String commitlogSync;

    @Option(
        names = "--timeout",
        description = "How long to wait for CQL, in seconds (default: 180).",
        defaultValue = "180")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
      Settings settings;
      try {
        settings =
            Settings.of(dataDir)
                .withPort(port)
                .withStoragePort(storagePort != null ? storagePort : defaultStoragePort(port))
                .withCommitlogSync(CommitlogSync.parse(commitlogSync));
      } catch (IllegalArgumentException e) {
        err().println("borealis: " + e.getMessage());
        return 2;
      }
      err().println("borealis: starting Cassandra in " + settings.dataDir() + " ...");
      err().flush();
      long began = System.nanoTime();
      try {
        Running running =
            CassandraLauncher.start(
                settings,
                Path.of(System.getProperty("java.home"), "bin", "java"),
                CassandraLauncher.classpathFile(),
                Duration.ofSeconds(timeoutSeconds));
        err()
            .printf(
                "borealis: Cassandra is up (pid %d, %.1f s); log: %s%n",
                running.pid(),
                (System.nanoTime() - began) / 1e9,
                CassandraLauncher.logFile(settings.dataDir()));
        out().println(running.contactPoint());
        return 0;
      } catch (LaunchFailure e) {
        err().println("borealis: " + e.getMessage());
        return 1;
      }
    }

    /** 7000 when free; otherwise a free port, so a second Cassandra needs only --port. */
    private static int defaultStoragePort(int port) {
      if (port != 7000 && free(7000)) {
        return 7000;
      }
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        return s.getLocalPort();
      } catch (java.io.IOException e) {
        return 7000;
      }
    }

    private static boolean free(int port) {
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return true;
      } catch (java.io.IOException e) {
        return false;
      }
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Whether Cassandra runs in the data folder: pid, contact point.")
  static final class Status extends WithDataDir {
    @Override
    public Integer call() {
      Optional<Running> running = CassandraLauncher.status(dataDir);
      Path dir = dataDir.toAbsolutePath().normalize();
      if (running.isEmpty()) {
        out().println("Cassandra is not running (data folder " + dir + ")");
        return 3;
      }
      Running r = running.get();
      out().println("Cassandra is running");
      out().println("  pid            " + r.pid());
      out().println("  contact point  " + r.contactPoint());
      out().println("  data folder    " + r.dataDir());
      out().println("  log            " + CassandraLauncher.logFile(r.dataDir()));
      return 0;
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stop Cassandra: SIGTERM, then SIGKILL if it has not exited after --grace.")
  static final class Stop extends WithDataDir {
    @Option(
        names = "--grace",
        description = "Seconds to wait after SIGTERM (default: 60).",
        defaultValue = "60")
    int graceSeconds;

    @Override
    public Integer call() throws Exception {
      Optional<Running> stopped = CassandraLauncher.stop(dataDir, Duration.ofSeconds(graceSeconds));
      if (stopped.isEmpty()) {
        out()
            .println(
                "Cassandra was not running (data folder "
                    + dataDir.toAbsolutePath().normalize()
                    + ")");
      } else {
        out().println("Cassandra stopped (pid " + stopped.get().pid() + ")");
      }
      return 0;
    }
  }
}
