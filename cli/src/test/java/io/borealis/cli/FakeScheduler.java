package io.borealis.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scheduler that answers what a test told it to, on a loopback port, and records what it was
 * asked. Answers are looked up by method and URI; the {@code index} and {@code wait} of a read are
 * left out of the lookup (the requests keep them), and anything unknown gets the scheduler's 404
 * problem.
 */
final class FakeScheduler implements AutoCloseable {

  record Request(
      String method, String uri, String contentType, String body, String authorization) {}

  /** A body sent in chunks, flushed one by one, as a followed log arrives. */
  record Answer(int status, String contentType, List<byte[]> chunks, Map<String, String> headers) {
    Answer(int status, String contentType, List<byte[]> chunks) {
      this(status, contentType, chunks, Map.of());
    }

    static Answer json(int status, String json, Map<String, String> headers) {
      String type = status >= 400 ? "application/problem+json" : "application/json";
      return new Answer(status, type, List.of(utf8(json)), headers);
    }
  }

  private final HttpServer server;
  // Answers given in turn; the last one stays.
  private final Map<String, Deque<Answer>> answers = new ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();

  FakeScheduler() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  FakeScheduler json(String methodAndUri, int status, String json) {
    String type = status >= 400 ? "application/problem+json" : "application/json";
    return answer(methodAndUri, new Answer(status, type, List.of(utf8(json))));
  }

  FakeScheduler answer(String methodAndUri, Answer answer) {
    return answers(methodAndUri, answer);
  }

  /** Answers given one after the other to the same request; the last one stays. */
  FakeScheduler answers(String methodAndUri, Answer... inTurn) {
    answers.put(methodAndUri, new ArrayDeque<>(List.of(inTurn)));
    return this;
  }

  /** The requests with this method and URI (index and wait left out), in the order they came. */
  List<Request> requests(String methodAndUri) {
    return requests.stream().filter(r -> key(r.method(), r.uri()).equals(methodAndUri)).toList();
  }

  static String key(String method, String uri) {
    return method
        + " "
        + uri.replaceAll("[?&](index|wait)=[^&]*", "").replaceFirst("^([^?]*)&", "$1?");
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String uri = exchange.getRequestURI().toString();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(
        new Request(
            exchange.getRequestMethod(),
            uri,
            exchange.getRequestHeaders().getFirst("Content-Type"),
            body,
            exchange.getRequestHeaders().getFirst("Authorization")));
    Deque<Answer> queued = answers.get(key(exchange.getRequestMethod(), uri));
    Answer answer =
        queued != null
            ? (queued.size() > 1 ? queued.poll() : queued.peek())
            : new Answer(
                404,
                "application/problem+json",
                List.of(
                    utf8(
                        "{\"title\": \"Not Found\", \"status\": 404, \"detail\": \"No resource at "
                            + exchange.getRequestURI().getPath()
                            + "\"}")));
    exchange.getResponseHeaders().set("Content-Type", answer.contentType());
    answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    // Length 0 asks for chunked transfer: each chunk leaves as it is written.
    exchange.sendResponseHeaders(answer.status(), 0);
    try (OutputStream out = exchange.getResponseBody()) {
      for (byte[] chunk : answer.chunks()) {
        out.write(chunk);
        out.flush();
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
