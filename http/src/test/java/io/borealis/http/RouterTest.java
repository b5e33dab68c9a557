package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  private Router.Match.Found found(String path) {
    Router.Match m = router.match("GET", path);
    assertThat(m).as(path).isInstanceOf(Router.Match.Found.class);
    return (Router.Match.Found) m;
  }

  private Map<String, String> params(String path) {
    return found(path).params();
  }
}
