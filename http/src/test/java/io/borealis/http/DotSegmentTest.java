package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawRequestURI;
import org.junit.jupiter.api.Test;

/** The path as the client sent it: a {@code .} or {@code ..} segment in any spelling is found. */
class DotSegmentTest {

  @Test
  void findsDotDotSegmentsPlainOrEncoded() {
    assertThat(sent("/api/v1/tasks/t/sandbox/../../etc/passwd")).isTrue();
    assertThat(sent("/api/v1/tasks/t/sandbox/%2e%2e/x")).isTrue();
    assertThat(sent("/api/v1/tasks/t/sandbox/.%2E?offset=1")).isTrue();
    assertThat(sent("/api/v1/tasks/t/sandbox/..")).isTrue();
  }

  @Test
  void findsSingleDotSegments() {
    // Pekko would turn /jobs/r/prod/. into /jobs/r/prod/ and /a/./b into /a/b.
    assertThat(sent("/api/v1/jobs/www-data/prod/.")).isTrue();
    assertThat(sent("/api/v1/jobs/www-data/./prod/x")).isTrue();
    assertThat(sent("/api/v1/jobs/www-data/prod/%2E/kill")).isTrue();
  }

  @Test
  void leavesOtherPathsAlone() {
    assertThat(sent("/api/v1/tasks/t/sandbox/.logs/hello/stdout?x=/../")).isFalse();
    assertThat(sent("/api/v1/tasks/t/sandbox/...")).isFalse();
    assertThat(sent("/api/v1/tasks/t/sandbox/.logs/.x")).isFalse();
    assertThat(sent("/api/v1/tasks/t/sandbox/..%2Fx")).isFalse();
    assertThat(sent("/api/v1/tasks/t/sandbox/%zz")).isFalse();
    // Without the header (the server does not add it) there is nothing to check.
    assertThat(Api.hasDotSegment(HttpRequest.GET("/api/v1/roles"))).isFalse();
  }

  private static boolean sent(String raw) {
    return Api.hasDotSegment(HttpRequest.GET("/api/v1/roles").addHeader(RawRequestURI.create(raw)));
  }
}
