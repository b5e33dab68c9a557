package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.http.auth.AuthSettings;
import io.borealis.http.auth.Authenticator;
import io.borealis.http.auth.Identity;
import io.borealis.http.auth.Passwords;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Authentication and authorisation at the edge, over HTTP: every endpoint that changes state (taken
 * from the API's own list, so a new one cannot escape) refuses callers without credentials (401)
 * and callers of another role (403) before its handler runs; what each kind of user may do; the
 * audit line; the rate limit, CORS and security headers.
 */
class AuthEdgeTest {

  private static final String PASSWORD = "correct horse";

  private static RouteFixture fixture;
  private static Path users;
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void setUp() throws Exception {
    fixture = RouteFixture.start("auth-edge-test");
    users = Files.createTempFile("users", ".conf");
    String hash = Passwords.hash(PASSWORD.toCharArray(), 4, new SecureRandom());
    Files.writeString(
        users,
        """
        users {
          root { password = "%1$s", roles = [admin] }
          ci { password = "%1$s", roles = [www-data] }
          stranger { password = "%1$s", roles = [other] }
          pulser { password = "%1$s", roles = [hello-pulser] }
        }
        roles { hello-pulser = ["update:pulse:www-data/prod/hello"] }
        """
            .formatted(hash));
  }

  @AfterAll
  static void tearDown() throws Exception {
    Files.deleteIfExists(users);
    fixture.close();
  }

  private static EdgeSecurity security(
      boolean anonymousReads, RateLimits limits, Set<String> cors) {
    AtomicLong nanos = new AtomicLong();
    return new EdgeSecurity(
        new Authenticator(
            new AuthSettings(
                true,
                Optional.of(users),
                anonymousReads,
                false,
                Duration.ofSeconds(5),
                Duration.ofMinutes(5)),
            Runnable::run,
            nanos::get),
        limits,
        cors,
        nanos::get);
  }

  private static EdgeSecurity security() {
    return security(true, new RateLimits(0, 1, () -> 0), Set.of());
  }

  private static Api api(EdgeSecurity security) {
    return new Api(fixture.context(), fixture.materializer, security);
  }

  private static int serve(Api api) throws Exception {
    return fixture.bind(api);
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** The path of an endpoint with every parameter bound to a plausible value. */
  private static String concrete(Endpoint e) {
    return e.template()
        .replace("{role}", "www-data")
        .replace("{env}", "prod")
        .replace("{name}", "hello")
        .replace("{id}", "u1")
        .replace("{task_id}", "t1")
        .replace("{agent_id}", "a1")
        .replace("{path+}", "stdout");
  }

  private static Map<String, String> bound(Endpoint e) {
    Map<String, String> args = new HashMap<>();
    args.put("role", "www-data");
    args.put("env", "prod");
    args.put("name", "hello");
    args.put("id", "u1");
    args.put("task_id", "t1");
    args.put("agent_id", "a1");
    args.put("path", "stdout");
    args.keySet().removeIf(k -> !e.template().contains("{" + k));
    return args;
  }

  private static HttpResponse<String> send(
      int port, String method, String path, Optional<String> authorization) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .method(
                method,
                method.equals("GET")
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString("{}"));
    authorization.ifPresent(a -> b.header("Authorization", a));
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode problem(HttpResponse<String> r) throws Exception {
    assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
    return Json.MAPPER.readTree(r.body());
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void everyMutatingEndpointRefusesCallersWithoutCredentialsAndOfAnotherRole() throws Exception {
    Api api = api(security());
    int port = serve(api);
    List<Endpoint> writes = api.routes().stream().filter(Endpoint::mutates).toList();
    assertThat(writes).hasSizeGreaterThan(25);

    for (Endpoint e : writes) {
      String path = concrete(e);
      HttpResponse<String> anonymous = send(port, e.method(), path, Optional.empty());
      HttpResponse<String> wrong = send(port, e.method(), path, Optional.of(basic("ci", "nope")));
      HttpResponse<String> stranger =
          send(port, e.method(), path, Optional.of(basic("stranger", PASSWORD)));

      assertThat(anonymous.statusCode()).as("%s %s anonymous", e.method(), path).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("www-authenticate"))
          .hasValue("Basic realm=\"borealis\"");
      assertThat(problem(anonymous).get("status").asInt()).isEqualTo(401);
      assertThat(wrong.statusCode()).as("%s %s wrong password", e.method(), path).isEqualTo(401);
      assertThat(stranger.statusCode()).as("%s %s other role", e.method(), path).isEqualTo(403);
      assertThat(problem(stranger).get("detail").asText())
          .contains("stranger")
          .contains("lacks the permission");
    }
  }

  @Test
  void aRoleUserMayChangeOnlyItsOwnJobsAndUpdatesAndAPulserOnlyPulse() {
    Api api = api(security());
    Identity ci = identity("ci", "job:write:www-data", "update:*:www-data", "job:read:*");
    Identity pulser = identity("pulser", "update:pulse:www-data/prod/hello");
    List<String> ciMay = new ArrayList<>();
    List<String> pulserMay = new ArrayList<>();
    for (Endpoint e : api.routes()) {
      if (!e.mutates()) {
        continue;
      }
      var args = new Endpoint.Args(bound(e));
      String name = e.method() + " " + e.template();
      if (ApiDirectives.refusal(caller(ci), e.access(), args).isEmpty()) {
        ciMay.add(name);
      }
      if (ApiDirectives.refusal(caller(pulser), e.access(), args).isEmpty()) {
        pulserMay.add(name);
      }
    }

    assertThat(ciMay)
        .containsExactlyInAnyOrder(
            "POST /api/v1/jobs/{role}/{env}/{name}",
            "POST /api/v1/jobs/{role}/{env}/{name}/kill",
            "POST /api/v1/jobs/{role}/{env}/{name}/restart",
            "POST /api/v1/jobs/{role}/{env}/{name}/instances",
            "POST /api/v1/jobs/{role}/{env}/{name}/updates",
            "POST /api/v1/updates/{role}/{env}/{name}/{id}/pause",
            "POST /api/v1/updates/{role}/{env}/{name}/{id}/resume",
            "POST /api/v1/updates/{role}/{env}/{name}/{id}/abort",
            "POST /api/v1/updates/{role}/{env}/{name}/{id}/rollback",
            "POST /api/v1/updates/{role}/{env}/{name}/{id}/pulse");
    assertThat(pulserMay).containsExactly("POST /api/v1/updates/{role}/{env}/{name}/{id}/pulse");
  }

  private static Identity identity(String user, String... permissions) {
    return new Identity(
        user,
        true,
        java.util.Arrays.stream(permissions)
            .map(io.borealis.http.auth.Permission::parse)
            .collect(java.util.stream.Collectors.toSet()));
  }

  private static ApiDirectives.Caller caller(Identity who) {
    return new ApiDirectives.Caller(who, true, false);
  }

  @Test
  void readsFollowTheAnonymousReadsSettingAndProbesStayOpen() throws Exception {
    int open = serve(api(security()));
    int closed = serve(api(security(false, new RateLimits(0, 1, () -> 0), Set.of())));

    assertThat(send(open, "GET", "/api/v1/roles", Optional.empty()).statusCode()).isEqualTo(200);
    assertThat(send(closed, "GET", "/api/v1/roles", Optional.empty()).statusCode()).isEqualTo(401);
    assertThat(
            send(closed, "GET", "/api/v1/roles", Optional.of(basic("ci", PASSWORD))).statusCode())
        .isEqualTo(200);
    assertThat(
            send(closed, "GET", "/api/v1/roles", Optional.of(basic("pulser", PASSWORD)))
                .statusCode())
        .isEqualTo(403);
    assertThat(send(closed, "GET", "/health", Optional.empty()).statusCode()).isEqualTo(200);
  }

  @Test
  void everyMutatingRequestLeavesOneAuditLineWithoutSecrets() throws Exception {
    Logger audit = (Logger) LoggerFactory.getLogger("io.borealis.audit");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    audit.addAppender(lines);
    try {
      int port = serve(api(security()));
      send(port, "POST", "/api/v1/jobs/www-data/prod/hello/kill", Optional.empty());
      send(
          port,
          "POST",
          "/api/v1/jobs/www-data/prod/hello/kill",
          Optional.of(basic("stranger", PASSWORD)));
      send(port, "GET", "/api/v1/roles", Optional.of(basic("stranger", PASSWORD)));

      assertThat(lines.list).hasSize(2);
      assertThat(lines.list.get(0).getFormattedMessage())
          .startsWith(
              "user=anonymous method=POST path=/api/v1/jobs/www-data/prod/hello/kill status=401");
      assertThat(lines.list.get(1).getFormattedMessage())
          .startsWith("user=stranger method=POST")
          .contains("status=403")
          .contains("duration_ms=");
      assertThat(lines.list)
          .allSatisfy(
              l ->
                  assertThat(l.getFormattedMessage())
                      .doesNotContain(PASSWORD)
                      .doesNotContain("Basic")
                      .doesNotContain("{}"));
    } finally {
      audit.detachAppender(lines);
    }
  }

  @Test
  void aClientPastItsRateIsToldToRetryLater() throws Exception {
    AtomicLong now = new AtomicLong();
    int port = serve(api(security(true, new RateLimits(1, 2, now::get), Set.of())));

    assertThat(send(port, "GET", "/api/v1/roles", Optional.empty()).statusCode()).isEqualTo(200);
    assertThat(send(port, "GET", "/api/v1/roles", Optional.empty()).statusCode()).isEqualTo(200);
    HttpResponse<String> third = send(port, "GET", "/api/v1/roles", Optional.empty());
    // Another client (a user) has its own bucket.
    HttpResponse<String> user =
        send(port, "GET", "/api/v1/roles", Optional.of(basic("ci", PASSWORD)));
    now.addAndGet(TimeUnit.SECONDS.toNanos(1));
    HttpResponse<String> later = send(port, "GET", "/api/v1/roles", Optional.empty());

    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("retry-after")).hasValue("1");
    assertThat(problem(third).get("status").asInt()).isEqualTo(429);
    assertThat(user.statusCode()).isEqualTo(200);
    assertThat(later.statusCode()).isEqualTo(200);
  }

  @Test
  void probesAnswerWhateverTheCredentialsAndPastTheRateLimit() throws Exception {
    AtomicLong now = new AtomicLong();
    int port = serve(api(security(false, new RateLimits(1, 1, now::get), Set.of())));

    assertThat(send(port, "GET", "/api/v1/roles", Optional.empty()).statusCode()).isEqualTo(401);
    assertThat(send(port, "GET", "/api/v1/roles", Optional.empty()).statusCode()).isEqualTo(429);
    // A load balancer's probe from the same address, with or without stale credentials.
    for (String probe : List.of("/health", "/leaderhealth", "/api/v1/openapi.json")) {
      assertThat(send(port, "GET", probe, Optional.empty()).statusCode())
          .as(probe)
          .isNotIn(401, 429);
      assertThat(send(port, "GET", probe, Optional.of(basic("ci", "stale"))).statusCode())
          .as(probe)
          .isNotIn(401, 429);
    }
  }

  @Test
  void everyResponseCarriesTheSecurityHeaders() throws Exception {
    int port = serve(api(security()));

    for (var r :
        List.of(
            send(port, "GET", "/health", Optional.empty()),
            send(port, "GET", "/nothing/here", Optional.empty()),
            send(port, "POST", "/api/v1/admin/reconcile", Optional.empty()))) {
      assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
      assertThat(r.headers().firstValue("x-frame-options")).hasValue("DENY");
      assertThat(r.headers().firstValue("referrer-policy")).hasValue("no-referrer");
      assertThat(r.headers().firstValue("content-security-policy"))
          .hasValueSatisfying(v -> assertThat(v).contains("frame-ancestors 'none'"));
    }
  }

  @Test
  void corsIsOffUnlessTheOriginIsAllowed() throws Exception {
    int off = serve(api(security()));
    int on =
        serve(api(security(true, new RateLimits(0, 1, () -> 0), Set.of("https://ui.example.com"))));

    HttpResponse<String> refused = preflight(off, "https://ui.example.com");
    HttpResponse<String> stranger = preflight(on, "https://evil.example.com");
    HttpResponse<String> allowed = preflight(on, "https://ui.example.com");

    assertThat(refused.statusCode()).isEqualTo(405);
    assertThat(refused.headers().firstValue("access-control-allow-origin")).isEmpty();
    assertThat(stranger.statusCode()).isEqualTo(405);
    assertThat(stranger.headers().firstValue("access-control-allow-origin")).isEmpty();
    assertThat(allowed.statusCode()).isEqualTo(204);
    assertThat(allowed.headers().firstValue("access-control-allow-origin"))
        .hasValue("https://ui.example.com");
  }

  private static HttpResponse<String> preflight(int port, String origin) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/jobs"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
