package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code borealis admin host ...} against a fake scheduler: requests, output and exit codes. */
class AdminCommandsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;
  FakeCluster cluster;
  FakeScheduler fake;

  @BeforeEach
  void setUp() throws IOException {
    cluster = new FakeCluster(temp);
    fake = cluster.scheduler;
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  private FakeCluster.Result run(String... args) {
    return cluster.run(args);
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

    FakeCluster.Result r =
        run("admin", "host", "drain", "--cluster", "fake", "agent-1", "agent-22");

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

    FakeCluster.Result r =
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
    FakeCluster.Result both =
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
    FakeCluster.Result none =
        run("admin", "host", "sla-drain", "--cluster=fake", "--timeout", "1h", "h");
    FakeCluster.Result noTimeout =
        run("admin", "host", "sla-drain", "--cluster=fake", "--count", "2", "h");

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

    FakeCluster.Result all = run("admin", "host", "status", "--cluster", "fake");
    FakeCluster.Result named = run("admin", "host", "status", "--cluster", "fake", "b", "c");

    assertThat(all.out()).isEqualTo("HOST  MODE\na     SCHEDULED\nb     DRAINED\n");
    assertThat(named.out()).isEqualTo("HOST  MODE\nb     DRAINED\nc     NONE\n");
  }

  @Test
  void statusSaysSoWhenNoHostIsInMaintenance() {
    fake.json("GET /api/v1/maintenance", 200, "{\"items\": []}");

    FakeCluster.Result r = run("admin", "host", "status", "--cluster", "fake");

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

    FakeCluster.Result r = run("admin", "host", "end", "--cluster", "fake", "x".repeat(300));

    assertThat(r.code()).isEqualTo(CliException.REFUSED);
    assertThat(r.err()).contains("hosts[0]").contains("must be at most 255 characters");
  }

  @Test
  void aHostCommandNeedsAHost() {
    FakeCluster.Result r = run("admin", "host", "start", "--cluster", "fake");

    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(fake.requests).isEmpty();
  }
}
