package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.node.ClientRunner.Result;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Borealis as a new user meets it: a node in its own JVM on the local backend (real processes on
 * this machine), driven by the {@code borealis} client with the README's commands and the files in
 * {@code examples/}. Covers the quickstart, health-gated services, kills that leave no process
 * behind, and a {@code kill -9} of the scheduler under running tasks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalEndToEndTest {

  static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

  NodeProcess node;
  Path data;
  ClientRunner client;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    List<String> ports = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        ports.add(Integer.toString(s.getLocalPort()));
      }
    }
    data = Files.createDirectories(temp.resolve("data"));
    node =
        new NodeProcess(
                data,
                """
                borealis.backend.kind = local
                borealis.backend.local {
                  hostname = "e2e-host"
                  ports = "%s"
                  kill-grace = 2 seconds
                  graceful-shutdown-wait = 2 seconds
                  # The test's processes must not outlive its node.
                  kill-tasks-on-stop = on
                }
                """
                    .formatted(String.join(",", ports)))
            .start();
    // The README's commands name the cluster "local"; here it is this test's node.
    client = new ClientRunner(temp, "local", node.port());
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  Result run(String... args) {
    return client.run(args);
  }

  Result await(Duration within, Predicate<Result> done, String... args) throws Exception {
    return client.await(within, done, args);
  }

  /** The job's tasks as the API shows them, newest first per instance. */
  List<JsonNode> tasks(String job) throws Exception {
    List<JsonNode> items = new ArrayList<>();
    node.get("/api/v1/jobs/" + job + "/tasks").get("items").forEach(items::add);
    return items;
  }

  Path sandbox(String taskId) {
    return data.resolve("sandboxes").resolve(taskId);
  }

  static List<Long> pids(Path... files) throws Exception {
    Instant deadline = Instant.now().plusSeconds(20);
    List<Long> pids = new ArrayList<>();
    for (Path f : files) {
      while (!Files.exists(f) || Files.readString(f).isBlank()) {
        assertThat(Instant.now()).as("waiting for %s", f).isBefore(deadline);
        Thread.sleep(50);
      }
      pids.add(Long.parseLong(Files.readString(f).trim()));
    }
    return pids;
  }

  /** Alive and not a zombie that only waits to be reaped. */
  static boolean running(long pid) {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException gone) {
      return false;
    }
  }

  // -------------------------------------------------------------------------------------------

  @Test
  void theReadmeQuickstartWorksAsWritten() throws Exception {
    Result created =
        run(
            "job",
            "create",
            "local/www-data/prod/hello",
            EXAMPLES.resolve("hello_world.yaml").toString());
    assertThat(created.code()).as(created.toString()).isZero();
    assertThat(created.out())
        .contains("Job url: http://127.0.0.1:" + node.port() + "/api/v1/jobs/www-data/prod/hello");

    Result status =
        await(
            Duration.ofSeconds(30),
            r -> r.out().contains("RUNNING"),
            "job",
            "status",
            "local/www-data/prod/hello");
    String port = tasks("www-data/prod/hello").get(0).get("assigned_ports").get("http").asText();
    assertThat(status.out()).contains("e2e-host").contains("http=" + port);

    Result logs =
        await(
            Duration.ofSeconds(20),
            r -> r.code() == 0 && r.out().contains("Hello world! (1)"),
            "task",
            "logs",
            "local/www-data/prod/hello/0");
    assertThat(logs.out())
        .contains("I am instance 0 of www-data/prod/hello on e2e-host, port " + port);

    // The sandbox serves the task's files, and nothing outside it.
    String taskId = tasks("www-data/prod/hello").get(0).get("task_id").asText();
    for (String escape :
        List.of("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd")) {
      NodeProcess.Reply refused =
          node.call("GET", "/api/v1/tasks/" + taskId + "/sandbox/" + escape, null);
      assertThat(refused.status()).as(escape).isEqualTo(400);
      assertThat(refused.body().toString()).contains("path").doesNotContain("root:");
    }

    Result killed = run("job", "killall", "local/www-data/prod/hello");
    assertThat(killed.code()).as(killed.toString()).isZero();
    await(
        Duration.ofSeconds(30),
        r -> r.out().contains("KILLED") && !r.out().contains("RUNNING"),
        "job",
        "status",
        "local/www-data/prod/hello");
  }

  @Test
  void aWebServiceRunsOnlyOnceHealthyAndAnUnhealthyOneFailsWithTheReasonAndIsRestarted()
      throws Exception {
    Result web =
        run(
            "job",
            "create",
            "local/www-data/prod/web",
            EXAMPLES.resolve("web_service.yaml").toString(),
            "--wait");
    assertThat(web.code()).as(web.toString()).isZero();
    HttpClient http = HttpClient.newHttpClient();
    for (JsonNode task : tasks("www-data/prod/web")) {
      assertThat(task.get("status").asText()).isEqualTo("RUNNING");
      int port = task.get("assigned_ports").get("http").asInt();
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.body()).isEqualTo("ok");
      // The process warmed up before it served: RUNNING came after the health endpoint answered.
      assertThat(
              Files.readString(sandbox(task.get("task_id").asText()).resolve(".logs/web/stdout")))
          .startsWith("warming up...\nserving on port " + port);
    }

    // Issue 8, item 8: --wait ends at the first failed health check (it cycled STARTING ->
    // THROTTLED until it gave up after 5 minutes).
    Instant started = Instant.now();
    Result unhealthy =
        run(
            "job",
            "create",
            "local/www-data/prod/unhealthy",
            EXAMPLES.resolve("web_service_unhealthy.yaml").toString(),
            "--wait",
            "--wait-timeout",
            "2m");
    assertThat(unhealthy.code()).as(unhealthy.toString()).isEqualTo(1);
    assertThat(unhealthy.err())
        .startsWith("borealis: instance 0 is FAILED: Failed health check")
        .contains("GET /health answered 503")
        .doesNotContain("gave up");
    assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(60));
    Result status =
        await(
            Duration.ofSeconds(40),
            r -> r.out().contains("Failed health check"),
            "job",
            "status",
            "local/www-data/prod/unhealthy");
    assertThat(status.out()).contains("GET /health answered 503");
    // A service is started again: the instance has a newer task than the failed one.
    node.await(
        "/api/v1/jobs/www-data/prod/unhealthy/tasks",
        p -> p.get("total").asInt() >= 2,
        Duration.ofSeconds(20));
    List<JsonNode> history = tasks("www-data/prod/unhealthy");
    assertThat(history).hasSizeGreaterThanOrEqualTo(2);
    assertThat(history.stream().map(t -> t.get("status").asText()))
        .contains("FAILED")
        .anyMatch(s -> !s.equals("FAILED"));

    assertThat(run("job", "killall", "local/www-data/prod/web").code()).isZero();
    assertThat(run("job", "killall", "local/www-data/prod/unhealthy").code()).isZero();
  }

  @Test
  void waitFollowsABatchJobUntilFinishedAndStopsAtAFailedTaskWithItsReason() throws Exception {
    // Issue 8, item 8: a batch task that ran for a second and then failed was "up", exit 0.
    Result failing =
        run(
            "job",
            "create",
            "local/www-data/prod/failing",
            EXAMPLES.resolve("failing.yaml").toString(),
            "--wait");
    assertThat(failing.code()).as(failing.toString()).isEqualTo(1);
    assertThat(failing.out()).doesNotContain("is up", "finished.");
    assertThat(failing.err())
        .startsWith("borealis: instance 0 is FAILED: ")
        .contains("could not connect to db.internal:5432");

    Result batch =
        run(
            "job",
            "create",
            "local/www-data/prod/wordcount",
            EXAMPLES.resolve("batch.yaml").toString(),
            "--wait");
    assertThat(batch.code()).as(batch.toString()).isZero();
    assertThat(batch.out()).endsWith("2 instances: 2 FINISHED\nAll 2 instances are finished.\n");
  }

  @Test
  void killallLeavesNoProcessOfTheJobAliveNotEvenAChildThatIgnoresSigterm() throws Exception {
    Path file =
        Files.writeString(
            data.resolveSibling("stubborn.yaml"),
            """
            instances: 2
            service: true
            task:
              processes:
                - name: main
                  cmdline: |
                    (trap '' TERM; echo $BASHPID > stubborn.pid; while true; do sleep 0.2; done) &
                    echo $$ > main.pid
                    sleep 3600
              resources: {cpu: 0.1, ram: 16MB, disk: 16MB}
            """);
    Result created =
        run("job", "create", "local/www-data/prod/stubborn", file.toString(), "--wait");
    assertThat(created.code()).as(created.toString()).isZero();
    List<Long> pids = new ArrayList<>();
    for (JsonNode task : tasks("www-data/prod/stubborn")) {
      Path dir = sandbox(task.get("task_id").asText());
      pids.addAll(pids(dir.resolve("stubborn.pid"), dir.resolve("main.pid")));
    }
    assertThat(pids).hasSize(4).allMatch(LocalEndToEndTest::running);

    assertThat(run("job", "killall", "local/www-data/prod/stubborn").code()).isZero();

    await(
        Duration.ofSeconds(30),
        r -> r.out().split("KILLED", -1).length == 3,
        "job",
        "status",
        "local/www-data/prod/stubborn");
    assertThat(pids).noneMatch(LocalEndToEndTest::running);
  }

  @Test
  void afterKillMinus9TasksKeepRunningUnderTheirIdsAndDeadOnesAreReplaced() throws Exception {
    Path file =
        Files.writeString(
            data.resolveSibling("survivor.yaml"),
            """
            instances: 2
            service: true
            task:
              processes:
                - name: main
                  cmdline: "echo $$ > main.pid; sleep 3600"
              resources: {cpu: 0.1, ram: 16MB, disk: 16MB}
            """);
    Result created =
        run("job", "create", "local/www-data/prod/survivor", file.toString(), "--wait");
    assertThat(created.code()).as(created.toString()).isZero();
    Map<Integer, String> before =
        tasks("www-data/prod/survivor").stream()
            .collect(
                Collectors.toMap(
                    t -> t.get("instance_id").asInt(), t -> t.get("task_id").asText()));
    long survivorPid = pids(sandbox(before.get(0)).resolve("main.pid")).get(0);
    long doomedPid = pids(sandbox(before.get(1)).resolve("main.pid")).get(0);

    node.kill9();
    // While the scheduler is down, instance 1's processes die, leaving no exit code: the wrapper
    // that would record one goes first (had it seen its process die, the task would end FAILED
    // with that code, as the sandbox says).
    ProcessHandle doomed = ProcessHandle.of(doomedPid).orElseThrow();
    ProcessHandle wrapper = doomed.parent().orElseThrow();
    wrapper.destroyForcibly();
    wrapper.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
    doomed.descendants().forEach(ProcessHandle::destroyForcibly);
    doomed.destroyForcibly();
    node.start();

    JsonNode replaced =
        node.await(
            "/api/v1/jobs/www-data/prod/survivor/tasks?instances=1",
            page ->
                page.get("items").size() >= 2
                    && page.get("items").get(0).get("status").asText().equals("RUNNING"));
    assertThat(replaced.get("items").get(1).get("task_id").asText()).isEqualTo(before.get(1));
    assertThat(replaced.get("items").get(1).get("status").asText()).isEqualTo("LOST");

    JsonNode kept = node.get("/api/v1/jobs/www-data/prod/survivor/tasks?instances=0");
    assertThat(kept.get("items")).hasSize(1);
    assertThat(kept.get("items").get(0).get("task_id").asText()).isEqualTo(before.get(0));
    assertThat(kept.get("items").get(0).get("status").asText()).isEqualTo("RUNNING");
    // Not restarted: the very same process still runs.
    assertThat(running(survivorPid)).isTrue();
    assertThat(Files.readString(sandbox(before.get(0)).resolve("main.pid")).trim())
        .isEqualTo(Long.toString(survivorPid));

    assertThat(run("job", "killall", "local/www-data/prod/survivor").code()).isZero();
    await(
        Duration.ofSeconds(30),
        r -> !r.out().contains("RUNNING") && !r.out().contains("KILLING"),
        "job",
        "status",
        "local/www-data/prod/survivor");
    assertThat(running(survivorPid)).isFalse();
  }
}
