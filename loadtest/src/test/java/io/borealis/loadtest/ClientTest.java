package io.borealis.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against a scripted server: each request gets the next scripted answer. */
class ClientTest {

  private record Scripted(int status, String retryAfter, String body) {}

  private final Deque<Scripted> script = new ArrayDeque<>();
  private final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
  private HttpServer server;
  private Client client;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
          Scripted next;
          synchronized (script) {
            next = script.removeFirst();
          }
          if (next.retryAfter() != null) {
            exchange.getResponseHeaders().add("Retry-After", next.retryAfter());
          }
          byte[] body = next.body().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(next.status(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    client = new Client("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void retriesARefusedWriteAfterRetryAfterAndCountsTheRefusals() throws Exception {
    script.add(new Scripted(503, "0", "{\"title\":\"overloaded\"}"));
    script.add(new Scripted(429, "0", "{\"title\":\"slow down\"}"));
    script.add(new Scripted(201, null, "{\"job_key\":\"a/b/c\"}"));

    Client.Answer answer =
        client.call("POST", "/api/v1/jobs/a/b/c", LoadTest.JSON.createObjectNode());

    assertThat(answer.status()).isEqualTo(201);
    assertThat(answer.attempts()).isEqualTo(3);
    assertThat(seen).containsOnly("POST /api/v1/jobs/a/b/c").hasSize(3);
    assertThat(client.refused503()).isEqualTo(1);
    assertThat(client.refused429()).isEqualTo(1);
    assertThat(client.mutating().count()).isEqualTo(3);
  }

  @Test
  void retriesARefusedReadWithoutTheHeader() throws Exception {
    script.add(new Scripted(503, null, "{}"));
    script.add(new Scripted(200, null, "{\"total\":7}"));

    assertThat(client.get("/api/v1/jobs?limit=0").get("total").asInt()).isEqualTo(7);
    assertThat(client.refused503()).isEqualTo(1);
    assertThat(client.mutating().count()).isZero();
  }

  @Test
  void anotherErrorEndsTheRequestAtOnce() {
    script.add(new Scripted(409, null, "{\"title\":\"exists\"}"));

    assertThatThrownBy(
            () -> client.send("POST", "/api/v1/jobs/a/b/c", LoadTest.JSON.createObjectNode(), 201))
        .hasMessageContaining("answered 409");
    assertThat(seen).hasSize(1);
  }
}
