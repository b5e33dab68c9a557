package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.borealis.common.Rejection;
import java.util.concurrent.CompletionException;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;

/** How an entity's refusal becomes a problem response. */
class ConvertErrorTest {

  private static JsonNode body(HttpResponse response) throws Exception {
    return new ObjectMapper()
        .readTree(((HttpEntity.Strict) response.entity()).getData().utf8String());
  }

  @Test
  void aChangeRefusedBecauseOfAnActiveUpdateIsA409NamingTheUpdate() throws Exception {
    // A kill while an update ran used to be answered 500 (the rejection had no mapping).
    HttpResponse response =
        Api.convertError(new CompletionException(new Rejection.UpdateActive("v3")));

    assertThat(response.status().intValue()).isEqualTo(409);
    JsonNode problem = body(response);
    assertThat(problem.path("status").asInt()).isEqualTo(409);
    assertThat(problem.path("detail").asText())
        .isEqualTo("Job is currently updating (update v3 is active).");
    assertThat(problem.path("update_id").asText()).isEqualTo("v3");
  }

  @Test
  void otherProblemsCarryNoUpdateId() throws Exception {
    HttpResponse response = Api.convertError(new Rejection.Conflict("Job already exists"));

    assertThat(response.status().intValue()).isEqualTo(409);
    assertThat(body(response).has("update_id")).isFalse();
  }
}
