package io.borealis.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.function.Predicate;

/**
 * A Borealis node in its own JVM, started with the server command as an operator would, so a test
 * can kill it with SIGKILL and start it again on the same data directory.
 */
final class NodeProcess implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  private final Path dataDir;
  private final Path config;
  private final int port;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;
  private int starts;
  private String heap = "512m";

  NodeProcess(Path dataDir, String settings) throws IOException {
    this.dataDir = dataDir;
    this.config = dataDir.resolveSibling(dataDir.getFileName() + ".conf");
    Files.writeString(config, settings);
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    this.log = Path.of("target", "node-" + dataDir.getFileName() + ".log");
  }

  /** Starts the node and waits until {@code /health} answers 200. */
  NodeProcess start() throws Exception {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism=4");
    command.add("-cp");
    command.add(classpath);
    command.add(Main.class.getName());
    command.addAll(
        List.of(
            "server",
            "--data-dir",
            dataDir.toString(),
            "--port",
            Integer.toString(port),
            "--config",
            config.toString()));
    Files.createDirectories(log.toAbsolutePath().getParent());
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                starts++ == 0
                    ? ProcessBuilder.Redirect.to(log.toFile())
                    : ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    Instant deadline = Instant.now().plusSeconds(180);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the node exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
      }
      try {
        if (raw("GET", "/health", null).statusCode() == 200) {
          return this;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the node did not become healthy; see " + log.toAbsolutePath());
  }

  /** The node's maximum heap from its next start on (512m unless set). */
  NodeProcess heap(String xmx) {
    this.heap = xmx;
    return this;
  }

  int port() {
    return port;
  }

  /** What the node logged so far, over all its starts. */
  String logText() throws IOException {
    return Files.readString(log);
  }

  /** SIGKILL: no shutdown hook, no flush, nothing graceful. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(
          java.util.concurrent.TimeUnit.SECONDS.toMillis(60),
          java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

  HttpResponse<String> raw(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  Reply call(String method, String path, String body) throws Exception {
    HttpResponse<String> r = raw(method, path, body);
    JsonNode json = r.body().isEmpty() ? JSON.nullNode() : parse(r.body());
    return new Reply(r.statusCode(), json, r);
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  JsonNode get(String path) throws Exception {
    Reply r = call("GET", path, null);
    if (r.status() != 200) {
      throw new AssertionError("GET " + path + " answered " + r.status() + ": " + r.body());
    }
    return r.body();
  }

  /** Polls a read until it satisfies {@code done} (the read side trails writes slightly). */
  JsonNode await(String path, Predicate<JsonNode> done) throws Exception {
    return await(path, done, Duration.ofSeconds(30));
  }

  /** As {@link #await(String, Predicate)}, for up to {@code within}. */
  JsonNode await(String path, Predicate<JsonNode> done, Duration within) throws Exception {
    Instant deadline = Instant.now().plus(within);
    JsonNode last = null;
    while (Instant.now().isBefore(deadline)) {
      Reply r = call("GET", path, null);
      last = r.body();
      if (r.status() == 200 && done.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "GET " + path + " never satisfied the condition; last answer: " + last);
  }
}
