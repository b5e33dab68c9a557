package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Matching paths against endpoint templates through the directive tree: the rest-of-path parameter
 * {@code {name+}}, decoding, trailing and empty segments, 404 and 405.
 */
class EndpointTest {

  private static RouteFixture fixture;

  @BeforeAll
  static void setUp() {
    fixture = RouteFixture.start("endpoint-test");
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  /** An endpoint that answers with its template and what it bound. */
  private static Endpoint echo(String method, String template) {
    return new Endpoint(
        method,
        template,
        args -> Directives.complete(template + " " + new TreeMap<>(args.values())));
  }

  private static final List<Endpoint> SANDBOX =
      List.of(
          echo("GET", "/tasks/{task_id}"),
          echo("GET", "/tasks/{task_id}/sandbox"),
          echo("GET", "/tasks/{task_id}/sandbox/{path+}"));

  @Test
  void aRestParameterBindsOneOrMoreSegments() throws Exception {
    assertThat(body("/tasks/t1/sandbox/stdout")).endsWith("{path=stdout, task_id=t1}");
    assertThat(body("/tasks/t1/sandbox/.logs/hello/stdout"))
        .isEqualTo("/tasks/{task_id}/sandbox/{path+} {path=.logs/hello/stdout, task_id=t1}");
    assertThat(body("/tasks/t1/sandbox")).isEqualTo("/tasks/{task_id}/sandbox {task_id=t1}");
  }

  @Test
  void segmentsAreDecodedOneByOne() throws Exception {
    assertThat(body("/tasks/t1/sandbox/a%2Fb/c+d%20e")).endsWith("{path=a/b/c+d e, task_id=t1}");
  }

  @Test
  void theDocumentedTemplateDropsThePlus() {
    assertThat(SANDBOX.get(2).documentedTemplate()).isEqualTo("/tasks/{task_id}/sandbox/{path}");
  }

  @Test
  void onlyTheLastSegmentMayBindTheRest() {
    assertThatThrownBy(() -> echo("GET", "/tasks/{rest+}/sandbox"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void otherMethodsAndPathsDoNotMatch() throws Exception {
    HttpResponse post =
        send(SANDBOX, HttpRequest.create("/tasks/t1/sandbox/a/b").withMethod(HttpMethods.POST));
    assertThat(post.status().intValue()).isEqualTo(405);
    assertThat(post.getHeader("Allow").map(h -> h.value())).contains("GET");
    assertThat(send(SANDBOX, HttpRequest.GET("/jobs/t1/sandbox/a")).status().intValue())
        .isEqualTo(404);
    assertThat(send(SANDBOX, HttpRequest.GET("/tasksX/t1")).status().intValue()).isEqualTo(404);
  }

  @Test
  void anEmptySegmentIsRefusedNeverReadAsAShorterPath() throws Exception {
    List<Endpoint> jobs =
        List.of(
            echo("POST", "/api/v1/jobs/{role}/{env}/{name}"),
            echo("POST", "/api/v1/jobs/{role}/{env}/{name}/diff"),
            echo("GET", "/api/v1/jobs"));
    for (String path :
        List.of(
            "/api/v1/jobs/r/prod//diff",
            "/api/v1/jobs/r//prod/diff2",
            "//api/v1/jobs/r/prod/x1",
            "/api/v1/jobs//r/prod/x1",
            "/api/v1/jobs/r/prod/x//",
            "/tasks/t1//sandbox")) {
      for (List<Endpoint> table : List.of(jobs, SANDBOX)) {
        // A path that starts with // would read as an authority; the host keeps it a path.
        HttpResponse r = send(table, HttpRequest.POST("http://borealis" + path));
        assertThat(r.status().intValue()).as(path).isEqualTo(400);
        assertThat(problem(r).path("errors").get(0).path("field").asText()).isEqualTo("path");
      }
    }
  }

  @Test
  void oneTrailingSlashNamesTheSameResource() throws Exception {
    assertThat(body("/tasks/t1/sandbox/.logs/hello/")).endsWith("{path=.logs/hello, task_id=t1}");
    assertThat(body("/tasks/t1/sandbox/")).isEqualTo("/tasks/{task_id}/sandbox {task_id=t1}");
  }

  private static String body(String path) throws Exception {
    HttpResponse r = send(SANDBOX, HttpRequest.GET(path));
    assertThat(r.status().intValue()).as(path).isEqualTo(200);
    return text(r);
  }

  private static HttpResponse send(List<Endpoint> endpoints, HttpRequest request) throws Exception {
    Route route = Api.route(fixture.context(), endpoints);
    return route
        .handler(fixture.system)
        .apply(request)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static String text(HttpResponse r) throws Exception {
    return fixture.strict(r).getData().utf8String();
  }

  private static JsonNode problem(HttpResponse r) throws Exception {
    return Json.MAPPER.readTree(text(r));
  }
}
