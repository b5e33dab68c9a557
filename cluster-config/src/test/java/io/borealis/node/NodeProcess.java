package io.borealis.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A Borealis node in its own JVM, started with the server command as an operator would, so a test
 * can kill it with SIGKILL and start it again on the same data directory. Its store is the embedded
 * one, or Cassandra when the tests run with {@code -Dborealis.test.store=cassandra} (see {@link
 * CassandraTier}).
 */
final class NodeProcess implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  private final Path dataDir;
  private final Path config;
  private int port;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;
  private int starts;
  private long launchedAt;
  private String heap = "512m";
  private List<String> extraArgs = List.of();
  // Sent as the Authorization header of raw() and call() when set (as()).
  private java.util.Optional<String> authorization = java.util.Optional.empty();

  /** More arguments of the server command (a cluster member's --cluster-port and --seed). */
  private final List<String> serverArgs;

  NodeProcess(Path dataDir, String settings) throws IOException {
    this(dataDir, settings, dataDir, "", true);
  }

  /**
   * A node with {@code settings}; on the Cassandra tier's store only if {@code tierStore} (a test
   * that brings its own store says false).
   */
  NodeProcess(Path dataDir, String settings, boolean tierStore) throws IOException {
    this(dataDir, settings, dataDir, "", tierStore);
  }

  /**
   * As {@link #NodeProcess(Path, String)}, with {@code last} after the test tier's settings (for
   * instance another node's keyspace, to share its journal).
   */
  NodeProcess(Path dataDir, String settings, String last) throws IOException {
    this(dataDir, settings, dataDir, last, true);
  }

  /**
   * A node whose Cassandra keyspaces (on the Cassandra tier) are those of {@code storeKey}: nodes
   * given the same key share one journal, as the nodes of one cluster do.
   */
  NodeProcess(Path dataDir, String settings, Path storeKey) throws IOException {
    this(dataDir, settings, storeKey, "", true);
  }

  private NodeProcess(Path dataDir, String settings, Path storeKey, String last, boolean tierStore)
      throws IOException {
    this(
        dataDir,
        (tierStore && CassandraTier.enabled()
                ? settings + CassandraTier.settingsFor(storeKey)
                : settings)
            + last,
        List.of());
  }

  /** A node with exactly these settings (the store included) and server arguments. */
  NodeProcess(Path dataDir, String settings, List<String> serverArgs) throws IOException {
    this.dataDir = dataDir;
    this.serverArgs = List.copyOf(serverArgs);
    this.config = dataDir.resolveSibling(dataDir.getFileName() + ".conf");
    Files.writeString(config, settings);
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    // By port too: two nodes may be started on one data directory.
    this.log = Path.of("target", "node-" + dataDir.getFileName() + "-" + port + ".log");
  }

  /** Starts the node and waits until {@code /health} answers 200. */
  NodeProcess start() throws Exception {
    for (int attempt = 1; ; attempt++) {
      long logged = Files.exists(log) ? Files.size(log) : 0;
      launch();
      if (awaitHealthy()) {
        return this;
      }
      // The port was free when chosen, but something (another socket bound to port 0, such as
      // this node's own cluster transport) may have taken it before the node bound it.
      String said = Files.readString(log).substring(starts == 1 ? 0 : (int) logged);
      if (!said.contains("is already in use") || attempt == 3) {
        // The end of the log in the message: CI keeps the test report, not the log file.
        throw new IllegalStateException(
            "the node exited with "
                + process.exitValue()
                + "; see "
                + log.toAbsolutePath()
                + ", which ends with:\n"
                + said.substring(Math.max(0, said.length() - 4000)));
      }
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
    }
  }

  /** Waits for {@code /health} to answer 200; false if the node exited first. */
  private boolean awaitHealthy() throws Exception {
    Instant deadline = Instant.now().plusSeconds(180);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        return false;
      }
      try {
        if (raw("GET", "/health", null).statusCode() == 200) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the node did not become healthy; see " + log.toAbsolutePath());
  }

  /** Starts a node that is expected not to start, and returns its exit code once it exited. */
  int startExpectingExit(Duration timeout) throws Exception {
    launch();
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the node is still running; see " + log.toAbsolutePath());
    }
    return process.exitValue();
  }

  /** Everything the node printed (stdout and stderr) so far. */
  String output() throws IOException {
    return Files.readString(log);
  }

  private void launch() throws IOException {
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
    command.addAll(serverArgs);
    command.addAll(extraArgs);
    Files.createDirectories(log.toAbsolutePath().getParent());
    launchedAt = starts == 0 || !Files.exists(log) ? 0 : Files.size(log);
    ProcessBuilder builder = new ProcessBuilder(command);
    // -Dborealis.test.node-log-level=DEBUG: the nodes log at that level (for a failing test).
    String level = System.getProperty("borealis.test.node-log-level");
    if (level != null) {
      builder.environment().put("BOREALIS_LOG_LEVEL", level);
    }
    process =
        builder
            .redirectErrorStream(true)
            .redirectOutput(
                starts++ == 0
                    ? ProcessBuilder.Redirect.to(log.toFile())
                    : ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
  }

  /** More arguments of the server command from the next start on ({@code --auth-conf F}). */
  NodeProcess args(String... more) {
    this.extraArgs = List.of(more);
    return this;
  }

  /** Requests from now on carry these HTTP Basic credentials (none when {@code user} is null). */
  NodeProcess as(String user, String password) {
    this.authorization =
        user == null
            ? java.util.Optional.empty()
            : java.util.Optional.of(
                "Basic "
                    + java.util.Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    return this;
  }

  /** The node's maximum heap from its next start on (512m unless set). */
  NodeProcess heap(String xmx) {
    this.heap = xmx;
    return this;
  }

  int port() {
    return port;
  }

  /** What the node logged since its latest start. */
  String currentLog() throws IOException {
    byte[] all = Files.readAllBytes(log);
    int from = (int) Math.min(launchedAt, all.length);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }

  /** What the node logged so far, over all its starts. */
  String logText() throws IOException {
    return Files.readString(log);
  }

  /** Whether the node's process runs. */
  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Sends a signal such as STOP or CONT to the node's process. */
  void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException(
          "kill -" + name + " failed: " + new String(kill.getInputStream().readAllBytes()));
    }
  }

  /**
   * SIGTERM, as an operator stops a node, and waits up to {@code within} for it to exit; its exit
   * code.
   */
  int terminate(Duration within) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "the node did not exit within " + within + " of SIGTERM; see " + log.toAbsolutePath());
    }
    return process.exitValue();
  }

  /** Waits up to {@code within} for the process to exit on its own; whether it did. */
  boolean awaitExit(Duration within) throws InterruptedException {
    return process.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
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
    return raw(method, path, body, Duration.ofSeconds(60));
  }

  /** As {@link #raw(String, String, String)}, giving up after {@code timeout}. */
  HttpResponse<String> raw(String method, String path, String body, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    authorization.ifPresent(a -> b.header("Authorization", a));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  Reply call(String method, String path, String body) throws Exception {
    return call(method, path, body, Duration.ofSeconds(60));
  }

  /** As {@link #call(String, String, String)}, giving up after {@code timeout}. */
  Reply call(String method, String path, String body, Duration timeout) throws Exception {
    HttpResponse<String> r = raw(method, path, body, timeout);
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

  /** A response read off a socket: header names in lower case. */
  record Exchange(int status, Map<String, String> headers, String body) {}

  /**
   * Sends {@code request} byte for byte (ISO-8859-1) on a new connection: for requests no HTTP
   * client would send, such as a raw space in the target. A HEAD request's reply has no body.
   */
  Exchange exchange(String request) throws IOException {
    try (Socket socket = written(request)) {
      return read(socket, request);
    }
  }

  /**
   * Sends {@code request} as {@link #exchange} does and returns once it is written to the node's
   * connection; the reply is read meanwhile on a thread of its own.
   */
  CompletableFuture<Exchange> exchangeAsync(String request) throws IOException {
    Socket socket = written(request);
    CompletableFuture<Exchange> reply = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (socket) {
                reply.complete(read(socket, request));
              } catch (IOException | RuntimeException e) {
                reply.completeExceptionally(e);
              }
            },
            "exchange-" + port);
    reader.setDaemon(true);
    reader.start();
    return reply;
  }

  private Socket written(String request) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    try {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static Exchange read(Socket socket, String request) throws IOException {
    boolean head = request.startsWith("HEAD ");
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    int n;
    while ((n = in.read(chunk)) >= 0) {
      received.write(chunk, 0, n);
      String text = received.toString(StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        continue;
      }
      String[] lines = text.substring(0, end).split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
      String body = text.substring(end + 4);
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      if (head || body.length() >= length) {
        return new Exchange(Integer.parseInt(lines[0].split(" ")[1]), headers, head ? "" : body);
      }
    }
    throw new IOException("the connection closed before a whole response to " + request);
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
