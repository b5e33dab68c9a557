package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A node with authentication on ({@code server --auth-conf}), its users written by {@code admin
 * passwd}: callers without credentials or of another role change nothing, a role's user changes its
 * own jobs only and its name reaches the task's events, a pulser pulses and nothing else, the fuzz
 * sweep holds, and neither the users file nor the node's log ever holds a password.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthEndToEndTest {

  private static final Map<String, String> PASSWORDS =
      Map.of(
          "root", "r00t-Secret-1",
          "ci", "ci-Secret-2",
          "stranger", "stranger-Secret-3",
          "pulser", "pulser-Secret-4");

  NodeProcess node;
  Path users;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    users = temp.resolve("users.conf");
    passwd("root", "admin");
    passwd("ci", "www-data");
    passwd("stranger", "other");
    passwd("pulser", "hello-pulser");
    Files.writeString(
        users,
        Files.readString(users)
            + "\nroles { hello-pulser = [\"update:pulse:www-data/prod/hello\"] }\n");
    node =
        new NodeProcess(Files.createDirectories(temp.resolve("auth")), EndToEndTest.SETTINGS)
            .args("--auth-conf", users.toString())
            .start();
  }

  private void passwd(String user, String role) {
    StringBuilderWriter out = new StringBuilderWriter();
    int code =
        new CommandLine(
                new Passwd(
                    () -> null,
                    () -> new BufferedReader(new StringReader(PASSWORDS.get(user) + "\n"))))
            .setOut(out.printWriter())
            .setErr(out.printWriter())
            .execute(user, "--auth-conf", users.toString(), "--role", role, "--cost", "4");
    assertThat(code).as(out.toString()).isZero();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theUsersFileAndTheLogNeverHoldAPassword() throws Exception {
    node.as("ci", PASSWORDS.get("ci")).get("/api/v1/roles");
    node.as("ci", "a-Wrong-Password-5").call("GET", "/api/v1/roles", null);
    node.as(null, null);

    String file = Files.readString(users);
    String log = node.logText();
    for (String password : PASSWORDS.values()) {
      assertThat(file).doesNotContain(password);
      assertThat(log).doesNotContain(password);
    }
    assertThat(log).doesNotContain("a-Wrong-Password-5");
    assertThat(file).contains("$2y$04$");
  }

  @Test
  void aMalformedAuthorizationHeaderIsRefusedAndNotLogged() throws Exception {
    // Credentials with trailing junk, or a clear password where Base64 belongs: headers the
    // transport cannot parse, whose value it would otherwise log as an illegal header.
    String encoded =
        java.util.Base64.getEncoder()
            .encodeToString(("ci:" + PASSWORDS.get("ci")).getBytes(StandardCharsets.UTF_8));
    for (String value : List.of("Basic " + encoded + " junk", "Basic ci " + PASSWORDS.get("ci"))) {
      NodeProcess.Exchange reply =
          node.exchange(
              "GET /api/v1/roles HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                  + value
                  + "\r\nConnection: close\r\n\r\n");
      assertThat(reply.status()).isEqualTo(401);
    }

    String log = node.logText();
    assertThat(log).doesNotContain(encoded).doesNotContain(PASSWORDS.get("ci"));
  }

  @Test
  void callersWithoutCredentialsOrOfAnotherRoleChangeNothing() throws Exception {
    String before = state();
    List<String[]> writes = writes();
    assertThat(writes).hasSizeGreaterThan(25);
    for (String[] w : writes) {
      String label = w[0] + " " + w[1];
      node.as(null, null);
      var anonymous = node.call(w[0], w[1], EndToEndTest.job(1, true, 1));
      node.as("stranger", PASSWORDS.get("stranger"));
      var stranger = node.call(w[0], w[1], EndToEndTest.job(1, true, 1));

      assertThat(anonymous.status()).as(label).isEqualTo(401);
      assertThat(anonymous.raw().headers().firstValue("WWW-Authenticate"))
          .hasValue("Basic realm=\"borealis\"");
      assertThat(stranger.status()).as(label).isEqualTo(403);
    }
    node.as(null, null);
    assertThat(state()).isEqualTo(before);
  }

  /** Every operation of the OpenAPI document that may change state, its parameters bound. */
  private List<String[]> writes() throws Exception {
    JsonNode paths = node.get("/api/v1/openapi.json").get("paths");
    List<String[]> writes = new ArrayList<>();
    for (Iterator<String> it = paths.fieldNames(); it.hasNext(); ) {
      String template = it.next();
      for (String method : List.of("post", "put")) {
        if (paths.get(template).has(method)
            && !template.endsWith("/diff")
            && !template.endsWith("/validate")) {
          String path =
              template
                  .replace("{role}", "www-data")
                  .replace("{env}", "prod")
                  .replace("{name}", "hello")
                  .replace("{id}", "u1")
                  .replace("{task_id}", "t1")
                  .replace("{agent_id}", "a1");
          writes.add(new String[] {method.toUpperCase(java.util.Locale.ROOT), path});
        }
      }
    }
    return writes;
  }

  /**
   * What a change would show: the jobs and updates there are, the quota, maintenance, the agents
   * and backups (not task states or free resources, which the sim moves on its own).
   */
  private String state() throws Exception {
    return String.join(
        "\n",
        ids(node.get("/api/v1/jobs"), "job_key"),
        ids(node.get("/api/v1/updates"), "update_id"),
        node.get("/api/v1/quotas/www-data").toString(),
        node.get("/api/v1/maintenance").toString(),
        ids(node.get("/api/v1/sim/agents"), "agent_id"),
        node.get("/api/v1/admin/backups").toString());
  }

  private static String ids(JsonNode list, String field) {
    List<String> ids = new ArrayList<>();
    JsonNode items = list.isArray() ? list : list.path("items");
    items.forEach(i -> ids.add(i.path(field).asText()));
    return ids.toString() + " " + list.path("total").asText();
  }

  @Test
  void aRoleUserChangesItsOwnJobsOnlyAndIsNamedInTheirEvents() throws Exception {
    node.as("ci", PASSWORDS.get("ci"));
    assertThat(
            node.call("POST", "/api/v1/jobs/www-data/prod/mine", EndToEndTest.job(1, true, 1))
                .status())
        .isEqualTo(201);
    var other = node.call("POST", "/api/v1/jobs/other/prod/theirs", EndToEndTest.job(1, true, 1));
    assertThat(other.status()).isEqualTo(403);
    assertThat(other.body().get("detail").asText()).contains("job:write:other");

    node.await(
        "/api/v1/jobs/www-data/prod/mine/tasks",
        p ->
            EndToEndTest.items(p).stream()
                .anyMatch(t -> t.get("status").asText().equals("RUNNING")));
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/mine/kill", "{}").status())
        .isEqualTo(200);
    JsonNode tasks =
        node.await(
            "/api/v1/jobs/www-data/prod/mine/tasks",
            p ->
                EndToEndTest.items(p).stream()
                    .allMatch(t -> t.get("status").asText().equals("KILLED")));
    String taskId = EndToEndTest.items(tasks).get(0).get("task_id").asText();
    JsonNode events = node.get("/api/v1/tasks/" + taskId).get("events");
    List<String> messages = new ArrayList<>();
    events.forEach(e -> messages.add(e.path("message").asText()));
    assertThat(messages).anyMatch(m -> m.startsWith("Killed by ci"));
    node.as(null, null);
  }

  @Test
  void aPulserMayPulseAndNothingElse() throws Exception {
    node.as("pulser", PASSWORDS.get("pulser"));
    var pulse = node.call("POST", "/api/v1/updates/www-data/prod/hello/u1/pulse", "{}");
    var otherJob = node.call("POST", "/api/v1/updates/www-data/prod/other/u1/pulse", "{}");
    var pause = node.call("POST", "/api/v1/updates/www-data/prod/hello/u1/pause", "{}");
    var create =
        node.call("POST", "/api/v1/jobs/www-data/prod/hello", EndToEndTest.job(1, true, 1));
    node.as(null, null);

    assertThat(pulse.status()).isEqualTo(200);
    assertThat(pulse.body().get("status").asText()).isEqualTo("FINISHED");
    assertThat(otherJob.status()).isEqualTo(403);
    assertThat(pause.status()).isEqualTo(403);
    assertThat(create.status()).isEqualTo(403);
  }

  @Test
  void theFuzzSweepHoldsWithAuthenticationOn() throws Exception {
    node.as("root", PASSWORDS.get("root"));
    try {
      EndToEndTest.sweep(node);
    } finally {
      node.as(null, null);
    }
  }

  @Test
  void aNodeWhoseUsersFileHoldsAClearPasswordDoesNotStart(@TempDir Path temp) throws Exception {
    Path bad = temp.resolve("bad-users.conf");
    Files.writeString(bad, "users { ci { password = \"plain-Text-6\", roles = [www-data] } }\n");
    NodeProcess broken =
        new NodeProcess(Files.createDirectories(temp.resolve("bad")), EndToEndTest.SETTINGS)
            .args("--auth-conf", bad.toString());
    try {
      assertThat(broken.startExpectingExit(java.time.Duration.ofSeconds(60))).isNotZero();
      assertThat(broken.output())
          .contains("password must be a bcrypt hash")
          .doesNotContain("plain-Text-6");
    } finally {
      broken.close();
    }
  }

  /** A writer for picocli's streams whose text a test can read. */
  private static final class StringBuilderWriter {
    private final java.io.StringWriter text = new java.io.StringWriter();

    java.io.PrintWriter printWriter() {
      return new java.io.PrintWriter(text, true);
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }
}
