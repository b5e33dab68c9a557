package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.host.Reconciler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code POST /api/v1/admin/reconcile}: what it accepts, what it starts, what it refuses. */
class ReconcileRoutesTest {

  private static RouteFixture fixture;
  private static Api api;

  /** The triggers the route sent to the reconciler. */
  private static final List<Reconciler.Trigger> triggers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void setUp() {
    fixture = RouteFixture.start("reconcile-routes-test");
    api = new Api(fixture.context().withReconciliation(triggers::add), fixture.materializer);
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  @BeforeEach
  void forgetTriggers() {
    triggers.clear();
  }

  @Test
  void anExplicitRunWithABatchSizeIsStarted() throws Exception {
    Reply r = post("{\"kind\": \"explicit\", \"batch_size\": 50}");

    assertThat(r.status()).isEqualTo(202);
    assertThat(r.body().get("kind").asText()).isEqualTo("explicit");
    assertThat(r.body().get("batch_size").asInt()).isEqualTo(50);
    assertThat(triggers)
        .containsExactly(
            new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.of(50), "UNSECURE"));
  }

  @Test
  void anEmptyBodyStartsAnExplicitRunWithTheConfiguredBatchSize() throws Exception {
    Reply r = post("");

    assertThat(r.status()).isEqualTo(202);
    assertThat(r.body().has("batch_size")).isFalse();
    assertThat(triggers)
        .containsExactly(
            new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.empty(), "UNSECURE"));
  }

  @Test
  void anImplicitRunIsStarted() throws Exception {
    Reply r = post("{\"kind\": \"IMPLICIT\"}");

    assertThat(r.status()).isEqualTo(202);
    assertThat(r.body().get("kind").asText()).isEqualTo("implicit");
    assertThat(triggers)
        .containsExactly(
            new Reconciler.Trigger(Reconciler.Kind.IMPLICIT, Optional.empty(), "UNSECURE"));
  }

  @Test
  void aBatchSizeBelowOneIsRefused() throws Exception {
    for (String size : List.of("0", "-3")) {
      Reply r = post("{\"kind\": \"explicit\", \"batch_size\": " + size + "}");

      assertThat(r.status()).isEqualTo(400);
      assertThat(r.fields()).containsExactly("batch_size");
    }
    assertThat(triggers).isEmpty();
  }

  @Test
  void badFieldsAreEachNamedAndNothingStarts() throws Exception {
    Reply r = post("{\"kind\": \"sometimes\", \"batch_size\": \"many\", \"extra\": 1}");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.fields()).containsExactlyInAnyOrder("kind", "batch_size", "extra");
    assertThat(triggers).isEmpty();
  }

  @Test
  void anUnknownFieldIsNamedWithTheKnownOnes() throws Exception {
    Reply r = post("{\"kinds\": \"explicit\"}");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().at("/errors/0/message").asText())
        .isEqualTo("is not a known field (known: [batch_size, kind])");
  }

  @Test
  void anImplicitRunTakesNoBatchSize() throws Exception {
    Reply r = post("{\"kind\": \"implicit\", \"batch_size\": 10}");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.fields()).containsExactly("batch_size");
    assertThat(triggers).isEmpty();
  }

  private record Reply(int status, JsonNode body) {
    List<String> fields() {
      List<String> fields = new ArrayList<>();
      body.path("errors").forEach(e -> fields.add(e.path("field").asText()));
      return fields;
    }
  }

  private static Reply post(String json) throws Exception {
    HttpRequest request =
        HttpRequest.POST("/api/v1/admin/reconcile")
            .withEntity(ContentTypes.APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8));
    HttpResponse response = api.handle(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    byte[] bytes = fixture.strict(response).getData().toArray();
    return new Reply(response.status().intValue(), Json.MAPPER.readTree(bytes));
  }
}
