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
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The scheduler's HTTP API as the client uses it. Every failure leaves here as a {@link
 * CliException} with its exit code: an error status carries the decoded problem body (exit 1), no
 * answer at all names the URL that did not answer (exit 3).
 */
final class SchedulerClient {

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** A successful JSON answer and the read-side index it reflects, when it is a read. */
  record Reply(int status, JsonNode body, OptionalLong index) {}

  private final Clusters.Cluster cluster;
  private final HttpClient http;
  private final Optional<PrintStream> trace;

  SchedulerClient(Clusters.Cluster cluster, HttpClient http, Optional<PrintStream> trace) {
    this.cluster = cluster;
    this.http = http;
    this.trace = trace;
  }

  static HttpClient newHttpClient() {
    // HTTP/1.1: no h2c upgrade dance with the scheduler, and streamed logs arrive chunked.
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  Clusters.Cluster cluster() {
    return cluster;
  }

  Reply get(String path) {
    return json(request(path).header("Accept", "application/json").GET().build());
  }

  Reply post(String path, JsonNode body) {
    return json(
        request(path)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.compact(body)))
            .build());
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
      try (InputStream in = response.body()) {
        throw CliException.refused(Problem.decode(response.statusCode(), in.readAllBytes()));
      } catch (IOException e) {
        throw unreachable(request.uri(), e);
      }
    }
    return response.body();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(cluster.apiBase() + path))
        .timeout(REQUEST_TIMEOUT)
        .header("User-Agent", "borealis-cli/" + Cli.VERSION);
  }

  private Reply json(HttpRequest request) {
    HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() >= 400) {
      throw CliException.refused(Problem.decode(response.statusCode(), response.body()));
    }
    JsonNode body = Json.parseOrNull(response.body());
    if (body == null) {
      body = Json.object();
    }
    OptionalLong index = OptionalLong.empty();
    Optional<String> header = response.headers().firstValue("X-Borealis-Index");
    if (header.isPresent()) {
      try {
        index = OptionalLong.of(Long.parseLong(header.get()));
      } catch (NumberFormatException e) {
        // Not ours to judge: without an index the caller polls instead of long-polling.
      }
    }
    return new Reply(response.statusCode(), body, index);
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
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
    } catch (IOException e) {
      throw unreachable(request.uri(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.unreachable("interrupted while waiting for " + request.uri());
    }
  }

  private CliException unreachable(URI uri, IOException e) {
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
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return CliException.unreachable(
        "cannot reach the scheduler of cluster '"
            + cluster.name()
            + "' at "
            + cluster.apiBase()
            + ": "
            + why);
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
