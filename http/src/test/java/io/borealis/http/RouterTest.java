package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Matching paths against templates, and the rest-of-path parameter {@code {name+}}. */
class RouterTest {

  private final Router router =
      new Router()
          .get("/tasks/{task_id}", call -> null)
          .get("/tasks/{task_id}/sandbox", call -> null)
          .get("/tasks/{task_id}/sandbox/{path+}", call -> null);

  @Test
  void aRestParameterBindsOneOrMoreSegments() {
    assertThat(params("/tasks/t1/sandbox/stdout")).containsEntry("path", "stdout");
    assertThat(params("/tasks/t1/sandbox/.logs/hello/stdout"))
        .containsEntry("task_id", "t1")
        .containsEntry("path", ".logs/hello/stdout");
    assertThat(found("/tasks/t1/sandbox").route().template()).isEqualTo("/tasks/{task_id}/sandbox");
  }

  @Test
  void segmentsAreDecodedOneByOne() {
    assertThat(params("/tasks/t1/sandbox/a%2Fb/c+d%20e")).containsEntry("path", "a/b/c+d e");
  }

  @Test
  void theDocumentedTemplateDropsThePlus() {
    assertThat(found("/tasks/t1/sandbox/x").route().documentedTemplate())
        .isEqualTo("/tasks/{task_id}/sandbox/{path}");
  }

  @Test
  void onlyTheLastSegmentMayBindTheRest() {
    assertThatThrownBy(() -> new Router().get("/tasks/{rest+}/sandbox", call -> null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void otherMethodsAndPathsDoNotMatch() {
    assertThat(router.match("POST", "/tasks/t1/sandbox/a/b"))
        .isEqualTo(new Router.Match.WrongMethod(java.util.List.of("GET")));
    assertThat(router.match("GET", "/jobs/t1/sandbox/a")).isInstanceOf(Router.Match.NotFound.class);
  }

  @Test
  void anEmptySegmentIsRefusedNeverReadAsAShorterPath() {
    Router jobs =
        new Router()
            .post("/api/v1/jobs/{role}/{env}/{name}", call -> null)
            .post("/api/v1/jobs/{role}/{env}/{name}/diff", call -> null)
            .get("/api/v1/jobs", call -> null);

    for (String path :
        List.of(
            "/api/v1/jobs/r/prod//diff",
            "/api/v1/jobs/r//prod/diff2",
            "//api/v1/jobs/r/prod/x1",
            "/api/v1/jobs//r/prod/x1",
            "/api/v1/jobs/r/prod/x//",
            "/tasks/t1//sandbox")) {
      assertThat(jobs.match("POST", path)).as(path).isEqualTo(new Router.Match.EmptySegment());
      assertThat(router.match("GET", path)).as(path).isEqualTo(new Router.Match.EmptySegment());
    }
  }

  @Test
  void oneTrailingSlashNamesTheSameResource() {
    assertThat(params("/tasks/t1/sandbox/.logs/hello/")).containsEntry("path", ".logs/hello");
    assertThat(found("/tasks/t1/sandbox/").route().template())
        .isEqualTo("/tasks/{task_id}/sandbox");
  }

  private Router.Match.Found found(String path) {
    Router.Match m = router.match("GET", path);
    assertThat(m).as(path).isInstanceOf(Router.Match.Found.class);
    return (Router.Match.Found) m;
  }

  private Map<String, String> params(String path) {
    return found(path).params();
  }
}
