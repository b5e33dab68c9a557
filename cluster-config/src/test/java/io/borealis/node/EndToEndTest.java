package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Borealis end to end, through HTTP, against a node in its own JVM running the simulated fleet with
 * {@code auto_run}: what an operator does with curl, and what must survive {@code kill -9}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndTest {

  static final String SETTINGS =
      """
      borealis.backend.kind = sim
      borealis.backend.sim { agents = 4, auto-run = on, start-delay = 20ms }
      """;

  NodeProcess node;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    node = new NodeProcess(Files.createDirectories(temp.resolve("shared")), SETTINGS).start();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  static String job(int instances, boolean service, int maxFailures) {
    return """
        {"instances": %d, "service": %s, "max_task_failures": %d,
         "task": {"processes": [{"name": "main", "cmdline": "echo hello; sleep 3600"}],
                  "resources": {"cpu": 0.5, "ram": "128MB", "disk": "256MB", "ports": ["http", "admin"]}}}
        """
        .formatted(instances, service, maxFailures);
  }

  static List<JsonNode> items(JsonNode page) {
    List<JsonNode> items = new ArrayList<>();
    page.get("items").forEach(items::add);
    return items;
  }

  static boolean allIn(JsonNode page, int count, String status) {
    List<JsonNode> items = items(page);
    return items.size() == count
        && items.stream().allMatch(t -> t.get("status").asText().equals(status));
  }

  @Test
  void runsAServiceJobOnTheSimulatedFleet() throws Exception {
    var created = node.call("POST", "/api/v1/jobs/www-data/prod/hello", job(3, true, 1));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body().get("message").asText())
        .isEqualTo("3 new tasks pending for job www-data/prod/hello");

    JsonNode tasks =
        node.await(
            "/api/v1/jobs/www-data/prod/hello/tasks?limit_per_instance=1",
            p -> allIn(p, 3, "RUNNING"));
    Set<Integer> instances = new TreeSet<>();
    for (JsonNode t : items(tasks)) {
      instances.add(t.get("instance_id").asInt());
      assertThat(t.get("host").asText()).startsWith("agent-");
      assertThat(t.get("assigned_ports").get("http").asInt()).isBetween(31000, 32000);
      assertThat(t.get("assigned_ports").get("admin").asInt())
          .isNotEqualTo(t.get("assigned_ports").get("http").asInt());
    }
    assertThat(instances).containsExactly(0, 1, 2);

    JsonNode jobs = node.get("/api/v1/jobs?role=www-data");
    JsonNode summary =
        items(jobs).stream()
            .filter(j -> j.get("name").asText().equals("hello"))
            .findFirst()
            .orElseThrow();
    assertThat(summary.get("instances").asInt()).isEqualTo(3);
    assertThat(summary.get("stats").get("active").asInt()).isEqualTo(3);
    assertThat(node.raw("GET", "/api/v1/jobs", null).headers().firstValue("X-Borealis-Index"))
        .isPresent();
  }

  static String tiered(String tier, int instances, String ram) {
    return """
        {"instances": %d, "service": true, "tier": "%s",
         "task": {"processes": [{"name": "main", "cmdline": "sleep 3600"}],
                  "resources": {"cpu": 0.5, "ram": "%s", "disk": "256MB"}}}
        """
        .formatted(instances, tier, ram);
  }

  @Test
  void holdsProductionJobsToTheirRolesQuota() throws Exception {
    String quota = "/api/v1/quotas/quota-team";
    JsonNode none = node.get(quota);
    assertThat(none.get("quota").get("ram_mb").asLong()).isZero();

    var bad = node.call("PUT", quota, "{\"cpu\": -1, \"ram_mb\": \"x\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(fields(bad.body())).containsExactlyInAnyOrder("cpu", "ram_mb", "disk_mb");

    var set = node.call("PUT", quota, "{\"cpu\": 2, \"ram_mb\": 1024, \"disk_mb\": 2048}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.body().get("quota").get("ram_mb").asLong()).isEqualTo(1024);

    // 3 x 512 MB of production RAM does not fit 1 GiB: refused with the numbers, nothing made.
    var over =
        node.call("POST", "/api/v1/jobs/quota-team/prod/big", tiered("preferred", 3, "512MB"));
    assertThat(over.status()).isEqualTo(400);
    assertThat(over.body().get("detail").asText())
        .isEqualTo(
            "Insufficient resource quota: ram: needs 1.5 GiB more, quota 1.0 GiB, in use 0 MiB. Production jobs (tier preferred) count against"
                + " their role's quota: an operator raises it with `borealis quota set"
                + " CLUSTER/quota-team`; a job in tier preemptible needs none");
    assertThat(node.call("GET", "/api/v1/jobs/quota-team/prod/big", null).status()).isEqualTo(404);

    var under =
        node.call("POST", "/api/v1/jobs/quota-team/prod/small", tiered("preferred", 1, "512MB"));
    assertThat(under.status()).isEqualTo(201);
    JsonNode used = node.await(quota, q -> q.get("consumption").get("ram_mb").asLong() == 512);
    assertThat(used.get("consumption_by_category").get("prod_shared").get("cpu").asDouble())
        .isEqualTo(0.5);
    var second =
        node.call("POST", "/api/v1/jobs/quota-team/prod/second", tiered("preferred", 2, "512MB"));
    assertThat(second.status()).isEqualTo(400);
    assertThat(second.body().get("detail").asText())
        .isEqualTo(
            "Insufficient resource quota: ram: needs 1.0 GiB more, quota 1.0 GiB, in use 512 MiB. Production jobs (tier preferred) count against"
                + " their role's quota: an operator raises it with `borealis quota set"
                + " CLUSTER/quota-team`; a job in tier preemptible needs none");

    // An update is counted as if it ran: 512 MB now, 2 GB after; the larger must fit.
    var update =
        node.call(
            "POST",
            "/api/v1/jobs/quota-team/prod/small/updates",
            "{\"job\": " + tiered("preferred", 1, "2GB") + "}");
    assertThat(update.status()).isEqualTo(400);
    assertThat(update.body().get("detail").asText())
        .isEqualTo(
            "Insufficient resource quota: ram: needs 1.5 GiB more, quota 1.0 GiB, in use 512 MiB. Production jobs (tier preferred) count against"
                + " their role's quota: an operator raises it with `borealis quota set"
                + " CLUSTER/quota-team`; a job in tier preemptible needs none");

    // Preemptible jobs never count against quota: 2 GB alone is twice the role's quota.
    assertThat(
            node.call("POST", "/api/v1/jobs/quota-team/prod/batch", tiered("preemptible", 1, "2GB"))
                .status())
        .isEqualTo(201);
    // A quota below what production uses now is a conflict.
    var below = node.call("PUT", quota, "{\"cpu\": 2, \"ram_mb\": 256, \"disk_mb\": 2048}");
    assertThat(below.status()).isEqualTo(409);
    assertThat(below.body().get("detail").asText()).contains("ram: quota 256 MiB, in use 512 MiB");
    // The fleet is shared with the other tests.
    for (String job : List.of("small", "batch")) {
      assertThat(node.call("POST", "/api/v1/jobs/quota-team/prod/" + job + "/kill", "{}").status())
          .isEqualTo(200);
    }
  }

  @Test
  void reschedulesAFailedServiceInstanceWithANewTask() throws Exception {
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/flaky", job(2, true, 1)).status())
        .isEqualTo(201);
    JsonNode running =
        node.await(
            "/api/v1/jobs/www-data/prod/flaky/tasks?instances=1", p -> allIn(p, 1, "RUNNING"));
    String failed = items(running).get(0).get("task_id").asText();

    var report =
        node.call(
            "POST",
            "/api/v1/sim/tasks/" + failed + "/status",
            "{\"status\": \"FAILED\", \"message\": \"exit 1\"}");
    assertThat(report.status()).isEqualTo(202);

    JsonNode after =
        node.await(
            "/api/v1/jobs/www-data/prod/flaky/tasks?instances=1",
            p -> items(p).size() == 2 && items(p).get(0).get("status").asText().equals("RUNNING"));
    JsonNode replacement = items(after).get(0);
    assertThat(replacement.get("task_id").asText()).isNotEqualTo(failed);
    assertThat(replacement.get("instance_id").asInt()).isEqualTo(1);
    assertThat(replacement.get("ancestor_id").asText()).isEqualTo(failed);
    assertThat(replacement.get("failure_count").asInt()).isEqualTo(1);

    JsonNode history = node.get("/api/v1/tasks/" + failed);
    List<String> statuses = new ArrayList<>();
    history
        .get("events")
        .forEach(
            e -> {
              statuses.add(e.get("status").asText());
              assertThat(e.get("timestamp").asText()).isNotBlank();
            });
    assertThat(statuses).containsExactly("PENDING", "ASSIGNED", "STARTING", "RUNNING", "FAILED");
    assertThat(history.get("events").get(4).get("message").asText()).isEqualTo("exit 1");
    assertThat(history.get("reason").asText()).isEqualTo("exit 1");
  }

  @Test
  void leavesABatchTaskFailedWhenItHasNoFailuresLeft() throws Exception {
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/batch", job(1, false, 1)).status())
        .isEqualTo(201);
    JsonNode running =
        node.await("/api/v1/jobs/www-data/prod/batch/tasks", p -> allIn(p, 1, "RUNNING"));
    String id = items(running).get(0).get("task_id").asText();
    node.call("POST", "/api/v1/sim/tasks/" + id + "/status", "{\"status\": \"FAILED\"}");

    node.await("/api/v1/jobs/www-data/prod/batch/tasks", p -> allIn(p, 1, "FAILED"));
    // A reschedule would be persisted with the failure itself; give the read side time to show it.
    Thread.sleep(500);
    JsonNode tasks = node.get("/api/v1/jobs/www-data/prod/batch/tasks");
    assertThat(items(tasks)).hasSize(1);
    assertThat(items(tasks).get(0).get("status").asText()).isEqualTo("FAILED");
    assertThat(items(tasks).get(0).get("failure_count").asInt()).isEqualTo(1);
  }

  @Test
  void killsInstancesForGoodAndRestartsTheOthers() throws Exception {
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/web", job(3, true, 1)).status())
        .isEqualTo(201);
    JsonNode before =
        node.await("/api/v1/jobs/www-data/prod/web/tasks", p -> allIn(p, 3, "RUNNING"));
    String instance2 = items(before).get(2).get("task_id").asText();

    var killed =
        node.call(
            "POST",
            "/api/v1/jobs/www-data/prod/web/kill",
            "{\"instances\": \"0-1\", \"message\": \"going away\"}");
    assertThat(killed.status()).isEqualTo(200);
    assertThat(killed.body().get("instances").asText()).isEqualTo("0-1");
    node.await("/api/v1/jobs/www-data/prod/web/tasks?instances=0-1", p -> allIn(p, 2, "KILLED"));
    JsonNode killedTask = node.get("/api/v1/tasks/" + items(before).get(0).get("task_id").asText());
    List<String> messages = new ArrayList<>();
    killedTask
        .get("events")
        .forEach(e -> messages.add(e.get("status").asText() + ":" + e.get("message").asText()));
    assertThat(messages).contains("KILLING:Killed by UNSECURE.\ngoing away");

    var restarted = node.call("POST", "/api/v1/jobs/www-data/prod/web/restart", "{}");
    assertThat(restarted.status()).isEqualTo(200);
    assertThat(restarted.body().get("instances").asText()).isEqualTo("2");
    JsonNode after =
        node.await(
            "/api/v1/jobs/www-data/prod/web/tasks?instances=2",
            p -> items(p).size() == 2 && items(p).get(0).get("status").asText().equals("RUNNING"));
    assertThat(items(after).get(0).get("task_id").asText()).isNotEqualTo(instance2);
    List<String> old = new ArrayList<>();
    node.get("/api/v1/tasks/" + instance2)
        .get("events")
        .forEach(e -> old.add(e.get("status").asText()));
    assertThat(old).containsSubsequence("RUNNING", "RESTARTING", "KILLED");

    // Killed instances stay down: nothing was rescheduled for them.
    Thread.sleep(500);
    assertThat(items(node.get("/api/v1/jobs/www-data/prod/web/tasks?instances=0-1"))).hasSize(2);
    assertThat(
            node.call("POST", "/api/v1/jobs/www-data/prod/web/kill", "{\"instances\": \"0-1\"}")
                .body()
                .get("message")
                .asText())
        .isEqualTo("No tasks to kill.");
  }

  @Test
  void refusesBadInputNamingEachFieldAndStoresNothing() throws Exception {
    int jobsBefore = node.get("/api/v1/jobs").get("total").asInt();

    var malformed = node.call("POST", "/api/v1/jobs/www-data/prod/bad", "{\"instances\": 3,");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.raw().headers().firstValue("Content-Type"))
        .hasValue("application/problem+json");

    var many =
        node.call(
            "POST",
            "/api/v1/jobs/www-data/prod/bad",
            """
            {"instances": 0, "colour": "blue",
             "task": {"processes": [{"name": "main"}],
                      "resources": {"cpu": -1, "ram": "0MB", "disk": 0, "size": 3}}}
            """);
    assertThat(many.status()).isEqualTo(400);
    assertThat(fields(many.body()))
        .containsExactlyInAnyOrder(
            "instances",
            "colour",
            "task.processes[0].cmdline",
            "task.resources.cpu",
            "task.resources.ram",
            "task.resources.disk",
            "task.resources.size");

    var missing = node.call("POST", "/api/v1/jobs/www-data/prod/bad", "{\"instances\": 1}");
    assertThat(fields(missing.body())).containsExactly("task");

    var badKey = node.call("POST", "/api/v1/jobs/www%20data/prod/bad", job(1, true, 1));
    assertThat(badKey.status()).isEqualTo(400);
    assertThat(fields(badKey.body())).containsExactly("role");

    var badEnv = node.call("POST", "/api/v1/jobs/www-data/production/bad", job(1, true, 1));
    assertThat(fields(badEnv.body())).containsExactly("environment");

    var tooMany = node.call("POST", "/api/v1/jobs/www-data/prod/bad", job(4001, true, 1));
    assertThat(fields(tooMany.body())).containsExactly("instances");

    var notJson = node.raw("POST", "/api/v1/jobs/www-data/prod/bad", null);
    assertThat(notJson.statusCode()).isEqualTo(400);

    var badQuery = node.call("GET", "/api/v1/tasks?status=RUNNIN&limitt=1", null);
    assertThat(badQuery.status()).isEqualTo(400);
    assertThat(fields(badQuery.body())).containsExactlyInAnyOrder("status", "limitt");

    var tooBig =
        node.call(
            "POST", "/api/v1/jobs/www-data/prod/bad", "{\"x\": \"" + "y".repeat(2_000_000) + "\"}");
    assertThat(tooBig.status()).isEqualTo(413);

    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/dup", job(1, true, 1)).status())
        .isEqualTo(201);
    var exists = node.call("POST", "/api/v1/jobs/www-data/prod/dup", job(1, true, 1));
    assertThat(exists.status()).isEqualTo(409);
    assertThat(exists.body().get("detail").asText())
        .isEqualTo("Job www-data/prod/dup already exists");

    assertThat(node.call("GET", "/api/v1/jobs/www-data/prod/bad", null).status()).isEqualTo(404);
    JsonNode jobs =
        node.await(
            "/api/v1/jobs",
            p -> items(p).stream().anyMatch(j -> j.get("name").asText().equals("dup")));
    assertThat(jobs.get("total").asInt()).isGreaterThan(jobsBefore);
    assertThat(items(jobs)).noneMatch(j -> j.get("name").asText().equals("bad"));
  }

  @Test
  void answersEveryMalformedRequestWithAProblemNeverA5xx() throws Exception {
    sweep(node);
  }

  /**
   * The fuzz sweep of issue 8: malformed bodies on every writing route, malformed reads, and what
   * Pekko refuses before routing, each answered with a problem, never a 5xx. Also run against a
   * node with authentication on ({@code AuthEndToEndTest}).
   */
  static void sweep(NodeProcess node) throws Exception {
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/target", job(1, true, 1)).status())
        .isEqualTo(201);
    List<String> bodies =
        List.of(
            "null",
            "[]",
            "\"x\"",
            "1",
            "{\"instances\": \"x\"}",
            "{\"instances\": 1e400}",
            "{\"count\": 1e20, \"template_instance\": -5}",
            "{\"instances\": \"0-99999999999\"}",
            "{\"instances\": [1, \"a\"]}",
            "{\"instances\": []}",
            "{\"message\": 5}",
            "{\"status\": 5}",
            "{\"auto_run\": \"yes\", \"fail_rate\": 2, \"seed\": 1.5}",
            "{\"count\": 1, \"cpu\": \"x\", \"ports\": \"99999-1\", \"attributes\": {\"a\": {\"b\": 1}}}",
            "{\"task\": {\"resources\": {\"cpu\": 1e308, \"ram\": \"9999999999999999TB\", \"disk\": \"1e5MB\"}}}",
            "{\"a\":".repeat(300) + "1" + "}".repeat(300),
            "{\"constraints\": {\"host\": \"limit:-1\", \"dedicated\": \"!a\"}, \"health_check\": {\"type\": \"ftp\"}}",
            "{\"sla_policy\": {\"percentage\": \"x\"}, \"container\": {\"docker\": {\"parameters\": [1]}}, \"cron_schedule\": \"* * * *\"}",
            "{\"task\": {\"resources\": {\"cpu\": 1e999, \"ram\": 1e999, \"disk\": -1e999}}}",
            "{\"count\": 1, \"cpu\": 1e999}",
            // Once read as instance 0 (the int of 2^32), and copied.
            "{\"template_instance\": 4294967296, \"count\": 1}",
            job(1, true, 1).replace("0.5", "1e999"),
            job(1, true, 1).replace("\"128MB\"", "-1e999"),
            job(1, true, 1)
                .replace("{\"instances\"", "{\"constraints\": {\"rack\": \"!\"}, \"instances\""));
    List<String> routes =
        List.of(
            "POST /api/v1/jobs/www-data/prod/other",
            "POST /api/v1/jobs/www-data/prod/target/kill",
            "POST /api/v1/jobs/www-data/prod/target/restart",
            "POST /api/v1/jobs/www-data/prod/target/instances",
            "POST /api/v1/jobs/www-data/prod/target/diff",
            "POST /api/v1/config/validate",
            "POST /api/v1/sim/agents",
            "POST /api/v1/sim/tasks/nope/status",
            "PUT /api/v1/sim/behaviour",
            "PUT /api/v1/quotas/www-data",
            "POST /api/v1/maintenance/start",
            "POST /api/v1/maintenance/drain",
            "POST /api/v1/maintenance/sla-drain",
            "POST /api/v1/maintenance/end",
            // Empty segments, and keys too long for the stores (item 1 and 2 of issue 8).
            "POST /api/v1/jobs/www-data/prod//diff",
            "POST /api/v1/jobs/www-data//prod/diff2",
            "POST /api/v1/jobs//www-data/prod/x1",
            "POST /api/v1/jobs/www-data/prod/" + "n".repeat(65),
            "POST /api/v1/jobs/" + "r".repeat(64) + "/prod/" + "n".repeat(181),
            "POST /api/v1/jobs/" + "r".repeat(255) + "/prod/x",
            "POST /api/v1/jobs/www-data/prod/" + "n".repeat(245) + "/diff");
    for (String route : routes) {
      String[] parts = route.split(" ");
      for (String body : bodies) {
        var reply = node.call(parts[0], parts[1], body);
        assertRefused("%s with %s".formatted(route, body), reply.raw());
      }
    }
    for (String read :
        List.of(
            "/api/v1/tasks?limit=-1",
            "/api/v1/tasks?offset=99999999999",
            "/api/v1/tasks?index=abc",
            "/api/v1/tasks?index=5&wait=999m",
            "/api/v1/jobs/%2F/%2F/%2F",
            "/api/v1/tasks?instances=5-1",
            "/api/v1/tasks?instances=0-2147483647",
            "/api/v1/roles?x=1",
            "/api/v1/jobs/www-data/prod/x/pending-reasons?x=1",
            // ?wait beyond a long, or beyond a Duration (item 3).
            "/api/v1/jobs?wait=9223372036854775808",
            "/api/v1/jobs?index=1&wait=99999999999999999999999ms",
            "/api/v1/tasks?wait=9223372036854775807m",
            "/api/v1/roles?wait=9223372036854775808",
            "/api/v1/jobs/www-data/prod/target?wait=9223372036854775808",
            "/api/v1/jobs/www-data/prod/target/tasks?index=0&wait=9223372036854775808s",
            // Empty segments and key parts too long for the stores (items 1 and 2).
            "/api/v1/jobs//www-data/prod/target",
            "/api/v1/jobs/www-data//prod/target",
            "/api/v1/jobs/www-data/prod//target/tasks",
            "/api/v1/jobs/www-data/prod/" + "n".repeat(65),
            "/api/v1/jobs/www-data/prod/" + "n".repeat(256) + "/tasks")) {
      assertRefused(read, node.raw("GET", read, null));
    }
    // What Pekko refuses before routing (item 5), sent as written.
    for (String request :
        List.of(
            "GET /api/v1/ro les HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/jobs?role=www data HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/roles HTTP/1.2\r\nHost: x\r\n\r\n",
            "GET /api/v1/" + "a".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/roles HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n",
            "GET /api/v1/roles HTTP/1.1\r\n" + "X-H: 1\r\n".repeat(100) + "Host: x\r\n\r\n",
            "TRACE /api/v1/roles HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab",
            "CONNECT /api/v1/roles HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab",
            "CONNECT x:80 HTTP/1.1\r\nHost: x\r\n\r\n",
            "FOO /api/v1/roles HTTP/1.1\r\nHost: x\r\n\r\n",
            "PROPFIND /api/v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/roles?a=%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/roles HTTP/1.1\r\n\r\n",
            "GET /api/v1/roles HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
            "POST /api/v1/config/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST /api/v1/config/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                + "Content-Length: 2\r\n\r\n",
            "GET /api/v1/jobs/www-data/prod/. HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /api/v1/jobs/www-data/prod/%2e%2e/diff HTTP/1.1\r\nHost: x\r\n\r\n",
            "DELETE /api/v1/jobs/www-data/prod/target HTTP/1.1\r\nHost: x\r\n\r\n",
            "PATCH /api/v1/roles HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")) {
      NodeProcess.Exchange reply = node.exchange(request);
      String label = request.length() > 80 ? request.substring(0, 80) + "..." : request;
      assertThat(reply.status()).as(label).isBetween(400, 499);
      assertThat(reply.headers())
          .as(label)
          .containsEntry("content-type", "application/problem+json");
      assertThat(NodeProcess.JSON.readTree(reply.body()).get("status").asInt())
          .as(label)
          .isEqualTo(reply.status());
    }
  }

  /**
   * The sweep's rule: a refusal is a problem body with a 4xx status; a 5xx fails the test, except a
   * 503 with {@code Retry-After} (the node is busy, not broken).
   */
  static void assertRefused(String what, java.net.http.HttpResponse<String> reply) {
    String label = what.length() > 200 ? what.substring(0, 200) + "..." : what;
    boolean busy =
        reply.statusCode() == 503 && reply.headers().firstValue("Retry-After").isPresent();
    assertThat(reply.statusCode() < 500 || busy)
        .as("%s answered %d: %s", label, reply.statusCode(), reply.body())
        .isTrue();
    assertThat(reply.statusCode()).as(label).isGreaterThanOrEqualTo(400);
    assertThat(reply.headers().firstValue("Content-Type"))
        .as(label)
        .hasValue("application/problem+json");
  }

  @Test
  void refusesAKeyNoStoreCouldHoldAndStoresTheLongestWhole() throws Exception {
    // Issue 8 item 1: a key of 245-251 characters was stored without its tasks, a longer one
    // stalled 30 s; both are refused now, naming the part, and nothing of them is stored.
    String role = "r".repeat(64);
    var tooLong =
        node.call("POST", "/api/v1/jobs/" + role + "/prod/" + "n".repeat(181), job(1, true, 1));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(fields(tooLong.body())).containsExactly("name");
    assertThat(tooLong.body().get("errors").get(0).get("message").asText())
        .isEqualTo("must be at most 64 characters (got 181)");
    var farTooLong =
        node.call("POST", "/api/v1/jobs/" + "r".repeat(300) + "/prod/x", job(1, true, 1));
    assertThat(farTooLong.status()).isEqualTo(400);
    assertThat(fields(farTooLong.body())).containsExactly("role");

    // The longest key there may be: every part 64 characters (the environment must still match
    // the allowed ones). Its job and its task are stored, and the task runs.
    String env = "staging" + "9".repeat(57);
    String name = "n".repeat(64);
    String path = "/api/v1/jobs/" + role + "/" + env + "/" + name;
    assertThat(node.call("POST", path, job(1, true, 1)).status()).isEqualTo(201);
    node.await(path + "/tasks", p -> allIn(p, 1, "RUNNING"));
    assertThat(node.call("POST", path, job(1, true, 1)).status()).isEqualTo(409);
    assertThat(items(node.get("/api/v1/jobs?role=" + role)))
        .extracting(j -> j.get("job_key").asText())
        .containsExactly(role + "/" + env + "/" + name);
  }

  @Test
  void neverReadsAnEmptySegmentAsAShorterPath() throws Exception {
    // Issue 8 item 2: these once created r/prod/diff and r/prod/diff2, and read r/prod/x1.
    assertThat(node.call("POST", "/api/v1/jobs/www-data/prod/x1", job(1, true, 1)).status())
        .isEqualTo(201);
    for (String path :
        List.of("/api/v1/jobs/www-data/prod//diff", "/api/v1/jobs/www-data//prod/diff2")) {
      var reply = node.call("POST", path, job(1, true, 1));
      assertThat(reply.status()).as(path).isEqualTo(400);
      assertThat(fields(reply.body())).as(path).containsExactly("path");
    }
    assertThat(node.call("GET", "/api/v1/jobs//www-data/prod/x1", null).status()).isEqualTo(400);
    // One trailing slash names the same resource (once the read side shows the job).
    node.await("/api/v1/jobs/www-data/prod/x1/", job -> true);
    assertThat(node.call("GET", "/api/v1/jobs/www-data/prod/diff", null).status()).isEqualTo(404);
    assertThat(node.call("GET", "/api/v1/jobs/www-data/prod/diff2", null).status()).isEqualTo(404);
  }

  @Test
  void refusesNonFiniteResourcesAndAnotherRolesDedicatedPoolNamingTheField() throws Exception {
    // Issue 8 item 4 and the dedicated rule of aurora-semantics §1.4, on every route that reads a
    // job file.
    Map<String, String> cases =
        Map.of(
            "task.resources.cpu", job(1, true, 1).replace("0.5", "1e999"),
            "task.resources.ram", job(1, true, 1).replace("\"128MB\"", "1e999"),
            "task.resources.disk", job(1, true, 1).replace("\"256MB\"", "-1e999"),
            "constraints.dedicated",
                job(1, true, 1)
                    .replace(
                        "{\"instances\"",
                        "{\"constraints\": {\"dedicated\": \"ops/db\"}, \"instances\""));
    for (String route :
        List.of(
            "/api/v1/jobs/www-data/prod/numbers",
            "/api/v1/jobs/www-data/prod/numbers/diff",
            "/api/v1/config/validate")) {
      for (var c : cases.entrySet()) {
        String body = route.endsWith("validate") ? withKey(c.getValue()) : c.getValue();
        var reply = node.call("POST", route, body);
        assertThat(reply.status()).as("%s %s", route, c.getKey()).isEqualTo(400);
        assertThat(fields(reply.body())).as("%s %s", route, c.getKey()).containsExactly(c.getKey());
      }
    }
    var constraints =
        node.call("POST", "/api/v1/config/validate", withKey(cases.get("constraints.dedicated")));
    assertThat(constraints.body().get("errors").get(0).get("message").asText())
        .isEqualTo("only role 'ops' may use the dedicated pool 'ops/db'");
    assertThat(node.call("GET", "/api/v1/jobs/www-data/prod/numbers", null).status())
        .isEqualTo(404);
  }

  /** A job file for {@code /config/validate}, which takes the key from the body. */
  private static String withKey(String job) {
    return "{\"role\": \"www-data\", \"environment\": \"prod\", \"name\": \"numbers\", "
        + job.substring(job.indexOf('{') + 1);
  }

  @Test
  void answersAKnownMethodAPathDoesNotServeWith405AndAllow() throws Exception {
    NodeProcess.Exchange delete =
        node.exchange("DELETE /api/v1/jobs/www-data/prod/any HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(delete.status()).isEqualTo(405);
    assertThat(delete.headers()).containsEntry("allow", "POST, GET");
    NodeProcess.Exchange head = node.exchange("HEAD /api/v1/roles HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.headers()).containsEntry("server", "Borealis");
  }

  static List<String> fields(JsonNode problem) {
    List<String> fields = new ArrayList<>();
    problem.path("errors").forEach(e -> fields.add(e.get("field").asText()));
    return fields;
  }

  @Test
  void aHostLimitOfOnePlacesOneInstancePerAgentAndSaysWhyTheOthersWait(@TempDir Path own)
      throws Exception {
    // Aurora's DSL in the API form: at most one instance of the job per host.
    String limited =
        job(5, true, 1)
            .replace("{\"instances\"", "{\"constraints\": {\"host\": \"limit:1\"}, \"instances\"");
    try (NodeProcess n =
        new NodeProcess(
                Files.createDirectories(own.resolve("limit")),
                SETTINGS.replace("agents = 4", "agents = 3"))
            .start()) {
      assertThat(n.call("POST", "/api/v1/jobs/www-data/prod/spread", limited).status())
          .isEqualTo(201);

      JsonNode tasks =
          n.await(
              "/api/v1/jobs/www-data/prod/spread/tasks?limit_per_instance=1",
              p ->
                  items(p).stream().filter(t -> t.get("status").asText().equals("RUNNING")).count()
                      == 3);
      Set<String> hosts = new TreeSet<>();
      Set<Integer> pending = new TreeSet<>();
      for (JsonNode t : items(tasks)) {
        if (t.get("status").asText().equals("RUNNING")) {
          hosts.add(t.get("host").asText());
        } else {
          assertThat(t.get("status").asText()).isEqualTo("PENDING");
          pending.add(t.get("instance_id").asInt());
        }
      }
      assertThat(hosts).hasSize(3);
      assertThat(pending).hasSize(2);

      JsonNode reasons =
          n.await("/api/v1/jobs/www-data/prod/spread/pending-reasons", p -> items(p).size() == 2);
      assertThat(items(reasons))
          .allSatisfy(
              r -> {
                assertThat(r.get("reason").asText()).isEqualTo("Limit not satisfied: host");
                assertThat(pending).contains(r.get("instance_id").asInt());
                // A PENDING task's own reason says the same, in lists and alone.
                String id = r.get("task_id").asText();
                assertThat(n.get("/api/v1/tasks/" + id).get("reason").asText())
                    .isEqualTo("Limit not satisfied: host");
                JsonNode listed = n.get("/api/v1/tasks?task_id=" + id);
                assertThat(items(listed).get(0).get("reason").asText())
                    .isEqualTo("Limit not satisfied: host");
              });
      // A fourth agent takes one more instance, and only one.
      assertThat(n.call("POST", "/api/v1/sim/agents", "{\"count\": 1}").status()).isEqualTo(201);
      n.await("/api/v1/jobs/www-data/prod/spread/pending-reasons", p -> items(p).size() == 1);
      assertThat(n.call("GET", "/api/v1/jobs/www-data/prod/nope/pending-reasons", null).status())
          .isEqualTo(404);
    }
  }

  /** Every task of the node, with its history, keyed by id. */
  static Map<String, JsonNode> allTasks(NodeProcess node) throws Exception {
    Map<String, JsonNode> result = new HashMap<>();
    for (JsonNode t : items(node.get("/api/v1/tasks"))) {
      String id = t.get("task_id").asText();
      result.put(id, node.get("/api/v1/tasks/" + id));
    }
    return result;
  }

  @Test
  void recoversEveryAcceptedChangeAfterKill9(@TempDir Path own) throws Exception {
    try (NodeProcess n =
        new NodeProcess(Files.createDirectories(own.resolve("crash")), SETTINGS).start()) {
      assertThat(n.call("POST", "/api/v1/jobs/www-data/prod/svc", job(2, true, 1)).status())
          .isEqualTo(201);
      assertThat(n.call("POST", "/api/v1/jobs/www-data/prod/once", job(1, false, 1)).status())
          .isEqualTo(201);
      n.await("/api/v1/tasks?status=RUNNING", p -> p.get("total").asInt() == 3);
      String once =
          items(n.get("/api/v1/jobs/www-data/prod/once/tasks")).get(0).get("task_id").asText();
      n.call("POST", "/api/v1/sim/tasks/" + once + "/status", "{\"status\": \"FINISHED\"}");
      n.call("POST", "/api/v1/jobs/www-data/prod/svc/kill", "{\"instances\": \"1\"}");
      n.await("/api/v1/tasks?status=FINISHED,KILLED", p -> p.get("total").asInt() == 2);
      Map<String, JsonNode> before = allTasks(n);
      JsonNode jobsBefore = n.get("/api/v1/jobs");

      // Accepted just before the crash: must survive it.
      assertThat(n.call("POST", "/api/v1/jobs/www-data/prod/late", job(2, true, 1)).status())
          .isEqualTo(201);
      n.kill9();
      n.start();

      // Every job, and every task with its whole history as it was.
      JsonNode jobsAfter = n.get("/api/v1/jobs");
      for (JsonNode j : items(jobsBefore)) {
        assertThat(items(jobsAfter))
            .anyMatch(
                a ->
                    a.get("job_key").equals(j.get("job_key"))
                        && a.get("instances").equals(j.get("instances")));
      }
      assertThat(items(jobsAfter))
          .anyMatch(a -> a.get("job_key").asText().equals("www-data/prod/late"));
      Map<String, JsonNode> after = allTasks(n);
      for (var e : before.entrySet()) {
        JsonNode was = e.getValue();
        JsonNode now = after.get(e.getKey());
        assertThat(now).as("task %s after restart", e.getKey()).isNotNull();
        if (!was.get("status").asText().equals("RUNNING")) {
          assertThat(now).isEqualTo(was);
        } else {
          // The fresh simulated fleet does not know it: reconciliation makes it LOST; the history
          // before stays exactly as it was.
          JsonNode lost =
              n.await("/api/v1/tasks/" + e.getKey(), t -> t.get("status").asText().equals("LOST"));
          for (int i = 0; i < was.get("events").size(); i++) {
            assertThat(lost.get("events").get(i)).isEqualTo(was.get("events").get(i));
          }
        }
      }
      // The service instance that was running is back, with a new task; the killed one and the
      // finished batch task stay down.
      n.await(
          "/api/v1/jobs/www-data/prod/svc/tasks?instances=0&limit_per_instance=1",
          p -> allIn(p, 1, "RUNNING"));
      // The job accepted just before the crash runs too; if its tasks had started before the
      // crash, their loss counts as flapping and the new ones wait out a penalty first.
      n.await(
          "/api/v1/jobs/www-data/prod/late/tasks?limit_per_instance=1",
          p ->
              p.get("total").asInt() == 2
                  && items(p).stream()
                      .allMatch(
                          t -> List.of("RUNNING", "THROTTLED").contains(t.get("status").asText())));
      assertThat(items(n.get("/api/v1/jobs/www-data/prod/svc/tasks?instances=1"))).hasSize(1);
      assertThat(items(n.get("/api/v1/jobs/www-data/prod/once/tasks"))).hasSize(1);
    }
  }
}
