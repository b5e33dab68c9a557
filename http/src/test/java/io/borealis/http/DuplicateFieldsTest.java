package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A body that gives a field twice is ambiguous (parsers disagree on which one wins): it is a 400
 * naming the field by its path, not read as the last one given.
 */
class DuplicateFieldsTest {

  private static final String TASK =
      "\"task\": {\"processes\": [{\"name\": \"a\", \"cmdline\": \"x\"}],"
          + " \"resources\": {\"cpu\": 1, \"ram\": \"1GB\", \"disk\": \"1GB\"}}";

  private static RouteFixture fixture;
  private static Api api;

  @BeforeAll
  static void setUp() {
    fixture = RouteFixture.start("duplicate-fields-test");
    api = fixture.api();
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void aTopLevelFieldGivenTwiceIsNamed() throws Exception {
    JsonNode problem =
        validate(
            "{\"role\": \"www-data\", \"environment\": \"prod\", \"name\": \"hello\","
                + " \"instances\": 1, \"instances\": 2, "
                + TASK
                + "}",
            400);

    assertThat(problem.path("errors").get(0).path("field").asText()).isEqualTo("instances");
    assertThat(problem.path("errors").get(0).path("message").asText())
        .isEqualTo("is given more than once");
  }

  @Test
  void aNestedFieldGivenTwiceIsNamedByItsPath() throws Exception {
    JsonNode problem =
        validate(
            "{\"role\": \"www-data\", \"environment\": \"prod\", \"name\": \"hello\","
                + " \"task\": {\"processes\": [{\"name\": \"a\", \"cmdline\": \"x\", \"name\":"
                + " \"b\"}], \"resources\": {\"cpu\": 1, \"ram\": \"1GB\", \"disk\": \"1GB\"}}}",
            400);

    assertThat(problem.path("errors").get(0).path("field").asText())
        .isEqualTo("task.processes[0].name");
  }

  @Test
  void theSameNameInDifferentObjectsIsNoDuplicate() throws Exception {
    validate(
        "{\"role\": \"www-data\", \"environment\": \"prod\", \"name\": \"hello\", " + TASK + "}",
        200);
  }

  private static JsonNode validate(String json, int status) throws Exception {
    HttpRequest request =
        HttpRequest.POST("/api/v1/config/validate")
            .withEntity(ContentTypes.APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8));
    HttpResponse response = api.handle(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    byte[] bytes = fixture.strict(response).getData().toArray();
    assertThat(response.status().intValue())
        .as(new String(bytes, StandardCharsets.UTF_8))
        .isEqualTo(status);
    return Json.MAPPER.readTree(bytes);
  }
}
