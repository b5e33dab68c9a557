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

/** {@code borealis admin host ...} against a fake scheduler: requests, output and exit codes. */
class AdminCommandsTest {

  record Result(int code, String out, String err) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;
  FakeScheduler fake;
  Env env;

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
            Duration.ofMillis(10));
  }

  @AfterEach
  void tearDown() {
    fake.close();
  }

  Result run(String... args) {
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

  private JsonNode body(String methodAndUri) throws IOException {
    return JSON.readTree(fake.requests(methodAndUri).get(0).body());
  }

  @Test
  void drainPostsTheHostsAndPrintsTheirModes() throws IOException {
    fake.json(
        "POST /api/v1/maintenance/drain",
        200,
        "{\"items\": [{\"host\": \"agent-1\", \"mode\": \"DRAINING\"},"
            + " {\"host\": \"agent-22\", \"mode\": \"DRAINED\"}]}");

    Result r = run("admin", "host", "drain", "--cluster", "fake", "agent-1", "agent-22");

    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("HOST      MODE\nagent-1   DRAINING\nagent-22  DRAINED\n");
    assertThat(body("POST /api/v1/maintenance/drain"))
        .isEqualTo(JSON.readTree("{\"hosts\": [\"agent-1\", \"agent-22\"]}"));
  }

  @Test
  void slaDrainSendsThePolicyAndTimeoutInSeconds() throws IOException {
    fake.json(
        "POST /api/v1/maintenance/sla-drain",
        200,
        "{\"items\": [{\"host\": \"agent-1\", \"mode\": \"DRAINING\"}]}");

    Result r =
        run(
            "admin",
            "host",
            "sla-drain",
            "--cluster=fake",
            "--percentage",
            "80",
            "--duration",
            "5m",
            "--timeout",
            "1h",
            "agent-1",
            "-o",
            "json");

    assertThat(r.code()).isZero();
    assertThat(JSON.readTree(r.out()).path("items").get(0).path("mode").asText())
        .isEqualTo("DRAINING");
    assertThat(body("POST /api/v1/maintenance/sla-drain"))
        .isEqualTo(
            JSON.readTree(
                """
                {"hosts": ["agent-1"], "policy": {"percentage": {"percentage": 80.0,
                 "duration_secs": 300}}, "timeout_secs": 3600}
                """));
  }

  @Test
  void slaDrainNeedsExactlyOnePolicyAndATimeout() {
    Result both =
        run(
            "admin",
            "host",
            "sla-drain",
            "--cluster=fake",
            "--count",
            "2",
            "--percentage",
            "5",
            "--timeout",
            "1h",
            "h");
    Result none = run("admin", "host", "sla-drain", "--cluster=fake", "--timeout", "1h", "h");
    Result noTimeout = run("admin", "host", "sla-drain", "--cluster=fake", "--count", "2", "h");

    assertThat(both.code()).isEqualTo(CliException.USAGE);
    assertThat(none.code()).isEqualTo(CliException.USAGE);
    assertThat(noTimeout.code()).isEqualTo(CliException.USAGE);
    assertThat(noTimeout.err()).contains("--timeout");
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void statusListsEveryHostInMaintenanceOrTheNamedOnes() {
    fake.json(
        "GET /api/v1/maintenance",
        200,
        "{\"items\": [{\"host\": \"a\", \"mode\": \"SCHEDULED\"}, {\"host\": \"b\", \"mode\":"
            + " \"DRAINED\"}]}");

    Result all = run("admin", "host", "status", "--cluster", "fake");
    Result named = run("admin", "host", "status", "--cluster", "fake", "b", "c");

    assertThat(all.out()).isEqualTo("HOST  MODE\na     SCHEDULED\nb     DRAINED\n");
    assertThat(named.out()).isEqualTo("HOST  MODE\nb     DRAINED\nc     NONE\n");
  }

  @Test
  void statusSaysSoWhenNoHostIsInMaintenance() {
    fake.json("GET /api/v1/maintenance", 200, "{\"items\": []}");

    Result r = run("admin", "host", "status", "--cluster", "fake");

    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("No host is in maintenance.\n");
  }

  @Test
  void aRefusalExitsOneWithTheSchedulersWords() {
    fake.json(
        "POST /api/v1/maintenance/end",
        400,
        "{\"type\": \"about:blank\", \"title\": \"Bad Request\", \"status\": 400, \"detail\":"
            + " \"The request has invalid fields.\", \"errors\": [{\"field\": \"hosts[0]\","
            + " \"message\": \"must be at most 255 characters\"}]}");

    Result r = run("admin", "host", "end", "--cluster", "fake", "x".repeat(300));

    assertThat(r.code()).isEqualTo(CliException.REFUSED);
    assertThat(r.err()).contains("hosts[0]").contains("must be at most 255 characters");
  }

  @Test
  void aHostCommandNeedsAHost() {
    Result r = run("admin", "host", "start", "--cluster", "fake");

    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(fake.requests).isEmpty();
  }
}
