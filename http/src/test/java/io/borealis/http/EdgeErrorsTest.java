package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Errors at the edge, sent over a raw socket so that requests no HTTP client would send arrive as
 * written: whatever Pekko refuses before routing, and whatever the router refuses, is a problem
 * body with a 4xx status (or a 503 with {@code Retry-After}), never plain text, never a 505.
 */
class EdgeErrorsTest {

  /** The node's server settings (cluster-config's http.conf) that this test depends on. */
  static final String SERVER_SETTINGS =
      """
      pekko.http.server {
        parsing.error-handler = "io.borealis.http.ParsingErrors"
        raw-request-uri-header = on
        transparent-head-requests = on
      }
      """;

  private static RouteFixture fixture;
  private static int port;
  private static int impatientPort;

  @BeforeAll
  static void serve() throws Exception {
    Config config = ConfigFactory.parseString(SERVER_SETTINGS).withFallback(ConfigFactory.load());
    fixture = RouteFixture.start("edge-errors-test", config);
    Api api = fixture.api();
    port = fixture.bind(api);
    impatientPort =
        fixture.bind(
            api,
            ServerSettings.create(
                ConfigFactory.parseString("pekko.http.server.request-timeout = 300ms")
                    .withFallback(config)));
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Refused by Pekko before routing

  @ParameterizedTest
  @ValueSource(strings = {"GET /api/v1/ro les HTTP/1.1", "GET /api/v1/jobs?role=a b HTTP/1.1"})
  void aRawSpaceInTheTargetIsABadRequestNotA505(String requestLine) throws Exception {
    Reply r = send(requestLine + "\r\nHost: x\r\n\r\n");

    r.assertProblem(400);
    assertThat(r.problem().get("detail").asText()).contains("%20");
  }

  @Test
  void anUnknownProtocolVersionIsABadRequest() throws Exception {
    send("GET /api/v1/roles HTTP/1.2\r\nHost: x\r\n\r\n").assertProblem(400);
  }

  @Test
  void aTooLongUriIsA414Problem() throws Exception {
    send("GET /api/v1/" + "a".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n").assertProblem(414);
  }

  @Test
  void tooLargeHeadersAreA431Problem() throws Exception {
    send("GET /api/v1/roles HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n")
        .assertProblem(431);
  }

  @ParameterizedTest
  @ValueSource(strings = {"TRACE", "CONNECT"})
  void aTraceOrConnectWithABodyIsAProblem(String method) throws Exception {
    Reply r = send(method + " /api/v1/roles HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab");

    r.assertProblem(422);
    assertThat(r.problem().get("detail").asText()).contains("must not have an entity");
  }

  @Test
  void aMethodPekkoDoesNotKnowIsABadRequestNotA501() throws Exception {
    Reply r = send("FOO /api/v1/roles HTTP/1.1\r\nHost: x\r\n\r\n");

    r.assertProblem(400);
    assertThat(r.problem().get("detail").asText()).contains("FOO").contains("GET");
  }

  @Test
  void otherMalformedRequestsAreBadRequestProblems() throws Exception {
    send("GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n").assertProblem(400);
    send("GET /api/v1/roles HTTP/1.1\r\n\r\n").assertProblem(400);
    send("GET /api/v1/roles HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n").assertProblem(400);
    send("POST /api/v1/config/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
        .assertProblem(400);
  }

  // ---------------------------------------------------------------------------------------------
  // Refused by the router

  @Test
  void aKnownMethodOnAPathThatDoesNotServeItIs405WithAllow() throws Exception {
    Reply delete = send("DELETE /api/v1/roles HTTP/1.1\r\nHost: x\r\n\r\n");
    Reply options = send("OPTIONS /api/v1/jobs/www-data/prod/x HTTP/1.1\r\nHost: x\r\n\r\n");
    Reply trace = send("TRACE /api/v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n");

    delete.assertProblem(405);
    assertThat(delete.headers()).containsEntry("allow", "GET");
    options.assertProblem(405);
    assertThat(options.headers()).containsEntry("allow", "POST, GET");
    trace.assertProblem(405);
    assertThat(trace.headers()).containsEntry("allow", "GET");
  }

  @Test
  void headIsAnsweredLikeGetWithoutTheBody() throws Exception {
    Reply r = send("HEAD /api/v1/roles HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers()).containsEntry("content-type", "application/json");
    assertThat(r.body()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "POST /api/v1/jobs/r/prod//diff",
        "POST /api/v1/jobs/r//prod/diff2",
        "GET /api/v1/jobs//r/prod/x1",
        "GET //api/v1/roles"
      })
  void anEmptySegmentIsABadRequestNamingThePath(String request) throws Exception {
    Reply r =
        send(
            request
                + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");

    r.assertProblem(400);
    assertThat(r.problem().get("errors").get(0).get("field").asText()).isEqualTo("path");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/v1/jobs/www-data/prod/.",
        "/api/v1/jobs/www-data/./prod/x",
        "/api/./v1/roles"
      })
  void aDotSegmentIsRefusedNotResolved(String path) throws Exception {
    Reply r = send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");

    r.assertProblem(400);
    assertThat(r.problem().get("errors").get(0).get("field").asText()).isEqualTo("path");
  }

  @Test
  void aWaitTooLargeForALongIsABadRequest() throws Exception {
    for (String wait :
        new String[] {"9223372036854775808", "9223372036854775807m", "99999999999999999999ms"}) {
      Reply r = send("GET /api/v1/jobs?index=1&wait=" + wait + " HTTP/1.1\r\nHost: x\r\n\r\n");

      r.assertProblem(400);
      assertThat(r.problem().get("errors").get(0).get("field").asText()).isEqualTo("wait");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timed out by Pekko

  @Test
  void aRequestThatOutlivesTheServerTimeoutIsA503ProblemWithRetryAfter() throws Exception {
    // The read waits up to 5 s for an index the view never reaches; the server gives up first.
    Reply r = send(impatientPort, "GET /api/v1/roles?index=99&wait=5s HTTP/1.1\r\nHost: x\r\n\r\n");

    r.assertProblem(503);
    assertThat(r.headers()).containsEntry("retry-after", "1");
  }

  // ---------------------------------------------------------------------------------------------
  // A raw HTTP/1.1 exchange

  record Reply(int status, Map<String, String> headers, String body) {

    JsonNode problem() throws IOException {
      return Json.MAPPER.readTree(body);
    }

    void assertProblem(int expected) throws IOException {
      assertThat(status).as("status of %s", this).isEqualTo(expected);
      assertThat(headers).containsEntry("content-type", "application/problem+json");
      assertThat(problem().get("status").asInt()).isEqualTo(expected);
      assertThat(problem().get("detail").asText()).isNotBlank();
    }
  }

  static Reply send(String request) throws IOException {
    return send(port, request);
  }

  static Reply send(int port, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      boolean head = request.startsWith("HEAD ");
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      while (true) {
        int n;
        try {
          n = in.read(chunk);
        } catch (SocketTimeoutException e) {
          break;
        }
        if (n < 0) {
          break;
        }
        received.write(chunk, 0, n);
        Optional<Reply> reply = parse(received.toString(StandardCharsets.UTF_8), head);
        if (reply.isPresent()) {
          return reply.get();
        }
      }
      return parse(received.toString(StandardCharsets.UTF_8), true)
          .orElseThrow(() -> new AssertionError("no response to " + request));
    }
  }

  /** The response, once all of it has arrived. */
  private static Optional<Reply> parse(String text, boolean noBody) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return Optional.empty();
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
    if (!noBody && body.length() < length) {
      return Optional.empty();
    }
    return Optional.of(
        new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, noBody ? "" : body));
  }
}
