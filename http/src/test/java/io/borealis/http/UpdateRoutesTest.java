package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.job.JobDiff;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.persistence.Change;
import io.borealis.persistence.ReadView;
import io.borealis.update.InstanceAction;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateInstructions;
import io.borealis.update.UpdateKey;
import io.borealis.update.UpdateStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The update routes against a read side fed with update events: bad input is a 400 naming every
 * field (before anything reaches the update entity, which is absent here), reads answer from the
 * view (summaries, details, the job's active update), a bare id two jobs use is a 409 naming them,
 * a pulse of an unknown update is FINISHED, and update changes render as server-sent events.
 */
class UpdateRoutesTest {

  private static final JobKey HELLO = new JobKey("www-data", "prod", "hello");
  private static final JobKey OTHER = new JobKey("ops", "devel", "other");
  private static final TaskConfig V1 =
      TaskConfig.simple(HELLO, true, Resources.of(1, 128, 128, "http"));
  private static final TaskConfig V2 =
      TaskConfig.simple(HELLO, true, Resources.of(2, 256, 128, "http"));
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static final String JOB =
      """
      {"instances": 3, "service": true,
       "task": {"processes": [{"name": "p", "cmdline": "x"}],
                "resources": {"cpu": 1, "ram": "128MB", "disk": "128MB"}}}
      """;

  private static RouteFixture fixture;
  private static ReadView view;
  private static Api api;

  @BeforeAll
  static void setUp() {
    fixture = RouteFixture.start("update-routes-test");
    view = fixture.view;
    // No update service: every request here is answered before one would be asked.
    api = fixture.api();
    started(new UpdateKey(HELLO, "u1"), "alice", Map.of("ticket", "T-1"), T0);
    feed(
        new UpdateKey(HELLO, "u1"),
        2,
        new UpdateEvent.InstanceTransitioned(
            "u1", 0, InstanceAction.INSTANCE_UPDATING, Optional.empty(), T0.plusSeconds(1)));
    started(new UpdateKey(HELLO, "shared"), "bob", Map.of(), T0.plusSeconds(2));
    feed(
        new UpdateKey(HELLO, "shared"),
        2,
        new UpdateEvent.StatusChanged(
            "shared",
            UpdateStatus.ROLLING_FORWARD,
            UpdateStatus.ABORTED,
            Optional.of("bob"),
            Optional.of("enough"),
            T0.plusSeconds(3)));
    started(new UpdateKey(OTHER, "shared"), "carol", Map.of(), T0.plusSeconds(4));
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  private static void started(UpdateKey key, String user, Map<String, String> meta, Instant at) {
    UpdateInstructions instructions =
        new UpdateInstructions(
            List.of(new JobDiff.Group(V1, List.of(0, 1, 2))),
            Optional.of(new JobDiff.Group(V2, List.of(0, 1, 2))),
            UpdateSettings.DEFAULT);
    feed(
        key,
        1,
        new UpdateEvent.UpdateStarted(
            key.id(),
            key.job(),
            instructions,
            user,
            meta,
            Optional.empty(),
            UpdateStatus.ROLLING_FORWARD,
            Optional.empty(),
            at));
  }

  private static void feed(UpdateKey key, long sequenceNr, UpdateEvent event) {
    view.applyAll(List.of(new ReadView.Envelope("update|" + key, sequenceNr, event)));
  }

  private record Reply(int status, JsonNode body) {
    List<String> fields() {
      List<String> fields = new ArrayList<>();
      body.path("errors").forEach(e -> fields.add(e.path("field").asText()));
      return fields;
    }
  }

  private static Reply send(HttpRequest request) throws Exception {
    HttpResponse response = api.handle(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    byte[] bytes = fixture.strict(response).getData().toArray();
    return new Reply(response.status().intValue(), Json.MAPPER.readTree(bytes));
  }

  private static Reply get(String uri) throws Exception {
    return send(HttpRequest.GET(uri));
  }

  private static Reply post(String uri, String json) throws Exception {
    return send(
        HttpRequest.POST(uri)
            .withEntity(ContentTypes.APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8)));
  }

  // ---------------------------------------------------------------------------------------------
  // Starting

  @Test
  void aStartWithBadFieldsNamesEachOfThem() throws Exception {
    Reply r =
        post(
            "/api/v1/jobs/www-data/prod/hello/updates",
            """
            {"job": {"instances": 0, "service": true,
                     "task": {"processes": [{"name": "p", "cmdline": "x"}],
                              "resources": {"cpu": 1, "ram": "128MB", "disk": "128MB"}}},
             "id": "no spaces/please", "metadata": {"owner": 7, "team": "web"},
             "instances": "3-1", "message": 5, "colour": "blue"}
            """);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.fields())
        .containsExactlyInAnyOrder(
            "job.instances", "id", "metadata.owner", "instances", "message", "colour");
  }

  @Test
  void settingsProblemsAreNamedUnderSettingsAndTheJobsUnderJob() throws Exception {
    Reply r =
        post(
            "/api/v1/jobs/www-data/prod/hello/updates",
            """
            {"job": {"instances": 3, "service": true, "update_config": {"watch_secs": -5},
                     "task": {"processes": [{"name": "p", "cmdline": "x"}],
                              "resources": {"cpu": 1, "ram": "128MB", "disk": "128MB"}}},
             "settings": {"batch_size": 0}}
            """);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.fields())
        .containsExactlyInAnyOrder("settings.batch_size", "job.update_config.watch_secs");
  }

  @Test
  void settingsTheJobCannotHonourAreNamedEach() throws Exception {
    // Found trying bad job files: these two came one at a time from the update entity, in
    // sentences naming no field.
    Reply r =
        post(
            "/api/v1/jobs/www-data/prod/hello/updates",
            """
            {"job": {"instances": 5, "service": true,
                     "update_config": {"sla_aware": true, "max_per_shard_failures": 5000},
                     "task": {"processes": [{"name": "p", "cmdline": "x"}],
                              "resources": {"cpu": 1, "ram": "128MB", "disk": "128MB"}}}}
            """);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.fields())
        .containsExactlyInAnyOrder(
            "job.update_config.sla_aware", "job.update_config.max_per_shard_failures");
    assertThat(r.body().toString())
        .contains("needs the job's sla_policy")
        .contains("times the job's 5 instances is 25000, more than the 20000 allowed");

    Reply overridden =
        post(
            "/api/v1/jobs/www-data/prod/hello/updates",
            "{\"job\": " + JOB + ", \"settings\": {\"sla_aware\": true}}");
    assertThat(overridden.fields()).containsExactly("settings.sla_aware");
  }

  @Test
  void aJobIsRequiredAndMustBeAnUpdatableService() throws Exception {
    assertThat(post("/api/v1/jobs/www-data/prod/hello/updates", "{}").fields())
        .containsExactly("job");
    assertThat(
            post(
                    "/api/v1/jobs/www-data/prod/hello/updates",
                    "{\"job\": " + JOB.replace("\"service\": true", "\"service\": false") + "}")
                .fields())
        .containsExactly("job.service");
    Reply other =
        post(
            "/api/v1/jobs/www-data/prod/hello/updates",
            "{\"job\": "
                + JOB.replace("{\"instances\"", "{\"name\": \"other\", \"instances\"")
                + "}");
    assertThat(other.status()).isEqualTo(400);
    assertThat(other.fields()).containsExactly("job.name");
    assertThat(post("/api/v1/jobs/www-data/prod/hello/updates", "{\"job\": []}").fields())
        .containsExactly("job");
  }

  @Test
  void settingsOverrideOnlyTheFieldsTheyName() {
    assertThat(UpdateRoutes.fieldOf("update_config.batch_size", java.util.Set.of("batch_size")))
        .isEqualTo("settings.batch_size");
    assertThat(
            UpdateRoutes.fieldOf(
                "update_config.strategy.queue.batch_size", java.util.Set.of("strategy")))
        .isEqualTo("settings.strategy.queue.batch_size");
    assertThat(UpdateRoutes.fieldOf("update_config.watch_secs", java.util.Set.of("batch_size")))
        .isEqualTo("job.update_config.watch_secs");
    assertThat(UpdateRoutes.fieldOf("", java.util.Set.of())).isEqualTo("job");
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  @Test
  void updatesAreListedNewestModifiedFirstAndFiltered() throws Exception {
    Reply all = get("/api/v1/updates");
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.body().path("total").asInt()).isEqualTo(3);
    List<String> order = new ArrayList<>();
    all.body()
        .path("items")
        .forEach(u -> order.add(u.path("job_key").asText() + "/" + u.path("update_id").asText()));
    assertThat(order)
        .containsExactly(
            "ops/devel/other/shared", "www-data/prod/hello/shared", "www-data/prod/hello/u1");

    Reply mine =
        get("/api/v1/updates?job=www-data/prod/hello&status=rolling_forward&metadata.ticket=T-1");
    assertThat(mine.body().path("items")).hasSize(1);
    JsonNode u1 = mine.body().path("items").get(0);
    assertThat(u1.path("update_id").asText()).isEqualTo("u1");
    assertThat(u1.path("user").asText()).isEqualTo("alice");
    assertThat(u1.path("metadata").path("ticket").asText()).isEqualTo("T-1");
    assertThat(u1.path("progress").path("in_flight").asInt()).isEqualTo(1);
    assertThat(u1.path("progress").path("instances").asInt()).isEqualTo(3);

    assertThat(get("/api/v1/updates?user=bob&role=www-data").body().path("items")).hasSize(1);
    assertThat(get("/api/v1/updates?metadata.ticket=T-2").body().path("total").asInt()).isZero();
  }

  @Test
  void aBadListQueryNamesEachParameter() throws Exception {
    Reply r =
        get("/api/v1/updates?status=ROLLING,ABORTED&job=nope&limit=-1&colour=blue&metadata.=x");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.fields())
        .containsExactlyInAnyOrder("status", "job", "limit", "colour", "metadata.");
  }

  @Test
  void anUpdateIsReadByItsIdOrItsWholeKey() throws Exception {
    Reply byId = get("/api/v1/updates/u1");
    assertThat(byId.status()).isEqualTo(200);
    assertThat(byId.body().path("status").asText()).isEqualTo("ROLLING_FORWARD");
    assertThat(byId.body().path("settings").path("watch_secs").asInt()).isEqualTo(45);
    assertThat(byId.body().path("initial_state").get(0).path("instances").asText())
        .isEqualTo("0-2");
    assertThat(
            byId.body()
                .path("desired_state")
                .path("config")
                .path("task")
                .path("resources")
                .path("cpu")
                .asDouble())
        .isEqualTo(2.0);
    assertThat(byId.body().path("update_events").get(0).path("user").asText()).isEqualTo("alice");
    assertThat(byId.body().path("instance_events").get(0).path("action").asText())
        .isEqualTo("INSTANCE_UPDATING");

    Reply byKey = get("/api/v1/updates/www-data/prod/hello/shared");
    assertThat(byKey.status()).isEqualTo(200);
    assertThat(byKey.body().path("status").asText()).isEqualTo("ABORTED");
    assertThat(byKey.body().path("message").asText()).isEqualTo("enough");
  }

  @Test
  void aBareIdOfTwoJobsIsAConflictNamingBoth() throws Exception {
    Reply r = get("/api/v1/updates/shared");

    assertThat(r.status()).isEqualTo(409);
    assertThat(r.body().path("detail").asText())
        .contains("ops/devel/other")
        .contains("www-data/prod/hello");
    assertThat(post("/api/v1/updates/shared/pause", "").status()).isEqualTo(409);
  }

  @Test
  void unknownUpdatesAreNotFoundAndBadIdsAreNamed() throws Exception {
    assertThat(get("/api/v1/updates/nope").status()).isEqualTo(404);
    assertThat(get("/api/v1/updates/www-data/prod/hello/nope").status()).isEqualTo(404);
    assertThat(post("/api/v1/updates/nope/abort", "{\"message\": \"x\"}").status()).isEqualTo(404);
    Reply bad = get("/api/v1/updates/" + "x".repeat(129));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.fields()).containsExactly("id");
    Reply badKey = post("/api/v1/updates/www-data/prod/hello/u1/resume", "{\"colour\": 1}");
    assertThat(badKey.status()).isEqualTo(400);
    assertThat(badKey.fields()).containsExactly("colour");
  }

  @Test
  void aPulseOfAnUnknownUpdateIsFinished() throws Exception {
    Reply r = post("/api/v1/updates/never-heard-of-it/pulse", "");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("status").asText()).isEqualTo("FINISHED");
  }

  @Test
  void theJobSummaryNamesItsActiveUpdate() {
    view.applyAll(List.of());
    assertThat(view.activeUpdate(HELLO).map(s -> s.key().id())).contains("u1");
    assertThat(
            Views.jobSummary(
                    new ReadView.JobSummary(
                        HELLO,
                        3,
                        new ReadView.Stats(0, 3, 0, 0),
                        Optional.empty(),
                        Optional.of("u1")))
                .activeUpdate())
        .isEqualTo("u1");
  }

  @Test
  void updateChangesRenderAsServerSentEvents() {
    String started =
        EventRoutes.render(
                "e",
                new Change(
                    7,
                    HELLO,
                    new Change.UpdateChanged(
                        "u1",
                        UpdateStatus.ROLL_FORWARD_PAUSED,
                        Optional.of(UpdateStatus.ROLLING_FORWARD),
                        Optional.of("bob"),
                        Optional.of("hold"),
                        T0)))
            .utf8String();
    assertThat(started)
        .isEqualTo(
            "id: e.7\nevent: update\ndata: {\"index\":7,\"job_key\":\"www-data/prod/hello\","
                + "\"update_id\":\"u1\",\"status\":\"ROLL_FORWARD_PAUSED\","
                + "\"previous_status\":\"ROLLING_FORWARD\",\"user\":\"bob\",\"message\":\"hold\","
                + "\"timestamp\":\"2026-01-01T00:00:00Z\"}\n\n");
    String instance =
        EventRoutes.render(
                "e",
                new Change(
                    8,
                    HELLO,
                    new Change.UpdateInstanceChanged(
                        "u1", 2, InstanceAction.INSTANCE_UPDATED, Optional.empty(), T0)))
            .utf8String();
    assertThat(instance)
        .isEqualTo(
            "id: e.8\nevent: update_instance\ndata: {\"index\":8,\"job_key\":\"www-data/prod/hello\","
                + "\"update_id\":\"u1\",\"instance_id\":2,\"action\":\"INSTANCE_UPDATED\","
                + "\"message\":null,\"timestamp\":\"2026-01-01T00:00:00Z\"}\n\n");
  }
}
