package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.borealis.cli.FakeScheduler.Answer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials from the environment or ~/.netrc, sent as Basic, and what a 401 or 403 says. */
class CredentialsTest {

  @TempDir Path home;

  private static final String NETRC =
      """
      machine other.example.com login bob password b0b
      machine scheduler.example.com
        login alice
        password s3cret
      default login anyone password any
      """;

  @Test
  void netrcNamesTheEntryOfTheHostElseTheDefault() {
    assertThat(Credentials.netrc(NETRC, "scheduler.example.com"))
        .hasValueSatisfying(
            c -> {
              assertThat(c.user()).isEqualTo("alice");
              assertThat(c.password()).isEqualTo("s3cret");
            });
    assertThat(Credentials.netrc(NETRC, "unknown.example.com").map(Credentials::user))
        .hasValue("anyone");
    assertThat(Credentials.netrc("machine a login x password y", "b")).isEmpty();
  }

  @Test
  void theEnvironmentWinsOverNetrc() throws Exception {
    Files.writeString(home.resolve(".netrc"), NETRC);

    Env both = env(Map.of("BOREALIS_USER", "ci", "BOREALIS_PASSWORD", "pw"));
    Env netrcOnly = env(Map.of());

    assertThat(Credentials.forHost(both, "scheduler.example.com").map(Credentials::user))
        .hasValue("ci");
    assertThat(Credentials.forHost(netrcOnly, "scheduler.example.com").map(Credentials::user))
        .hasValue("alice");
  }

  @Test
  void oneOfTheTwoVariablesWithoutTheOtherIsAUsageErrorNotNetrc() throws Exception {
    Files.writeString(home.resolve(".netrc"), NETRC);

    for (Map<String, String> half :
        java.util.List.of(Map.of("BOREALIS_USER", "ci"), Map.of("BOREALIS_PASSWORD", "pw"))) {
      assertThatThrownBy(() -> Credentials.forHost(env(half), "scheduler.example.com"))
          .isInstanceOf(CliException.class)
          .hasMessageContaining("set both, or neither");
    }
  }

  @Test
  void thePasswordIsNeverInTheTextOfTheCredentials() {
    assertThat(new Credentials("ci", "pw-secret", "x").toString()).doesNotContain("pw-secret");
  }

  @Test
  void credentialsAreSentAsBasicAndAbsentOnesAreNot() throws Exception {
    try (FakeScheduler fake = new FakeScheduler()) {
      fake.answers("GET /api/v1/jobs", Answer.json(200, "{}", Map.of()));
      client(fake, env(Map.of("BOREALIS_USER", "ci", "BOREALIS_PASSWORD", "pw")))
          .get("/api/v1/jobs");
      client(fake, env(Map.of())).get("/api/v1/jobs");

      assertThat(fake.requests.get(0).authorization())
          .isEqualTo("Basic " + Base64.getEncoder().encodeToString("ci:pw".getBytes()));
      assertThat(fake.requests.get(1).authorization()).isNull();
    }
  }

  @Test
  void a401SaysWhereCredentialsGoAndA403NamesThePermission() throws Exception {
    try (FakeScheduler fake = new FakeScheduler()) {
      fake.answers(
          "POST /api/v1/jobs/www-data/prod/x/kill",
          Answer.json(
              401,
              "{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"needs a user\"}",
              Map.of()));
      fake.answers(
          "POST /api/v1/jobs/other/prod/x/kill",
          Answer.json(
              403,
              "{\"title\":\"Forbidden\",\"status\":403,\"detail\":\"User ci lacks the permission"
                  + " job:write:other this request needs.\"}",
              Map.of()));
      SchedulerClient anonymous = client(fake, env(Map.of()));
      SchedulerClient ci =
          client(fake, env(Map.of("BOREALIS_USER", "ci", "BOREALIS_PASSWORD", "pw")));

      assertThatThrownBy(() -> anonymous.post("/api/v1/jobs/www-data/prod/x/kill", Json.object()))
          .hasMessageContaining("asks for a user and password")
          .hasMessageContaining("~/.netrc")
          .hasMessageContaining("BOREALIS_USER/BOREALIS_PASSWORD");
      assertThatThrownBy(() -> ci.post("/api/v1/jobs/www-data/prod/x/kill", Json.object()))
          .hasMessageContaining("refused the user and password of ci")
          .hasMessageNotContaining("pw");
      assertThatThrownBy(() -> ci.post("/api/v1/jobs/other/prod/x/kill", Json.object()))
          .hasMessageContaining("job:write:other");
    }
  }

  private Env env(Map<String, String> variables) {
    return new Env(variables, home, false, Duration.ZERO);
  }

  private static SchedulerClient client(FakeScheduler fake, Env env) {
    Clusters.Cluster cluster =
        new Clusters.Cluster(
            "fake",
            URI.create("http://127.0.0.1:" + fake.port()),
            Optional.empty(),
            Optional.empty(),
            "test");
    return new SchedulerClient(cluster, SchedulerClient.newHttpClient(env), Optional.empty(), env);
  }
}
