package io.borealis.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scheduler that answers what a test told it to, on a loopback port, and records what it was
 * asked. Answers are looked up by method and URI; a long-poll's {@code index} and {@code wait} are
 * ignored, and anything unknown gets the scheduler's 404 problem.
 */
final class FakeScheduler implements AutoCloseable {

  record Request(String method, String uri, String contentType, String body) {}

  /** A body sent in chunks, flushed one by one, as a followed log arrives. */
  record Answer(int status, String contentType, List<byte[]> chunks) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
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
    answers.put(methodAndUri, answer);
    return this;
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
            body));
    String key = exchange.getRequestMethod() + " " + uri.replaceAll("&(index|wait)=[^&]*", "");
    Answer answer =
        answers.getOrDefault(
            key,
            new Answer(
                404,
                "application/problem+json",
                List.of(
                    utf8(
                        "{\"title\": \"Not Found\", \"status\": 404, \"detail\": \"No resource at "
                            + exchange.getRequestURI().getPath()
                            + "\"}"))));
    exchange.getResponseHeaders().set("Content-Type", answer.contentType());
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
