package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code borealis update ...} run in-process against a fake scheduler: what each command sends,
 * what it prints, the progress of a wait (plain lines, or one line redrawn on a terminal), and the
 * exit code of each way an update ends.
 */
class UpdateCommandsTest {

  private static final String START = "POST /api/v1/jobs/www-data/prod/hello/updates";
  private static final String U1 = "/api/v1/updates/www-data/prod/hello/u1";

  record Result(int code, String out, String err) {}

  @TempDir Path temp;
  FakeScheduler fake;
  final CliRunTest.ManualClock clock = new CliRunTest.ManualClock();
  boolean terminal;

  @BeforeEach
  void setUp() throws IOException {
    fake = new FakeScheduler();
    Files.writeString(
        Files.createDirectories(temp.resolve("etc")).resolve("clusters.json"),
        "[{\"name\": \"fake\", \"scheduler_uri\": \"http://127.0.0.1:%d\"}]"
            .formatted(fake.port()));
  }

  @AfterEach
  void tearDown() {
    fake.close();
  }

  Result run(String... args) throws IOException {
    Env env =
        new Env(
            Map.of("BOREALIS_CONFIG_ROOT", temp.resolve("etc").toString()),
            Files.createDirectories(temp.resolve("home")),
            terminal,
            Duration.ofMillis(10),
            clock,
            clock::advance);
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

  Path jobFile() throws IOException {
    return Files.writeString(
        temp.resolve("hello.yaml"),
        """
        instances: 3
        service: true
        task:
          processes: [{name: hello, cmdline: "echo v2"}]
          resources: {cpu: 0.5, ram: 128MB, disk: 256MB}
        """);
  }

  static String update(String status, int done, int inFlight, int failed, String message) {
    return """
        {"update_id": "u1", "job_key": "www-data/prod/hello", "status": "%s",
         "message": %s, "user": "alice", "created_at": "2026-01-01T00:00:00Z",
         "last_modified": "2026-01-01T00:00:05Z", "metadata": {"ticket": "T-1"},
         "rollback_of": null,
         "progress": {"instances": 3, "done": %d, "in_flight": %d, "failed": %d},
         "update_events": [{"status": "ROLLING_FORWARD", "user": "alice", "message": null,
                            "timestamp": "2026-01-01T00:00:00Z"}],
         "instance_events": [{"instance_id": 1, "action": "INSTANCE_UPDATING", "message": null,
                              "timestamp": "2026-01-01T00:00:03Z"}]}
        """
        .formatted(
            status, message == null ? "null" : "\"" + message + "\"", done, inFlight, failed);
  }

  private JsonNode body(FakeScheduler.Request r) throws IOException {
    return new ObjectMapper().readTree(r.body());
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void startSendsTheJobTheScopeTheIdTheMetadataAndTheMessage() throws Exception {
    fake.json(START, 201, "{\"update_id\": \"rollout-7\", \"status\": \"ROLLING_FORWARD\"}");

    Result r =
        run(
            "update",
            "start",
            "fake/www-data/prod/hello/0-1",
            jobFile().toString(),
            "--id",
            "rollout-7",
            "--metadata",
            "ticket=OPS-42",
            "--metadata",
            "team=web",
            "--message",
            "v2");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "Update rollout-7 of www-data/prod/hello started (ROLLING_FORWARD)\n"
                + "Update url: http://127.0.0.1:"
                + fake.port()
                + "/api/v1/updates/www-data/prod/hello/rollout-7\n");
    JsonNode sent = body(fake.requests(START).get(0));
    assertThat(sent.path("job").path("instances").asInt()).isEqualTo(3);
    assertThat(sent.path("job").path("name").asText()).isEqualTo("hello");
    assertThat(sent.path("instances").asText()).isEqualTo("0-1");
    assertThat(sent.path("id").asText()).isEqualTo("rollout-7");
    assertThat(sent.path("metadata").path("ticket").asText()).isEqualTo("OPS-42");
    assertThat(sent.path("metadata").path("team").asText()).isEqualTo("web");
    assertThat(sent.path("message").asText()).isEqualTo("v2");
  }

  @Test
  void anUnchangedJobIsSaidAndIsNoFailure() throws Exception {
    fake.json(START, 200, "{\"message\": \"Job is unchanged by proposed update.\"}");

    Result r = run("update", "start", "fake/www-data/prod/hello", jobFile().toString());

    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("Job is unchanged by proposed update.\n");
  }

  @Test
  void startWaitShowsProgressLinesAndExitsZeroWhenRolledForward() throws Exception {
    fake.json(START, 201, "{\"update_id\": \"u1\", \"status\": \"ROLLING_FORWARD\"}");
    fake.answers(
        "GET " + U1,
        FakeScheduler.Answer.json(200, update("ROLLING_FORWARD", 0, 1, 0, null), Map.of()),
        FakeScheduler.Answer.json(200, update("ROLLING_FORWARD", 2, 1, 0, null), Map.of()),
        FakeScheduler.Answer.json(200, update("ROLLED_FORWARD", 3, 0, 0, null), Map.of()));

    Result r = run("update", "start", "fake/www-data/prod/hello", jobFile().toString(), "--wait");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .endsWith(
            "ROLLING_FORWARD: 0/3 done, 1 in flight, 0 failed; latest: instance 1 INSTANCE_UPDATING\n"
                + "ROLLING_FORWARD: 2/3 done, 1 in flight, 0 failed; latest: instance 1 INSTANCE_UPDATING\n"
                + "ROLLED_FORWARD: 3/3 done, 0 in flight, 0 failed; latest: instance 1 INSTANCE_UPDATING\n"
                + "Update u1 of www-data/prod/hello ended ROLLED_FORWARD\n");
  }

  @ParameterizedTest
  @CsvSource({"ROLLED_FORWARD,0", "ROLLED_BACK,10", "ABORTED,11", "FAILED,12", "ERROR,13"})
  void waitExitsWithTheCodeOfHowTheUpdateEnded(String status, int code) throws Exception {
    fake.json("GET " + U1, 200, update(status, 1, 0, 1, "Latest failure: instance 1 exited."));

    Result r = run("update", "wait", "fake/www-data/prod/hello", "u1");

    assertThat(r.code()).as(r.toString()).isEqualTo(code);
    String ended =
        "Update u1 of www-data/prod/hello ended "
            + status
            + ": Latest failure: instance 1 exited.\n";
    assertThat(code == 0 ? r.out() : r.err()).endsWith(ended);
  }

  @Test
  void theEndOfAnUpdateNeverReadsAsAUsageErrorOrAnUnreachableScheduler() {
    assertThat(UpdateWaiter.EXIT_CODES.values())
        .doesNotContain(CliException.REFUSED, CliException.USAGE, CliException.UNREACHABLE)
        .doesNotHaveDuplicates();
  }

  @Test
  void aRollbackSaysWhyInTheFailedTasksWords() throws Exception {
    String rolledBack =
        update(
                "ROLLED_BACK",
                2,
                0,
                0,
                "All instances rolled back after: Latest failure: instance 0 exited.")
            .replace(
                "\"instance_events\": [",
                "\"instance_events\": [{\"instance_id\": 0, \"action\": \"INSTANCE_UPDATE_FAILED\","
                    + " \"message\": \"instance 0 ended FAILED: Process 'web' exited with code 1\","
                    + " \"timestamp\": \"2026-01-01T00:00:02Z\"},");
    fake.json("GET " + U1, 200, rolledBack);

    Result r = run("update", "wait", "fake/www-data/prod/hello", "u1");

    assertThat(r.code()).isEqualTo(10);
    assertThat(r.out()).contains("ROLLED_BACK: 2 rolled back, 0 in flight, 0 failed");
    assertThat(r.err())
        .endsWith(
            "ended ROLLED_BACK: All instances rolled back after: Latest failure: instance 0"
                + " exited.\nReason: instance 0 ended FAILED: Process 'web' exited with code 1\n");
  }

  @Test
  void anInterruptedWaitSaysTheUpdateGoesOnAndHowToFollowItAgain() throws Exception {
    java.util.List<Runnable> registered = new java.util.ArrayList<>();
    java.util.List<Runnable> unregistered = new java.util.ArrayList<>();
    UpdateCommands.Interrupts before = UpdateCommands.interrupts;
    UpdateCommands.interrupts =
        onInterrupt -> {
          registered.add(onInterrupt);
          return () -> unregistered.add(onInterrupt);
        };
    try {
      fake.answers(
          "GET " + U1,
          FakeScheduler.Answer.json(200, update("ROLLING_FORWARD", 0, 1, 0, null), Map.of()),
          FakeScheduler.Answer.json(200, update("ROLLED_FORWARD", 3, 0, 0, null), Map.of()));
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Env env =
          new Env(
              Map.of("BOREALIS_CONFIG_ROOT", temp.resolve("etc").toString()),
              Files.createDirectories(temp.resolve("home")),
              false,
              Duration.ofMillis(10),
              clock,
              d -> {
                // Ctrl-C while the wait sleeps between polls: the hook the JVM would run.
                registered.get(0).run();
                clock.advance(d);
              });
      int code =
          Cli.run(
              new String[] {"update", "wait", "fake/www-data/prod/hello", "u1"},
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8),
              env);

      assertThat(code).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8))
          .startsWith(
              "borealis: stopped following update u1; the update goes on. Follow it again with:"
                  + " borealis update wait fake/www-data/prod/hello u1\n");
      assertThat(unregistered).containsExactlyElementsOf(registered);
    } finally {
      UpdateCommands.interrupts = before;
    }
  }

  @Test
  void onATerminalTheProgressLineIsRedrawnInPlace() throws Exception {
    terminal = true;
    fake.answers(
        "GET " + U1,
        FakeScheduler.Answer.json(200, update("ROLLING_FORWARD", 0, 1, 0, null), Map.of()),
        FakeScheduler.Answer.json(200, update("ROLLED_BACK", 0, 0, 1, "no"), Map.of()));

    Result r = run("update", "wait", "fake/www-data/prod/hello", "u1");

    assertThat(r.code()).isEqualTo(10);
    assertThat(r.out())
        .startsWith("\rROLLING_FORWARD: 0/3 done")
        .contains("\rROLLED_BACK: 0 rolled back");
    assertThat(r.out()).endsWith("\n");
  }

  @Test
  void waitWithJsonPrintsTheFinishedUpdateAlone() throws Exception {
    fake.json("GET " + U1, 200, update("ABORTED", 1, 0, 0, "stop"));

    Result r = run("update", "wait", "fake/www-data/prod/hello", "u1", "-o", "json");

    assertThat(r.code()).isEqualTo(11);
    assertThat(new ObjectMapper().readTree(r.out()).path("status").asText()).isEqualTo("ABORTED");
  }

  @Test
  void waitGivesUpAfterItsTimeout() throws Exception {
    fake.json("GET " + U1, 200, update("ROLL_FORWARD_PAUSED", 1, 0, 0, null));

    Result r = run("update", "wait", "fake/www-data/prod/hello", "u1", "--timeout", "1s");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("gave up waiting after 1s for update u1 to end");
  }

  @Test
  void infoNamesAnUpdateByItsJobOrByItsIdAlone() throws Exception {
    fake.json("GET " + U1, 200, update("ROLLING_FORWARD", 1, 1, 0, null));
    fake.json("GET /api/v1/updates/u1", 200, update("ROLLING_FORWARD", 1, 1, 0, null));

    Result byKey = run("update", "info", "fake/www-data/prod/hello", "u1");
    Result byId = run("update", "info", "fake", "u1");

    assertThat(byKey.code()).as(byKey.toString()).isZero();
    assertThat(byId.out()).isEqualTo(byKey.out());
    assertThat(byKey.out())
        .contains("www-data/prod/hello/u1", "ROLLING_FORWARD", "1/3 done, 1 in flight, 0 failed")
        .contains("metadata.ticket", "T-1")
        .contains("Instance events:", "INSTANCE_UPDATING");
  }

  @Test
  void listFiltersByJobStatusAndUser() throws Exception {
    String path =
        "/api/v1/updates?job=www-data%2Fprod%2Fhello&status=ROLLING_FORWARD%2CABORTED&user=alice&offset=0";
    fake.json(
        "GET " + path,
        200,
        "{\"items\": [" + update("ABORTED", 1, 0, 0, null) + "], \"total\": 1}");

    Result r =
        run(
            "update",
            "list",
            "fake/www-data/prod/hello",
            "--status",
            "rolling_forward,aborted",
            "--user",
            "alice");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("JOB", "www-data/prod/hello", "u1", "ABORTED", "1/3", "alice");
    assertThat(run("update", "list", "fake/www-data").code()).isEqualTo(1);
    assertThat(fake.requests.get(fake.requests.size() - 1).uri())
        .isEqualTo("/api/v1/updates?role=www-data&offset=0");
  }

  @Test
  void actionsPostTheirMessageAndSayTheStatus() throws Exception {
    fake.json(
        "POST " + U1 + "/pause",
        200,
        "{\"update_id\": \"u1\", \"status\": \"ROLL_FORWARD_PAUSED\"}");
    fake.json(
        "POST " + U1 + "/rollback",
        200,
        "{\"update_id\": \"u1\", \"status\": \"ROLLED_FORWARD\", \"rollback_update_id\": \"u2\"}");
    fake.json("POST " + U1 + "/pulse", 200, "{\"status\": \"OK\"}");

    Result paused = run("update", "pause", "fake/www-data/prod/hello", "u1", "--message", "hold");
    Result rolled = run("update", "rollback", "fake/www-data/prod/hello", "u1");
    Result pulsed = run("update", "pulse", "fake/www-data/prod/hello", "u1");

    assertThat(paused.out()).isEqualTo("Update u1 is ROLL_FORWARD_PAUSED\n");
    assertThat(body(fake.requests("POST " + U1 + "/pause").get(0)).path("message").asText())
        .isEqualTo("hold");
    assertThat(rolled.out())
        .isEqualTo(
            "Update u1 is ROLLED_FORWARD\nIt is rolled back by the new update u2\n"
                + "Follow it with: borealis update wait fake/www-data/prod/hello u2\n");
    assertThat(pulsed.out()).isEqualTo("OK\n");
  }

  @Test
  void aRollbackThatHasNothingToDoSaysSo() throws Exception {
    // Found on a node: rolling back a failed update whose rollback had already put the old
    // configuration back answered only "Update u1 is FAILED", as if the command had done nothing.
    fake.json("POST " + U1 + "/rollback", 200, "{\"update_id\": \"u1\", \"status\": \"FAILED\"}");

    Result r = run("update", "rollback", "fake/www-data/prod/hello", "u1");

    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "Update u1 is FAILED\nNothing to roll back: the job's instances already run what"
                + " they ran before it.\n");
  }

  @Test
  void badIdsMetadataAndPlacesAreUsageErrorsAndNothingIsSent() throws Exception {
    assertThat(run("update", "info", "fake", "no/slash").code()).isEqualTo(2);
    assertThat(run("update", "wait", "fake/www-data/prod/hello/0", "u1").code()).isEqualTo(2);
    assertThat(
            run(
                    "update",
                    "start",
                    "fake/www-data/prod/hello",
                    jobFile().toString(),
                    "--metadata",
                    "no-equals")
                .code())
        .isEqualTo(2);
    assertThat(
            run("update", "start", "fake/www-data/prod/hello", jobFile().toString(), "--id", "a b")
                .code())
        .isEqualTo(2);
    assertThat(run("update", "list", "fake/www-data/prod").code()).isEqualTo(2);
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void describeSaysTheNewestEventOfEitherKind() throws Exception {
    JsonNode u = new ObjectMapper().readTree(update("ROLL_FORWARD_PAUSED", 1, 0, 0, null));
    ((com.fasterxml.jackson.databind.node.ArrayNode) u.path("update_events"))
        .addObject()
        .put("status", "ROLL_FORWARD_PAUSED")
        .put("user", "bob")
        .put("message", "hold on")
        .put("timestamp", "2026-01-01T00:00:09Z");

    assertThat(UpdateWaiter.describe(u))
        .isEqualTo(
            "ROLL_FORWARD_PAUSED: 1/3 done, 0 in flight, 0 failed; latest: ROLL_FORWARD_PAUSED by"
                + " bob (hold on)");
  }
}
