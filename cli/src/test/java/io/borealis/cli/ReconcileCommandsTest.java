package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code borealis admin reconcile} against a fake scheduler: what it sends and prints. */
class ReconcileCommandsTest {

  private static final String RECONCILE = "POST /api/v1/admin/reconcile";

  @TempDir Path temp;
  FakeScheduler fake;
  Env env;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    fake = new FakeScheduler();
    Path etc = Files.createDirectories(temp.resolve("etc"));
    Files.writeString(
        etc.resolve("clusters.json"),
        "[{\"name\": \"fake\", \"scheduler_uri\": \"http://127.0.0.1:%d\"}]"
            .formatted(fake.port()));
    env =
        new Env(
            Map.of("BOREALIS_CONFIG_ROOT", etc.toString()),
            Files.createDirectories(temp.resolve("home")),
            false,
            Duration.ofMillis(10),
            Clock.systemUTC(),
            d -> {});
  }

  @AfterEach
  void tearDown() {
    fake.close();
  }

  @Test
  void anExplicitRunIsAskedForWithItsBatchSize() {
    fake.json(RECONCILE, 202, "{\"kind\": \"explicit\", \"batch_size\": 50}");

    Result r = run("admin", "reconcile", "fake", "--batch-size", "50");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Explicit reconciliation started on cluster fake");
    assertThat(fake.requests(RECONCILE))
        .singleElement()
        .satisfies(
            q -> assertThat(q.body()).isEqualTo("{\"kind\":\"explicit\",\"batch_size\":50}"));
  }

  @Test
  void anImplicitRunIsAskedFor() {
    fake.json(RECONCILE, 202, "{\"kind\": \"implicit\"}");

    Result r = run("admin", "reconcile", "fake", "--implicit", "-o", "json");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("\"kind\" : \"implicit\"");
    assertThat(fake.requests(RECONCILE))
        .singleElement()
        .satisfies(q -> assertThat(q.body()).isEqualTo("{\"kind\":\"implicit\"}"));
  }

  @Test
  void aBatchSizeBelowOneOrWithImplicitIsAUsageErrorAndSendsNothing() {
    assertThat(run("admin", "reconcile", "fake", "--batch-size", "0").code()).isEqualTo(2);
    Result both = run("admin", "reconcile", "fake", "--implicit", "--batch-size", "5");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("explicit reconciliation only");
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void aRefusalExitsOne() {
    fake.json(
        RECONCILE,
        400,
        "{\"title\": \"Bad Request\", \"status\": 400, \"detail\": \"bad\", \"errors\": []}");

    assertThat(run("admin", "reconcile", "fake").code()).isEqualTo(1);
  }

  private Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Cli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
