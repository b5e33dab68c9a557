package io.borealis.loadtest;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node in a JVM of its own, started with {@code server} as an operator would (the durability
 * scenario must be able to SIGKILL it, which a node in the harness's JVM cannot survive). It runs
 * on this JVM's class path; stdout and stderr go to {@code node.log} beside its data folder.
 */
final class ServerProcess implements AutoCloseable {

  private final Path dataDir;
  private final Path config;
  private final Path log;
  private final List<String> storeArgs;
  private final List<String> javaOptions;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;
  private int port;

  /**
   * @param storeArgs the server's store options, e.g. {@code --store cassandra --cassandra h:p}
   * @param javaOptions more options for the node's JVM (the heap is 512 MB unless one says else)
   */
  ServerProcess(Path dataDir, String settings, List<String> storeArgs, List<String> javaOptions)
      throws IOException {
    this.dataDir = dataDir;
    this.config = dataDir.resolveSibling(dataDir.getFileName() + ".conf");
    this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    this.storeArgs = List.copyOf(storeArgs);
    this.javaOptions = List.copyOf(javaOptions);
    Files.createDirectories(dataDir);
    Files.writeString(config, settings);
  }

  /** Starts the node (again, on the same data folder) and waits until {@code /health} is 200. */
  ServerProcess start() throws Exception {
    for (int attempt = 1; ; attempt++) {
      long logged = Files.exists(log) ? Files.size(log) : 0;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      launch();
      if (awaitHealthy()) {
        return this;
      }
      String said = Files.readString(log).substring((int) logged);
      // The port was free when chosen, but another socket may have taken it before the node did.
      if (!said.contains("is already in use") || attempt == 3) {
        throw new IllegalStateException(
            "the node exited with "
                + process.exitValue()
                + "; see "
                + log.toAbsolutePath()
                + ", which ends with:\n"
                + said.substring(Math.max(0, said.length() - 4000)));
      }
    }
  }

  private void launch() throws IOException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism=4");
    command.addAll(javaOptions);
    command.add("-cp");
    command.add(classpath);
    command.add("io.borealis.node.Main");
    command.addAll(
        List.of(
            "server",
            "--data-dir",
            dataDir.toString(),
            "--port",
            Integer.toString(port),
            "--config",
            config.toString()));
    command.addAll(storeArgs);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
  }

  private boolean awaitHealthy() throws Exception {
    Instant deadline = Instant.now().plusSeconds(180);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        return false;
      }
      try {
        HttpRequest health =
            HttpRequest.newBuilder(URI.create(base() + "/health"))
                .timeout(Duration.ofSeconds(5))
                .build();
        if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the node did not become healthy; see " + log.toAbsolutePath());
  }

  /** {@code http://127.0.0.1:PORT} of the running node. */
  String base() {
    return "http://127.0.0.1:" + port;
  }

  Path log() {
    return log;
  }

  /** Whether the node's process runs. */
  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGTERM, as an operator stops a node; waits up to {@code within} for the exit, its code. */
  int terminate(Duration within) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the node did not exit within " + within + " of SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Deletes the data folder (the node must not be running): a node that forgets everything. */
  void wipe() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the node is running");
    }
    try (var paths = Files.walk(dataDir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
