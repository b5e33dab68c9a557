package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProblemTest {

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void rendersTheTitleTheDetailAndEachBadField() {
    Problem p =
        Problem.decode(
            400,
            bytes(
                """
                {"type": "about:blank", "title": "Bad Request", "status": 400,
                 "detail": "Invalid request: 2 problems",
                 "errors": [{"field": "task.resources.ram", "message": "must be > 0"},
                            {"field": "instances", "message": "must be between 1 and 4000"}]}
                """));
    assertThat(p.status()).isEqualTo(400);
    assertThat(p.summary()).isEqualTo("Bad Request: Invalid request: 2 problems");
    assertThat(p.fieldLines())
        .containsExactly(
            "  task.resources.ram: must be > 0", "  instances: must be between 1 and 4000");
  }

  @Test
  void aSingleBadFieldThatTheDetailNamesIsSaidOnce() {
    // Issue 8, item 15: the scheduler's detail already names the one bad field.
    Problem one =
        Problem.decode(
            400,
            bytes(
                """
                {"title": "Bad Request", "status": 400,
                 "detail": "Invalid request: task.resources.ram: must be > 0",
                 "errors": [{"field": "task.resources.ram", "message": "must be > 0"}]}
                """));
    assertThat(one.summary())
        .isEqualTo("Bad Request: Invalid request: task.resources.ram: must be > 0");
    assertThat(one.fieldLines()).isEmpty();
  }

  @Test
  void aProblemWithoutDetailOrErrorsIsItsTitle() {
    Problem p = Problem.decode(409, bytes("{\"title\": \"Conflict\", \"status\": 409}"));
    assertThat(p.summary()).isEqualTo("Conflict");
    assertThat(p.fieldLines()).isEmpty();
  }

  @Test
  void aBodyThatIsNotAProblemStillSaysSomething() {
    Problem html =
        Problem.decode(502, bytes("<html>Bad gateway from the proxy</html>\n<p>more</p>"));
    assertThat(html.summary()).isEqualTo("HTTP 502: <html>Bad gateway from the proxy</html>");
    assertThat(Problem.decode(500, new byte[0]).summary()).isEqualTo("HTTP 500");
    assertThat(Problem.decode(503, bytes("x".repeat(500))).detail()).hasSize(200).endsWith("...");
  }

  @Test
  void aFailureCarriesTheProblemAndExitsWithOne() {
    CliException e = CliException.refused(Problem.decode(404, bytes("{\"title\": \"Not Found\"}")));
    assertThat(e.exitCode()).isEqualTo(CliException.REFUSED);
    assertThat(e).hasMessage("Not Found");
    assertThat(e).isInstanceOf(CliException.ProblemException.class);
  }
}
