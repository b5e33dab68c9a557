package io.borealis.persistence.cassandra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Runs a single-node Cassandra for development and tests: a JVM of its own (Cassandra's hundred
 * jars never meet the node's), started from the class path the {@code cassandra-runtime} module
 * resolved from Maven Central, detached in its own session, with everything (configuration, data,
 * commit log, log, pid file) under one data directory.
 *
 * <p>The files in the data directory are the launcher's whole state: {@code cassandra.yaml}, {@code
 * logback.xml}, {@code cassandra.log}, and {@code cassandra.pid} with the running process's pid and
 * ports. So {@code status} and {@code stop} work from any later process.
 */
public final class CassandraLauncher {

  /** The system property naming the file with Cassandra's class path (set by ./borealis). */
  public static final String CLASSPATH_FILE_PROPERTY = "borealis.cassandra.classpath-file";

  /** Where the class path file is looked for when the property is not set: the source tree. */
  static final Path CLASSPATH_FILE_IN_TREE =
      Path.of("cassandra-runtime", "target", "cassandra.classpath");

  static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";

  /** What to start. */
  public record Settings(
      Path dataDir, int port, int storagePort, CommitlogSync commitlogSync, String heap) {

    public Settings {
      dataDir = dataDir.toAbsolutePath().normalize();
      if (port < 1 || port > 65535 || storagePort < 1 || storagePort > 65535) {
        throw new IllegalArgumentException("ports must be 1 to 65535");
      }
      if (port == storagePort) {
        throw new IllegalArgumentException("the CQL port and the storage port must differ");
      }
    }

    /** The defaults: native port 9042, storage port 7000, periodic commit log, 1 GiB of heap. */
    public static Settings of(Path dataDir) {
      return new Settings(dataDir, 9042, 7000, CommitlogSync.PERIODIC, "1g");
    }

    public Settings withPort(int port) {
      return new Settings(dataDir, port, storagePort, commitlogSync, heap);
    }

    public Settings withStoragePort(int storagePort) {
      return new Settings(dataDir, port, storagePort, commitlogSync, heap);
    }

    public Settings withCommitlogSync(CommitlogSync sync) {
      return new Settings(dataDir, port, storagePort, sync, heap);
    }

    /** {@code 127.0.0.1:PORT}, what a client (the node's {@code --cassandra}) connects to. */
    public String contactPoint() {
      return "127.0.0.1:" + port;
    }
  }

  /** When the commit log is fsynced, relative to the acknowledgement of a write. */
  public enum CommitlogSync {
    /**
     * Every 10 s: fast; a power loss may lose up to 10 s of acknowledged writes (a crash of the
     * process alone loses nothing, the operating system still has them).
     */
    PERIODIC,
    /** Before every acknowledgement: every acknowledged write is on disk. */
    BATCH;

    /** From the command line's word ({@code periodic}, {@code batch}). */
    public static CommitlogSync parse(String word) {
      try {
        return valueOf(word.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--commitlog-sync must be periodic or batch, not " + word);
      }
    }
  }

  /** The launcher cannot do what it was asked, said in a sentence an operator can act on. */
  public static final class LaunchFailure extends Exception {
    public LaunchFailure(String message) {
      super(message, null, false, false);
    }
  }

  /** A Cassandra this launcher started in a data directory, read from its pid file. */
  public record Running(long pid, int port, int storagePort, Path dataDir) {
    public String contactPoint() {
      return "127.0.0.1:" + port;
    }
  }

  private CassandraLauncher() {}

  // ---------------------------------------------------------------------------------------------
  // What is written and run (pure, unit tested)

  /**
   * The {@code cassandra.yaml} of a single node on loopback, all its directories in the data dir.
   */
  static String yaml(Settings s) {
    Path d = s.dataDir();
    StringBuilder y = new StringBuilder();
    y.append("# Written by borealis cassandra start; rewritten at every start.\n");
    y.append("cluster_name: 'borealis'\n");
    y.append("num_tokens: 16\n");
    y.append("partitioner: org.apache.cassandra.dht.Murmur3Partitioner\n");
    y.append("data_file_directories:\n  - ").append(d.resolve("data")).append('\n');
    y.append("commitlog_directory: ").append(d.resolve("commitlog")).append('\n');
    y.append("saved_caches_directory: ").append(d.resolve("saved_caches")).append('\n');
    y.append("hints_directory: ").append(d.resolve("hints")).append('\n');
    y.append("cdc_raw_directory: ").append(d.resolve("cdc_raw")).append('\n');
    if (s.commitlogSync() == CommitlogSync.BATCH) {
      y.append("# Every write is fsynced to the commit log before it is acknowledged.\n");
      y.append("commitlog_sync: batch\n");
    } else {
      y.append("# The commit log is fsynced every 10 s (a power loss may lose that much).\n");
      y.append("commitlog_sync: periodic\n");
      y.append("commitlog_sync_period: 10000ms\n");
    }
    y.append("seed_provider:\n");
    y.append("  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n");
    y.append("    parameters:\n");
    y.append("      - seeds: \"127.0.0.1:").append(s.storagePort()).append("\"\n");
    y.append("listen_address: 127.0.0.1\n");
    y.append("rpc_address: 127.0.0.1\n");
    y.append("storage_port: ").append(s.storagePort()).append('\n');
    y.append("native_transport_port: ").append(s.port()).append('\n');
    y.append("start_native_transport: true\n");
    y.append("endpoint_snitch: SimpleSnitch\n");
    // One node on a small machine: fewer threads.
    y.append("concurrent_compactors: 1\n");
    return y.toString();
  }

