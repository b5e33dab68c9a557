package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole command lines, run in-process against a fake scheduler: output and exit codes. */
class CliRunTest {

  static final String JOB = "/api/v1/jobs/www-data/prod/hello";

  record Result(int code, byte[] outBytes, String err) {
    String out() {
      return new String(outBytes, StandardCharsets.UTF_8);
    }
  }

  @TempDir Path temp;
  FakeScheduler fake;
  Env env;
  int closedPort;

  @BeforeEach
  void setUp() throws IOException {
    fake = new FakeScheduler();
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Path etc = Files.createDirectories(temp.resolve("etc"));
    Files.writeString(
        etc.resolve("clusters.json"),
        """
        [{"name": "fake", "scheduler_uri": "http://127.0.0.1:%d", "proxy_url": "https://ui.example.com/"},
         {"name": "down", "scheduler_uri": "http://127.0.0.1:%d"},
         {"name": "kerb", "scheduler_uri": "http://127.0.0.1:%d", "auth_mechanism": "KERBEROS"}]
        """
            .formatted(fake.port(), closedPort, fake.port()));
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
    return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  Path jobFile() throws IOException {
    return Files.writeString(
        temp.resolve("hello.yaml"),
        """
        instances: 2
        task:
          processes: [{name: hello, cmdline: "echo hello"}]
          resources: {cpu: 0.5, ram: 128MB, disk: 256MB}
        """);
  }

  static String task(int instance, String status, String reason) {
    return """
        {"task_id": "t-%d", "job_key": "www-data/prod/hello", "instance_id": %d, "status": "%s",
         "host": "agent-1", "assigned_ports": {"admin": 31001, "http": 31000},
         "failure_count": 0, "reason": %s}
        """
        .formatted(instance, instance, status, reason == null ? "null" : "\"" + reason + "\"");
  }

  static String page(String... items) {
    return "{\"items\": [" + String.join(",", items) + "], \"total\": " + items.length + "}";
  }

  @Test
  void helpListsTheCommandsAndExitsZero() {
    Result help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("job", "task");
    assertThat(run("job", "--help").out()).contains("create", "status", "killall", "diff");
    assertThat(run("job", "status", "-h").out()).contains("--output");
    assertThat(run("--version").out()).contains("Borealis");
  }

  @Test
  void usageErrorsExitTwoWithoutAStackTrace() {
    Result none = run();
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("Usage: borealis");

    Result option = run("job", "list", "--colour");
    assertThat(option.code()).isEqualTo(2);
    assertThat(option.err()).contains("Unknown option: '--colour'", "borealis job list --help");

    Result key = run("job", "status", "fake/www-data/hello");
    assertThat(key.code()).isEqualTo(2);
    assertThat(key.err()).contains("is not a job key").doesNotContain("Exception", "\tat ");

    Result output = run("job", "list", "fake", "-o", "xml");
    assertThat(output.code()).isEqualTo(2);

    Result timeout = run("job", "create", "fake/r/e/n", "f.yaml", "--wait-timeout", "soon");
    assertThat(timeout.code()).isEqualTo(2);
    assertThat(timeout.err()).contains("not a duration");
  }

  @Test
  void unknownClustersAndUnsupportedAuthAreUsageErrors() {
    Result unknown = run("job", "list", "nope");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown cluster 'nope'", "down, fake, kerb, local");

    Result kerb = run("job", "list", "kerb");
    assertThat(kerb.code()).isEqualTo(2);
    assertThat(kerb.err()).contains("KERBEROS");
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void anUnreachableSchedulerExitsThreeNamingItsUrl() {
    Result r = run("job", "status", "down/www-data/prod/hello");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err())
        .contains("cannot reach the scheduler of cluster 'down' at http://127.0.0.1:" + closedPort);
  }

  @Test
  void createSendsTheFileAsJsonAndPrintsTheJobUrl() throws IOException {
    fake.json(
        "POST " + JOB,
        201,
        "{\"job_key\": \"www-data/prod/hello\", \"instances\": 2,"
            + " \"message\": \"2 new tasks pending for job www-data/prod/hello\"}");

    Result r = run("job", "create", "fake/www-data/prod/hello", jobFile().toString());

    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "2 new tasks pending for job www-data/prod/hello\n"
                + "Job url: https://ui.example.com/scheduler/www-data/prod/hello\n");
    FakeScheduler.Request sent = fake.requests.get(0);
    assertThat(sent.contentType()).isEqualTo("application/json");
    assertThat(sent.body())
        .contains("\"instances\":2", "\"role\":\"www-data\"", "\"name\":\"hello\"");
  }

