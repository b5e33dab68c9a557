package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.common.Metrics;
import io.borealis.persistence.Backup;
import io.borealis.persistence.BackupStore;
import io.borealis.persistence.Backups;
import io.borealis.persistence.ReadView;
import io.borealis.persistence.StagedRecovery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup and recovery routes over a real backup folder and staged copy, with a committer that
 * only counts: statuses, bodies, and each bad field named.
 */
class BackupRoutesTest {

  private static RouteFixture fixture;
  private static Api api;
  private static final AtomicInteger commits = new AtomicInteger();

  @TempDir static Path temp;

  @BeforeAll
  static void setUp() throws Exception {
    fixture = RouteFixture.start("backup-routes-test");
    ReadView view = fixture.view;
    BackupStore store = new BackupStore(temp.resolve("backups"), 48);
    Backups backups =
        new Backups(
            view,
            store,
            () -> CompletableFuture.completedFuture(new Backup.Others(Map.of(), Map.of())),
            Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC),
            Metrics.standalone());
    StagedRecovery recovery =
        new StagedRecovery(
            store,
            (b, user) -> {
              commits.incrementAndGet();
              return CompletableFuture.completedFuture(null);
            });
    Files.createDirectories(store.directory());
    Files.writeString(store.directory().resolve("20000101-000000-000.backup"), "garbage");
    ApiContext ctx = fixture.context().withBackups(new ApiContext.BackupAdmin(backups, recovery));
    api = new Api(ctx, fixture.materializer);
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void theWholeWorkflowAnswersAsDocumented() throws Exception {
    Reply taken = call("POST", "/api/v1/admin/backups", "");
    assertThat(taken.status()).isEqualTo(201);
    String id = taken.body().get("id").asText();
    assertThat(id).isEqualTo("20260102-030405-678");
    assertThat(call("GET", "/api/v1/admin/backups", null).body().get("items"))
        .singleElement()
        .satisfies(b -> assertThat(b.get("id").asText()).isEqualTo(id));

    assertThat(call("GET", "/api/v1/admin/recovery", null).status()).isEqualTo(409);
    assertThat(call("POST", "/api/v1/admin/recovery/unload", "").status()).isEqualTo(409);
    assertThat(call("POST", "/api/v1/admin/recovery/stage", "{\"backup_id\": \"nope\"}").status())
        .isEqualTo(404);
    Reply unreadable =
        call("POST", "/api/v1/admin/recovery/stage", "{\"backup_id\": \"20000101-000000-000\"}");
    assertThat(unreadable.status()).isEqualTo(400);
    assertThat(unreadable.fields()).containsExactly("backup_id");

    Reply staged = call("POST", "/api/v1/admin/recovery/stage", "{\"backup_id\": \"" + id + "\"}");
    assertThat(staged.status()).isEqualTo(200);
    assertThat(staged.body().get("backup_id").asText()).isEqualTo(id);
    assertThat(
            call("POST", "/api/v1/admin/recovery/stage", "{\"backup_id\": \"" + id + "\"}")
                .status())
        .isEqualTo(409);
    Reply query = call("GET", "/api/v1/admin/recovery?status=RUNNING", null);
    assertThat(query.status()).isEqualTo(200);
    assertThat(query.body().get("tasks")).isEmpty();
    Reply deleted = call("POST", "/api/v1/admin/recovery/delete", "{\"task_ids\": [\"t\"]}");
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.body().get("deleted")).isEmpty();

    assertThat(call("POST", "/api/v1/admin/recovery/commit", "{}").status()).isEqualTo(200);
    assertThat(commits.get()).isEqualTo(1);
    assertThat(call("POST", "/api/v1/admin/recovery/commit", "{}").status()).isEqualTo(409);
  }

  @Test
  void badFieldsAreEachNamed() throws Exception {
    Reply stage = call("POST", "/api/v1/admin/recovery/stage", "{\"backup_id\": 7, \"x\": 1}");
    assertThat(stage.status()).isEqualTo(400);
    assertThat(stage.fields()).containsExactlyInAnyOrder("backup_id", "x");
    assertThat(call("POST", "/api/v1/admin/recovery/stage", "{}").fields())
        .containsExactly("backup_id");
    Reply delete =
        call("POST", "/api/v1/admin/recovery/delete", "{\"task_ids\": [\"\", 3], \"job\": \"x\"}");
    assertThat(delete.status()).isEqualTo(400);
    assertThat(delete.fields()).containsExactlyInAnyOrder("task_ids[0]", "task_ids[1]", "job");
    Reply query = call("GET", "/api/v1/admin/recovery?job=bad&status=NOPE&what=1", null);
    assertThat(query.status()).isEqualTo(400);
    assertThat(query.fields()).containsExactlyInAnyOrder("job", "status", "what");
    assertThat(call("POST", "/api/v1/admin/backups", "{\"now\": true}").fields())
        .containsExactly("now");
  }

  private record Reply(int status, JsonNode body) {
    List<String> fields() {
      List<String> fields = new ArrayList<>();
      body.path("errors").forEach(e -> fields.add(e.path("field").asText()));
      return fields;
    }
  }

  private static Reply call(String method, String path, String json) throws Exception {
    HttpRequest request =
        HttpRequest.create(path).withMethod(HttpMethods.lookup(method).orElseThrow());
    if (json != null) {
      request =
          request.withEntity(ContentTypes.APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8));
    }
    HttpResponse response = api.handle(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    byte[] bytes = fixture.strict(response).getData().toArray();
    return new Reply(
        response.status().intValue(),
        bytes.length == 0 ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(bytes));
  }
}