  /** Cassandra's logging: INFO to its standard output (the log file), nothing else. */
  static String logback() {
    return """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
          </appender>
          <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """;
  }

  /**
   * The module flags Cassandra needs on JDK 17 (its own {@code jvm17-server.options}): without them
   * it fails at start on reflective access to JDK internals.
   */
  static final List<String> JDK17_FLAGS =
      List.of(
          "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
          "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
          "--add-exports=java.sql/java.sql=ALL-UNNAMED",
          "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
          "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.math=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /** The command that runs Cassandra (without the session wrapper). */
  static List<String> command(Path java, String classpath, Settings s) {
    Path d = s.dataDir();
    List<String> c = new ArrayList<>();
    c.add(java.toString());
    c.add("-Xmx" + s.heap());
    c.add("-Xms" + s.heap());
    c.add("-Xss256k");
    c.add("-XX:+UseG1GC");
    c.addAll(JDK17_FLAGS);
    c.add("-Dcassandra.config=" + d.resolve("cassandra.yaml").toUri());
    c.add("-Dcassandra.storagedir=" + d);
    c.add("-Dcassandra.logdir=" + d);
    c.add("-Dcassandra-foreground=yes");
    c.add("-Dlogback.configurationFile=" + d.resolve("logback.xml"));
    // One node: no gossip to wait for.
    c.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
    c.add("-Dcassandra.ring_delay_ms=1000");
    // Schema changes are not flushed to sstables one by one (they are in the commit log, which is
    // replayed at start): creating a keyspace's tables takes a second instead of many.
    c.add("-Dcassandra.test.flush_local_schema_changes=false");
    c.add("-cp");
    c.add(classpath);
    c.add(MAIN_CLASS);
    return c;
  }

  // ---------------------------------------------------------------------------------------------
  // start, status, stop

  static Path pidFile(Path dataDir) {
    return dataDir.resolve("cassandra.pid");
  }

  public static Path logFile(Path dataDir) {
    return dataDir.toAbsolutePath().normalize().resolve("cassandra.log");
  }

  /**
   * Where Cassandra's class path file is: the system property, else the source tree under the
   * working directory.
   */
  public static Path classpathFile() {
    String property = System.getProperty(CLASSPATH_FILE_PROPERTY);
    return property != null ? Path.of(property) : CLASSPATH_FILE_IN_TREE.toAbsolutePath();
  }

  /** Cassandra's class path, checked: every jar of it is there. */
  static String classpath(Path file) throws LaunchFailure {
    if (!Files.isRegularFile(file)) {
      throw new LaunchFailure(
          "Cassandra's class path file "
              + file
              + " is missing: build it with `mvn -pl cassandra-runtime generate-resources` (./borealis"
              + " builds it), or point -D"
              + CLASSPATH_FILE_PROPERTY
              + " at it");
    }
    String classpath;
    try {
      classpath = Files.readString(file).trim();
    } catch (IOException e) {
      throw new LaunchFailure("cannot read " + file + ": " + e.getMessage());
    }
    for (String jar : classpath.split(java.io.File.pathSeparator)) {
      if (!Files.exists(Path.of(jar))) {
        throw new LaunchFailure(
            "Cassandra's jar "
                + jar
                + " is missing (the local Maven repository was cleaned?): rebuild cassandra-runtime"
                + " online, `mvn -pl cassandra-runtime generate-resources`");
      }
    }
    return classpath;
  }

  /** The Cassandra running in {@code dataDir}, if one is (a stale pid file is ignored). */
  public static Optional<Running> status(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    Path file = pidFile(dir);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try {
      p.load(new java.io.StringReader(Files.readString(file)));
      long pid = Long.parseLong(p.getProperty("pid"));
      int port = Integer.parseInt(p.getProperty("port"));
      int storagePort = Integer.parseInt(p.getProperty("storage-port"));
      boolean alive =
          ProcessHandle.of(pid)
              .filter(ProcessHandle::isAlive)
              // A pid reused by another program after a reboot is not ours.
              .filter(h -> runsCassandra(h.pid()))
              .isPresent();
      return alive ? Optional.of(new Running(pid, port, storagePort, dir)) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether the process runs Cassandra, from its command line where the system shows it (the JDK's
   * {@code ProcessHandle.Info} cuts long command lines, so /proc is read directly).
   */
  private static boolean runsCassandra(long pid) {
    Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
    if (!Files.isReadable(cmdline)) {
      return true;
    }
    try {
      return new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).contains(MAIN_CLASS);
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Starts Cassandra in the background and returns once it accepts CQL; fails with a sentence when
   * it is already running, a port is taken, or it does not come up within {@code timeout} (the
   * sentence then ends with the last lines of its log).
   */
  public static Running start(Settings s, Path java, Path classpathFile, Duration timeout)
      throws LaunchFailure, InterruptedException {
    Optional<Running> already = status(s.dataDir());
    if (already.isPresent()) {
      throw new LaunchFailure(
          "Cassandra is already running in "
              + s.dataDir()
              + " (pid "
              + already.get().pid()
              + ", contact point "
              + already.get().contactPoint()
              + ")");
    }
    if (!Files.isExecutable(java)) {
      throw new LaunchFailure(
          "no Java at " + java + ": Cassandra needs a JDK 11 or 17 (set JAVA_HOME to one)");
    }
    String classpath = classpath(classpathFile);
    checkFree(s.port(), "CQL", "--port");
    checkFree(s.storagePort(), "storage", "--storage-port");
    Path d = s.dataDir();
    Path log = logFile(d);
    Process process;
    try {
      Files.createDirectories(d);
      Files.writeString(d.resolve("cassandra.yaml"), yaml(s));
      Files.writeString(d.resolve("logback.xml"), logback());
      List<String> command = new ArrayList<>();
      // Its own session and process group: Ctrl-C in the terminal that started it, or the end of
      // that terminal, does not reach it.
      if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
        command.add("/usr/bin/setsid");
      }
      command.addAll(command(java, classpath, s));
      process =
          new ProcessBuilder(command)
              .directory(d.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      // setsid execs the JVM: the pid stays the same.
      Files.writeString(
          pidFile(d),
          "pid="
              + process.pid()
              + "\nport="
              + s.port()
              + "\nstorage-port="
              + s.storagePort()
              + "\n");
    } catch (IOException e) {
      throw new LaunchFailure("cannot start Cassandra in " + d + ": " + e.getMessage());
    }
    Running running = new Running(process.pid(), s.port(), s.storagePort(), d);
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        deletePidFile(d);
        throw new LaunchFailure(
            "Cassandra exited with " + process.exitValue() + " during start; " + tail(log));
      }
      if (CqlProbe.accepts("127.0.0.1", s.port())) {
        return running;
      }
      Thread.sleep(500);
    }
    stop(d, Duration.ofSeconds(20));
    throw new LaunchFailure(
        "Cassandra did not accept CQL within " + timeout.toSeconds() + " s; " + tail(log));
  }

  /**
   * Stops the Cassandra running in {@code dataDir}: SIGTERM, then SIGKILL after {@code grace}.
   * Returns what was stopped; empty when none was running.
   */
  public static Optional<Running> stop(Path dataDir, Duration grace) throws InterruptedException {
    Path dir = dataDir.toAbsolutePath().normalize();
    Optional<Running> running = status(dir);
    if (running.isPresent()) {
      Optional<ProcessHandle> handle = ProcessHandle.of(running.get().pid());
      if (handle.isPresent()) {
        ProcessHandle h = handle.get();
        h.destroy();
        try {
          h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          h.destroyForcibly();
          try {
            h.onExit().get(10, TimeUnit.SECONDS);
          } catch (java.util.concurrent.TimeoutException
              | java.util.concurrent.ExecutionException stuck) {
            // reported below as still running by status
          }
        } catch (java.util.concurrent.ExecutionException e) {
          // it has gone
        }
      }
    }
    deletePidFile(dir);
    return running;
  }

  private static void deletePidFile(Path dir) {
    try {
      Files.deleteIfExists(pidFile(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails when something listens on {@code port} of the loopback interface. */
  static void checkFree(int port, String what, String option) throws LaunchFailure {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
      throw new LaunchFailure(
          "port "
              + port
              + " (Cassandra's "
              + what
              + " port) is taken: stop what listens there or choose another with "
              + option);
    } catch (IOException nothingListens) {
      // free for connecting; binding is checked below
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      throw new LaunchFailure(
          "port "
              + port
              + " (Cassandra's "
              + what
              + " port) cannot be used: "
              + e.getMessage()
              + "; choose another with "
              + option);
    }
  }

  /** "its log ... ends with:" and the last 30 lines of the log. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "its log "
          + log
          + " ends with:\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "see its log " + log;
    }
  }
}