  @Test
  void aRefusalExitsOneWithTheProblemAndEveryBadField() throws IOException {
    fake.json(
        "POST " + JOB,
        400,
        """
        {"title": "Bad Request", "status": 400, "detail": "Invalid request: 2 problems",
         "errors": [{"field": "instances", "message": "must be between 1 and 4000 (got 0)"},
                    {"field": "task.resources.ram", "message": "must be > 0"}]}
        """);
    Result bad = run("job", "create", "fake/www-data/prod/hello", jobFile().toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err())
        .isEqualTo(
            "borealis: Bad Request: Invalid request: 2 problems\n"
                + "  instances: must be between 1 and 4000 (got 0)\n"
                + "  task.resources.ram: must be > 0\n");

    fake.answer(
        "POST " + JOB + "/restart",
        new FakeScheduler.Answer(502, "text/html", List.of(FakeScheduler.utf8("<h1>502</h1>"))));
    Result proxy = run("job", "restart", "fake/www-data/prod/hello");
    assertThat(proxy.code()).isEqualTo(1);
    assertThat(proxy.err()).isEqualTo("borealis: HTTP 502: <h1>502</h1>\n");
  }

  @Test
  void aJobFileThatDisagreesWithTheKeyIsNotSent() throws IOException {
    Path f = Files.writeString(temp.resolve("other.yaml"), "environment: devel\ninstances: 1\n");
    Result r = run("job", "create", "fake/www-data/prod/hello", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("environment is \"devel\"");
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void createWaitsUntilEveryInstanceRunsOrOneFails() throws IOException {
    fake.json("POST " + JOB, 201, "{\"instances\": 2, \"message\": \"2 new tasks pending\"}");
    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1",
        200,
        page(task(0, "RUNNING", null), task(1, "RUNNING", null)));
    Result up = run("job", "create", "fake/www-data/prod/hello", jobFile().toString(), "--wait");
    assertThat(up.code()).isZero();
    assertThat(up.out()).contains("2 instances: 2 RUNNING\n", "All 2 instances are up.");

    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1",
        200,
        page(task(0, "RUNNING", null), task(1, "FAILED", "exit 1")));
    Result failed =
        run("job", "create", "fake/www-data/prod/hello", jobFile().toString(), "--wait");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).contains("instance 1 is FAILED: exit 1 (task t-1)");

    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1",
        200,
        page(task(0, "RUNNING", null), task(1, "PENDING", null)));
    Result slow =
        run(
            "job",
            "create",
            "fake/www-data/prod/hello",
            jobFile().toString(),
            "--wait",
            "--wait-timeout",
            "200ms");
    assertThat(slow.code()).isEqualTo(1);
    assertThat(slow.err())
        .contains("gave up waiting after 200ms: 2 instances: 1 PENDING, 1 RUNNING");
  }

  @Test
  void statusShowsATableOrTheJson() {
    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=2&offset=0",
        200,
        page(
            task(1, "KILLED", "Killed by the scheduler"),
            task(0, "RUNNING", null),
            task(0, "FAILED", "Failed health check")));

    Result table = run("job", "status", "fake/www-data/prod/hello");
    assertThat(table.code()).isZero();
    assertThat(table.out())
        .isEqualTo(
            """
            INSTANCE  STATUS   HOST     PORTS                   TASK  FAILURES  MESSAGE
            0         RUNNING  agent-1  admin=31001,http=31000  t-0   0         -
            1         KILLED   agent-1  admin=31001,http=31000  t-1   0         Killed by the scheduler

            Previous tasks:
            INSTANCE  STATUS  ENDED  TASK  MESSAGE
            0         FAILED  -      t-0   Failed health check
            """);

    Result json = run("job", "status", "fake/www-data/prod/hello", "-o", "json");
    assertThat(json.out()).contains("\"total\" : 2", "\"task_id\" : \"t-0\"", "\"previous\" : [ {");
  }

  @Test
  void killSendsTheInstancesAndPrintsTheMessage() {
    fake.json("POST " + JOB + "/kill", 200, "{\"message\": \"Killed instances 0-1 (2 tasks)\"}");
    Result r = run("job", "kill", "fake/www-data/prod/hello/0-1", "--message", "bye");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("Killed instances 0-1 (2 tasks)\n");
    assertThat(fake.requests.get(0).body())
        .isEqualTo("{\"instances\":\"0-1\",\"message\":\"bye\"}");

    Result whole = run("job", "kill", "fake/www-data/prod/hello");
    assertThat(whole.code()).isEqualTo(2);
    assertThat(whole.err()).contains("use job killall");
    assertThat(run("job", "killall", "fake/www-data/prod/hello/0").code()).isEqualTo(2);
    assertThat(run("job", "add", "fake/www-data/prod/hello/0-1", "2").code()).isEqualTo(2);
    assertThat(run("job", "add", "fake/www-data/prod/hello/0", "0").code()).isEqualTo(2);
  }

  // task logs, to the sandbox contract: .logs lists one folder per process, each holding stdout
  // and stderr; a file answers its bytes, a followed file streams until the task ends.

  void newestTask() {
    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1&instances=1",
        200,
        page(task(1, "RUNNING", null)));
  }

  void processes(String... names) {
    StringBuilder entries = new StringBuilder();
    for (String n : names) {
      entries.append(entries.length() == 0 ? "" : ",");
      entries.append("{\"name\": \"" + n + "\", \"type\": \"dir\", \"size\": 0}");
    }
    fake.json(
        "GET /api/v1/tasks/t-1/sandbox/.logs",
        200,
        "{\"path\": \".logs\", \"entries\": [" + entries + "]}");
  }

  void file(String uri, byte[]... chunks) {
    fake.answer("GET " + uri, new FakeScheduler.Answer(200, "text/plain", List.of(chunks)));
  }

  @Test
  void logsOfTheOnlyProcessPassThroughByteForByte() {
    newestTask();
    processes("hello");
    byte[] raw = {'h', 'i', '\n', (byte) 0xff, 0, '\r', '\n'};
    file("/api/v1/tasks/t-1/sandbox/.logs/hello/stdout", raw);

    Result r = run("task", "logs", "fake/www-data/prod/hello/1");

    assertThat(r.code()).isZero();
    assertThat(r.outBytes()).isEqualTo(raw);
  }

  @Test
  void logsOfSeveralProcessesComeUnderHeaders() {
    newestTask();
    processes("web", "db");
    fake.json(
        "GET /api/v1/tasks/t-1/sandbox/.logs",
        200,
        "{\"path\": \".logs\", \"entries\": [{\"name\": \"web\", \"type\": \"dir\"},"
            + " {\"name\": \"notes.txt\", \"type\": \"file\"}, {\"name\": \"db\", \"type\": \"dir\"}]}");
    file("/api/v1/tasks/t-1/sandbox/.logs/db/stderr", FakeScheduler.utf8("db err\n"));
    file("/api/v1/tasks/t-1/sandbox/.logs/web/stderr", FakeScheduler.utf8("web err\n"));

    Result r = run("task", "logs", "fake/www-data/prod/hello/1", "--stderr");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("==> db <==\ndb err\n\n==> web <==\nweb err\n");

    Result follow = run("task", "logs", "fake/www-data/prod/hello/1", "--follow");
    assertThat(follow.code()).isEqualTo(2);
    assertThat(follow.err()).contains("runs 2 processes (db, web)", "--process");
  }

  @Test
  void followStreamsOneNamedProcess() {
    newestTask();
    file(
        "/api/v1/tasks/t-1/sandbox/.logs/web/stdout?follow=true",
        FakeScheduler.utf8("line 1\n"),
        FakeScheduler.utf8("line 2\n"));

    Result r = run("task", "logs", "fake/www-data/prod/hello/1", "-f", "--process", "web");

    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("line 1\nline 2\n");
    assertThat(fake.requests).noneMatch(q -> q.uri().endsWith("/sandbox/.logs"));
  }

  @Test
  void logsNeedOneInstanceAndATask() {
    assertThat(run("task", "logs", "fake/www-data/prod/hello").code()).isEqualTo(2);
    assertThat(run("task", "logs", "fake/www-data/prod/hello/0-1").code()).isEqualTo(2);

    fake.json("GET " + JOB + "/tasks?limit_per_instance=1&instances=1", 200, page());
    Result none = run("task", "logs", "fake/www-data/prod/hello/1");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("instance 1 of job fake/www-data/prod/hello has no task");

    newestTask();
    Result noSandbox = run("task", "logs", "fake/www-data/prod/hello/1", "--process", "web");
    assertThat(noSandbox.code()).isEqualTo(1);
    assertThat(noSandbox.err())
        .contains("Not Found: No resource at /api/v1/tasks/t-1/sandbox/.logs/web/stdout");
  }
}
