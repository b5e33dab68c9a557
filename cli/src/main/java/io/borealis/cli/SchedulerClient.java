package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The scheduler's HTTP API as the client uses it. Every failure leaves here as a {@link
 * CliException} with its exit code: an error status carries the decoded problem body (exit 1), no
 * answer at all names the URL that did not answer (exit 3).
 *
 * <p>Two conventions of the API are kept here, for every command:
 *
 * <ul>
 *   <li><b>Overload.</b> A {@code 503} or {@code 429} is retried after its {@code Retry-After}, at
 *       most {@link #MAX_RETRIES} times: always for a read, and for a write only when the answer
 *       carries {@code Retry-After}, the node's sign that it refused the write before doing
 *       anything (a 503 without it may be a write that timed out after it was handed on, which must
 *       not be sent twice). Past that the command fails with exit 3.
 *   <li><b>Read-your-writes.</b> Every answer carries {@code X-Borealis-Index}. Once a write was
 *       answered, every later read of this client passes {@code ?index=N&wait=...}, so the node
 *       that serves it (maybe not the one that took the write) answers only once its view has
 *       passed the write.
 *   <li><b>Failover.</b> A cluster may list several nodes ({@code scheduler_uri} as a list); any
 *       node answers any request. A request goes to the node that answered last (the first one to
 *       begin with), and moves on to the next one, in the file's order, when that node cannot be
 *       reached: always when no connection was made (nothing was sent); when the request was sent
 *       but got no answer, or was answered 503 without {@code Retry-After} (a node not ready, or
 *       leaving), only for the idempotent {@code GET} and {@code PUT}. A {@code POST} that got no
 *       answer may have been done, so it is not sent again: the command fails saying so. The
 *       read-your-writes index travels with the client, so a read that fails over still sees the
 *       client's writes.
 * </ul>
 */
final class SchedulerClient {

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final String INDEX_HEADER = "X-Borealis-Index";

  /** How long a read after a write waits for the serving node's view to pass the write. */
  static final Duration READ_YOUR_WRITES_WAIT = Duration.ofSeconds(5);

  /** Retries of one request answered 503 or 429. */
  static final int MAX_RETRIES = 4;

  /** The wait before a retry when the answer does not say, and the most it may ask for. */
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);

  /** A successful JSON answer and the read-side index it carries. */
  record Reply(int status, JsonNode body, OptionalLong index) {}

  private final Clusters.Cluster cluster;
  private final HttpClient http;
  private final Optional<PrintStream> trace;
  private final Env env;
  // Sent as HTTP Basic when the environment or ~/.netrc has some for the scheduler's host.
  private final Optional<Credentials> credentials;
  // The index of the newest write this client made; reads wait until their node has passed it.
  private OptionalLong written = OptionalLong.empty();
  // The node (index into the cluster's URIs) that answered last; requests start there.
  private int current = 0;

  SchedulerClient(Clusters.Cluster cluster, HttpClient http, Optional<PrintStream> trace, Env env) {
    this.cluster = cluster;
    this.http = http;
    this.trace = trace;
    this.env = env;
    this.credentials =
        Credentials.forHost(env, Optional.ofNullable(cluster.schedulerUri().getHost()).orElse(""));
  }

  /** A client that trusts the JVM's certificates and those of {@code BOREALIS_CA_FILE}. */
  static HttpClient newHttpClient(Env env) {
    // HTTP/1.1: no h2c upgrade dance with the scheduler, and streamed logs arrive chunked.
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            // NORMAL never follows from https to http, so credentials do not leave TLS.
            .followRedirects(HttpClient.Redirect.NORMAL);
    Credentials.trust(env).ifPresent(b::sslContext);
    return b.build();
  }

  Clusters.Cluster cluster() {
    return cluster;
  }

  /** The base of API requests to the node that answered last, without a trailing slash. */
  String apiBase() {
    return cluster.apiBase(current);
  }

  /** The index of this client's newest write, if it made one and the node said. */
  OptionalLong written() {
    return written;
  }

  /** A read; after a write of this client, one that reflects it. */
  Reply get(String path) {
    return json(request(readYourWrites(path)).header("Accept", "application/json").GET().build());
  }

  /** A write; its index is remembered for the reads that follow. */
  Reply post(String path, JsonNode body) {
    return write("POST", path, body);
  }

  /** A write that replaces what the path names (a quota); as {@link #post}. */
  Reply put(String path, JsonNode body) {
    return write("PUT", path, body);
  }

  private Reply write(String method, String path, JsonNode body) {
    Reply reply =
        json(
            request(path)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(Json.compact(body)))
                .build());
    if (reply.index().isPresent()
        && (written.isEmpty() || written.getAsLong() < reply.index().getAsLong())) {
      written = reply.index();
    }
    return reply;
  }

  /** Every item of a list route, page after page. */
  ArrayNode items(String path) {
    ArrayNode items = Json.array();
    while (true) {
      JsonNode page = get(withParam(path, "offset", Integer.toString(items.size()))).body();
      JsonNode some = page.path("items");
      some.forEach(items::add);
      if (some.isEmpty() || items.size() >= page.path("total").asInt()) {
        return items;
      }
    }
  }

  /**
   * A raw body, as it arrives. Without a time limit on the answer, since a followed log streams for
   * as long as its task runs; the connect timeout still applies.
   */
  InputStream stream(String path) {
    HttpRequest request =
        request(path).timeout(Duration.ofDays(365)).header("Accept", "*/*").GET().build();
    HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() >= 400) {
      throw refusal(Problem.decode(response.statusCode(), bytes(request, response)), request);
    }
    return response.body();
  }

  // A path that does not name its own index gets the one of this client's newest write.
  private String readYourWrites(String path) {
    if (written.isEmpty() || path.matches(".*[?&]index=.*")) {
      return path;
    }
    return withParam(
        withParam(path, "index", Long.toString(written.getAsLong())),
        "wait",
        READ_YOUR_WRITES_WAIT.toMillis() + "ms");
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(apiBase() + path))
            .timeout(REQUEST_TIMEOUT)
            .header("User-Agent", "borealis-cli/" + Cli.VERSION);
    credentials.ifPresent(c -> b.header("Authorization", c.basic()));
    return b;
  }

  /**
   * The error for a refused request; a 401 says plainly where credentials go, or which ones were
   * refused (a 403's problem already names the missing permission).
   */
  private CliException refusal(Problem problem, HttpRequest request) {
    if (problem.status() == 401) {
      if (credentials.isEmpty()) {
        return CliException.refused(
            "The scheduler at "
                + apiBase()
                + " asks for a user and password: put them in ~/.netrc (machine "
                + cluster.schedulerUri().getHost()
                + " login USER password PASSWORD) or "
                + Credentials.USER
                + "/"
                + Credentials.PASSWORD
                + ".");
      }
      return CliException.refused(
          "The scheduler at "
              + apiBase()
              + " refused the user and password of "
              + credentials.get().user()
              + " (from "
              + credentials.get().source()
              + "): "
              + problem.detail());
    }
    if (problem.updateId().isPresent()) {
      // The job is updating: say how to follow the update, or end it.
      String[] parts = request.uri().getRawPath().split("/");
      if (parts.length >= 7 && parts[3].equals("jobs")) {
        String update =
            cluster.name()
                + "/"
                + parts[4]
                + "/"
                + parts[5]
                + "/"
                + parts[6]
                + " "
                + problem.updateId().get();
        return CliException.refused(
            problem,
            List.of(
                "  Wait for it with: borealis update wait " + update,
                "  or end it with: borealis update abort " + update));
      }
    }
    return CliException.refused(problem);
  }

  private Reply json(HttpRequest request) {
    HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() >= 400) {
      throw refusal(Problem.decode(response.statusCode(), response.body()), request);
    }
    JsonNode body = Json.parseOrNull(response.body());
    if (body == null) {
      body = Json.object();
    }
    return new Reply(response.statusCode(), body, index(response));
  }

  static OptionalLong index(HttpResponse<?> response) {
    Optional<String> header = response.headers().firstValue(INDEX_HEADER);
    if (header.isPresent()) {
      try {
        return OptionalLong.of(Long.parseLong(header.get().strip()));
      } catch (NumberFormatException e) {
        // Not ours to judge: without an index the caller polls instead of long-polling.
      }
    }
    return OptionalLong.empty();
  }

  /** Sends, and sends again while the node is overloaded and a retry is safe. */
  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    Instant first = env.clock().instant();
    // The path and query, to be sent to whichever node answers.
    String tail = request.uri().toString().substring(apiBase().length());
    for (int retries = 0; ; retries++) {
      HttpResponse<T> response = sendToAnyNode(request, tail, handler);
      int status = response.statusCode();
      if (status != 503 && status != 429) {
        return response;
      }
      Optional<Duration> after = retryAfter(response, env.clock().instant());
      boolean safe = request.method().equals("GET") || after.isPresent();
      if (!safe) {
        // The node may have done the write: the caller reports the problem as it is.
        return response;
      }
      Problem problem = Problem.decode(status, bytes(request, response));
      if (retries == MAX_RETRIES) {
        long seconds = Duration.between(first, env.clock().instant()).toSeconds();
        throw CliException.unreachable(
            "the scheduler of cluster '"
                + cluster.name()
                + "' is overloaded: "
                + problem.summary()
                + "; gave up after "
                + (retries + 1)
                + " tries in "
                + seconds
                + "s"
                + (request.method().equals("GET") ? "" : " (nothing was changed)")
                + ". Try again later.");
      }
      Duration wait = after.orElse(DEFAULT_RETRY_AFTER);
      trace.ifPresent(
          t -> t.println("  overloaded (" + status + "); retrying in " + Cli.human(wait)));
      try {
        env.sleeper().sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.unreachable("interrupted while waiting for " + request.uri());
      }
    }
  }

  /**
   * What {@code Retry-After} asks for (seconds, or an HTTP date), at most {@link #MAX_RETRY_AFTER};
   * empty when the answer has none or it cannot be read.
   */
  static Optional<Duration> retryAfter(HttpResponse<?> response, Instant now) {
    return response.headers().firstValue("Retry-After").flatMap(v -> retryAfter(v, now));
  }

  static Optional<Duration> retryAfter(String value, Instant now) {
    Duration wait;
    try {
      wait = Duration.ofSeconds(Long.parseLong(value.strip()));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at =
            ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        wait = Duration.between(now, at);
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
    if (wait.isNegative()) {
      wait = Duration.ZERO;
    }
    return Optional.of(wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait);
  }

  private byte[] bytes(HttpRequest request, HttpResponse<?> response) {
    Object body = response.body();
    if (body instanceof byte[] b) {
      return b;
    }
    if (body instanceof InputStream in) {
      try (in) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw unreachable(request.uri(), e);
      }
    }
    return new byte[0];
  }

  /**
   * Sends to the node that answered last, then to the others in turn while a node cannot be reached
   * and moving on is safe (see the class comment). Returns the first answer that settles it, or the
   * last 503 when every node said it; throws when no node answered.
   */
  private <T> HttpResponse<T> sendToAnyNode(
      HttpRequest template, String tail, HttpResponse.BodyHandler<T> handler) {
    int nodes = cluster.schedulerUris().size();
    boolean idempotent = template.method().equals("GET") || template.method().equals("PUT");
    List<String> failures = new ArrayList<>();
    HttpResponse<T> unavailable = null;
    for (int k = 0; k < nodes; k++) {
      int node = (current + k) % nodes;
      HttpRequest request =
          nodes == 1
              ? template
              : HttpRequest.newBuilder(template, (name, value) -> true)
                  .uri(URI.create(cluster.apiBase(node) + tail))
                  .build();
      HttpResponse<T> response;
      try {
        response = sendOnce(request, handler);
      } catch (IOException e) {
        boolean sent = !(e instanceof ConnectException || e instanceof HttpConnectTimeoutException);
        failures.add(cluster.apiBase(node) + ": " + why(request.uri(), e));
        if (sent && !idempotent) {
          throw CliException.unreachable(
              unreachableMessage(failures)
                  + ". The request was sent but not answered: it may have been done. Check"
                  + " before trying again.");
        }
        next(node, nodes, "cannot reach " + cluster.apiBase(node));
        continue;
      }
      if (response.statusCode() == 503
          && response.headers().firstValue("Retry-After").isEmpty()
          && idempotent
          && nodes > 1) {
        // Not ready or leaving: another node may answer. Kept (unread) in case none does.
        if (unavailable != null) {
          discard(unavailable);
        }
        unavailable = response;
        failures.add(cluster.apiBase(node) + ": answered 503");
        next(node, nodes, cluster.apiBase(node) + " answered 503");
        continue;
      }
      if (unavailable != null) {
        discard(unavailable);
      }
      current = node;
      return response;
    }
    if (unavailable != null) {
      // The caller waits and asks again, from the same node as this time.
      return unavailable;
    }
    throw CliException.unreachable(unreachableMessage(failures));
  }

  private void next(int node, int nodes, String what) {
    if (nodes > 1) {
      trace.ifPresent(
          t -> t.println("  " + what + "; trying " + cluster.apiBase((node + 1) % nodes)));
    }
  }

  private void discard(HttpResponse<?> response) {
    if (response.body() instanceof InputStream in) {
      try {
        in.close();
      } catch (IOException e) {
        // Nothing more is read from it.
      }
    }
  }

  private String unreachableMessage(List<String> failures) {
    if (failures.size() == 1) {
      return "cannot reach the scheduler of cluster '" + cluster.name() + "' at " + failures.get(0);
    }
    return "cannot reach any scheduler of cluster '"
        + cluster.name()
        + "' ("
        + failures.size()
        + " tried): "
        + String.join("; ", failures);
  }

  private <T> HttpResponse<T> sendOnce(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    long start = System.nanoTime();
    trace.ifPresent(t -> t.println("> " + request.method() + " " + request.uri()));
    try {
      HttpResponse<T> response = http.send(request, handler);
      trace.ifPresent(
          t ->
              t.println(
                  "< "
                      + response.statusCode()
                      + " ("
                      + (System.nanoTime() - start) / 1_000_000
                      + " ms)"));
      return response;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.unreachable("interrupted while waiting for " + request.uri());
    }
  }

  private CliException unreachable(URI uri, IOException e) {
    return CliException.unreachable(unreachableMessage(List.of(apiBase() + ": " + why(uri, e))));
  }

  private static String why(URI uri, IOException e) {
    String why;
    if (e instanceof HttpConnectTimeoutException) {
      why = "no connection within " + CONNECT_TIMEOUT.toSeconds() + "s";
    } else if (e instanceof HttpTimeoutException) {
      why = "no answer within " + REQUEST_TIMEOUT.toSeconds() + "s";
    } else if (e instanceof ConnectException) {
      // The JDK's ConnectException often has no message; its cause says refused or unresolved.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      why =
          cause instanceof java.nio.channels.UnresolvedAddressException
              ? "unknown host " + uri.getHost()
              : cause.getMessage() == null ? "connection refused" : cause.getMessage();
    } else if (e instanceof javax.net.ssl.SSLHandshakeException && untrusted(e)) {
      why =
          "its certificate is not trusted ("
              + e.getMessage()
              + "); for a private CA or a self-signed certificate, name its PEM file in"
              + " BOREALIS_CA_FILE";
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return why;
  }

  /** Whether a failed TLS handshake failed on the scheduler's certificate. */
  private static boolean untrusted(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException) {
        return true;
      }
    }
    return false;
  }

  /** One path segment, escaped. */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String withParam(String path, String name, String value) {
    return path
        + (path.contains("?") ? "&" : "?")
        + URLEncoder.encode(name, StandardCharsets.UTF_8)
        + "="
        + URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
