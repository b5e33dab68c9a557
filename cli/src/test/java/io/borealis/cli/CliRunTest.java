package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
            Duration.ofMillis(10),
            clock,
            clock::advance);
  }

  /** Time that passes only when the client sleeps. */
  static final class ManualClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  final ManualClock clock = new ManualClock();

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
    return task("t-" + instance, instance, status, reason, "2026-01-01T00:00:00.123Z");
  }

  static String task(String id, int instance, String status, String reason, String updatedAt) {
    return """
        {"task_id": "%s", "job_key": "www-data/prod/hello", "instance_id": %d, "status": "%s",
         "host": "agent-1", "assigned_ports": {"admin": 31001, "http": 31000},
         "failure_count": 0, "reason": %s, "updated_at": "%s"}
        """
        .formatted(id, instance, status, reason == null ? "null" : "\"" + reason + "\"", updatedAt);
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
  void everyCommandsHelpReadsWhole() {
    // A command list shows only the first line of each description: it must say it all.
    List<String> cut = new java.util.ArrayList<>();
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
    todo.add(Cli.commandLine(System.out, System.err, env));
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.pop();
      String[] description = c.getCommandSpec().usageMessage().description();
      if (description.length > 0 && !description[0].strip().endsWith(".")) {
        cut.add(c.getCommandSpec().qualifiedName() + ": " + description[0]);
      }
      for (picocli.CommandLine.Model.OptionSpec option : c.getCommandSpec().options()) {
        if (option.arity().max() > 0 && option.paramLabel().startsWith("<")) {
          // picocli's default label is the field's name: say what the value is.
          cut.add(c.getCommandSpec().qualifiedName() + " " + option.longestName() + ": no label");
        }
      }
      // Descriptions are format strings: a lone % makes picocli warn on stderr in the help.
      PrintStream stderr = System.err;
      ByteArrayOutputStream warnings = new ByteArrayOutputStream();
      System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
      try {
        c.getUsageMessage();
      } finally {
        System.setErr(stderr);
      }
      if (warnings.size() > 0) {
        cut.add(c.getCommandSpec().qualifiedName() + ": " + warnings);
      }
      todo.addAll(c.getSubcommands().values());
    }
    assertThat(cut).isEmpty();
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

    // Issue 8, item 10: reported before anything is sent.
    for (String dots : List.of("fake/www-data/prod/..", "fake/www-data/./hello")) {
      Result bad = run("job", "create", dots, "hello.yaml");
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("may not be '");
      assertThat(run("job", "inspect", dots, "hello.yaml").code()).isEqualTo(2);
    }
    assertThat(fake.requests).isEmpty();

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
  void aClusterOfSeveralNodesIsServedByTheFirstThatAnswersAndItsUrlIsPrinted() throws IOException {
    // Issue 13: the first node refuses connections; nothing was sent, so the create moves on.
    Files.writeString(
        Files.createDirectories(temp.resolve("home").resolve(".borealis")).resolve("clusters.json"),
        "[{\"name\": \"ha\", \"scheduler_uri\": [\"http://127.0.0.1:%d\", \"127.0.0.1:%d\"]}]"
            .formatted(closedPort, fake.port()));
    fake.json(
        "POST " + JOB,
        201,
        "{\"job_key\": \"www-data/prod/hello\", \"instances\": 2,"
            + " \"message\": \"2 new tasks pending for job www-data/prod/hello\"}");

    Result r = run("job", "create", "ha/www-data/prod/hello", jobFile().toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .endsWith(
            "Job url: http://127.0.0.1:" + fake.port() + "/api/v1/jobs/www-data/prod/hello\n");
    assertThat(fake.requests("POST " + JOB)).hasSize(1);
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
                + "Job url: http://127.0.0.1:"
                + fake.port()
                + "/api/v1/jobs/www-data/prod/hello\n");
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

  JsonNode onlyJson(Result r) throws IOException {
    // One document: nothing after it but white space.
    var parser = new ObjectMapper().createParser(r.out());
    JsonNode doc = new ObjectMapper().readTree(parser);
    assertThat(parser.nextToken()).as(r.out()).isNull();
    return doc;
  }

  @Test
  void aJobThatIsUpdatingNamesTheUpdateAndHowToWaitForOrEndIt() throws IOException {
    fake.json(
        "POST " + JOB + "/kill",
        409,
        "{\"title\": \"Conflict\", \"status\": 409, \"detail\": \"Job is currently updating"
            + " (update u1 is active).\", \"update_id\": \"u1\"}");

    Result text = run("job", "killall", "fake/www-data/prod/hello");

    assertThat(text.code()).isEqualTo(1);
    assertThat(text.err())
        .isEqualTo(
            "borealis: Conflict: Job is currently updating (update u1 is active).\n"
                + "  Wait for it with: borealis update wait fake/www-data/prod/hello u1\n"
                + "  or end it with: borealis update abort fake/www-data/prod/hello u1\n");

    Result json = run("job", "killall", "fake/www-data/prod/hello", "-o", "json");
    assertThat(onlyJson(json).at("/error/problem/update_id").asText()).isEqualTo("u1");
  }

  @Test
  void withJsonOutputEveryFailureIsOneJsonDocumentOnStdout() throws IOException {
    // Issue 8, item 9: errors were plain text whatever -o said.
    fake.json(
        "POST " + JOB,
        409,
        "{\"title\": \"Conflict\", \"status\": 409,"
            + " \"detail\": \"Job www-data/prod/hello already exists\"}");
    Result conflict =
        run("job", "create", "fake/www-data/prod/hello", jobFile().toString(), "-o", "json");
    assertThat(conflict.code()).isEqualTo(1);
    JsonNode error = onlyJson(conflict).get("error");
    assertThat(error.get("message").asText())
        .isEqualTo("Conflict: Job www-data/prod/hello already exists");
    assertThat(error.get("exit_code").asInt()).isEqualTo(1);
    assertThat(error.at("/problem/status").asInt()).isEqualTo(409);
    assertThat(error.at("/problem/detail").asText())
        .isEqualTo("Job www-data/prod/hello already exists");

    Result usage = run("job", "list", "fake", "--colour", "--output=json");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(onlyJson(usage).at("/error/message").asText()).contains("--colour");
    assertThat(onlyJson(usage).at("/error/exit_code").asInt()).isEqualTo(2);

    Result badKey = run("job", "status", "fake/www-data/hello", "-ojson");
    assertThat(badKey.code()).isEqualTo(2);
    assertThat(onlyJson(badKey).at("/error/message").asText()).contains("is not a job key");

    Result down = run("job", "status", "down/www-data/prod/hello", "-o", "json");
    assertThat(down.code()).isEqualTo(3);
    assertThat(onlyJson(down).at("/error/message").asText()).contains("cannot reach");
    assertThat(onlyJson(down).at("/error/exit_code").asInt()).isEqualTo(3);
  }

  @Test
  void aJobFileThatDisagreesWithTheKeyIsNotSent() throws IOException {
    Path f = Files.writeString(temp.resolve("other.yaml"), "environment: devel\ninstances: 1\n");
    Result r = run("job", "create", "fake/www-data/prod/hello", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("environment is \"devel\"");
    assertThat(fake.requests).isEmpty();
  }

  Path serviceFile() throws IOException {
    return Files.writeString(
        temp.resolve("service.yaml"),
        """
        instances: 2
        service: true
        task:
          processes: [{name: web, cmdline: "serve"}]
          resources: {cpu: 0.5, ram: 128MB, disk: 256MB}
        """);
  }

  static final String TASKS = "GET " + JOB + "/tasks?offset=0";

  FakeScheduler.Answer tasks(String... items) {
    return FakeScheduler.Answer.json(200, page(items), Map.of());
  }

  Result createAndWait(Path file, String... more) {
    fake.json("POST " + JOB, 201, "{\"instances\": 2, \"message\": \"2 new tasks pending\"}");
    List<String> args =
        new java.util.ArrayList<>(
            List.of("job", "create", "fake/www-data/prod/hello", file.toString(), "--wait"));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  @Test
  void createWaitsUntilEveryInstanceOfAServiceRuns() throws IOException {
    fake.answers(
        TASKS,
        tasks(), // before the create
        tasks(task(0, "PENDING", null)),
        tasks(task(0, "RUNNING", null), task(1, "STARTING", null)),
        tasks(task(0, "RUNNING", null), task(1, "RUNNING", null)));

    Result up = createAndWait(serviceFile());

    assertThat(up.code()).as(up.toString()).isZero();
    assertThat(up.out())
        .isEqualTo(
            "2 new tasks pending for job www-data/prod/hello\n"
                + "Job url: http://127.0.0.1:"
                + fake.port()
                + JOB
                + "\n"
                + "2 instances: 1 PENDING, 1 not visible yet\n"
                + "2 instances: 1 STARTING, 1 RUNNING\n"
                + "2 instances: 2 RUNNING\n"
                + "All 2 instances are up.\n");
  }

  @Test
  void waitJudgesOnlyTheTasksOfTheNewJobNotTheKilledOnesOfTheOldOne() throws IOException {
    // Issue 8, item 7: after killall, the read side still lists the killed tasks (or only them).
    String killed0 = task("old-0", 0, "KILLED", "Killed by the scheduler", "2026-01-01T00:00:00Z");
    String killed1 = task("old-1", 1, "KILLED", "Killed by the scheduler", "2026-01-01T00:00:00Z");
    fake.answers(
        TASKS,
        tasks(killed0, killed1), // before the create
        tasks(killed0, killed1), // the read side has not seen the create yet
        tasks(task(0, "RUNNING", null), killed0, task(1, "RUNNING", null), killed1));

    Result r = createAndWait(serviceFile());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("2 instances: 2 not visible yet\n", "All 2 instances are up.");
  }

  @Test
  void waitStopsAtTheFirstFailureEvenWhenAServiceIsStartedAgain() throws IOException {
    // Issue 8, item 8: the failed task is replaced at once, so the newest task never fails.
    fake.answers(
        TASKS,
        tasks(),
        tasks(task(0, "STARTING", null), task(1, "STARTING", null)),
        tasks(
            task(
                "t-0b",
                0,
                "THROTTLED",
                "Rescheduled, penalized for 90179 ms for flapping",
                "2026-01-01T00:00:06Z"),
            task(
                "t-0",
                0,
                "FAILED",
                "Failed health check: GET /health answered 503",
                "2026-01-01T00:00:05Z"),
            task(1, "STARTING", null)));

    Result r = createAndWait(serviceFile());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "borealis: instance 0 is FAILED: Failed health check: GET /health answered 503"
                + " (task t-0)\n");
    assertThat(fake.requests(TASKS)).hasSize(3);
  }

  @Test
  void aBatchJobIsWaitedForUntilFinishedAndFailsWhenATaskFails() throws IOException {
    // Issue 8, item 8: a batch task that ran, then failed, is not "up".
    fake.answers(
        TASKS,
        tasks(),
        tasks(task(0, "RUNNING", null), task(1, "RUNNING", null)),
        tasks(task(0, "FINISHED", null), task(1, "FAILED", "Process main exited with code 3")));
    Result failed = createAndWait(jobFile());
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.out()).contains("2 instances: 2 RUNNING\n").doesNotContain("finished.");
    assertThat(failed.err())
        .isEqualTo("borealis: instance 1 is FAILED: Process main exited with code 3 (task t-1)\n");

    fake.answers(
        TASKS,
        tasks(),
        tasks(task(0, "RUNNING", null), task(1, "RUNNING", null)),
        tasks(task(0, "FINISHED", null), task(1, "FINISHED", null)));
    Result finished = createAndWait(jobFile());
    assertThat(finished.code()).as(finished.toString()).isZero();
    assertThat(finished.out()).endsWith("2 instances: 2 FINISHED\nAll 2 instances are finished.\n");
  }

  @Test
  void waitUntilRunningTakesABatchJobsRunningOrFinishedTasks() throws IOException {
    // The simulated backend's tasks never end, so RUNNING is as far as they go.
    fake.answers(
        TASKS,
        tasks(),
        tasks(task(0, "PENDING", null)),
        tasks(task(0, "RUNNING", null), task(1, "RUNNING", null)));
    Result running = createAndWait(jobFile(), "--wait-until", "RUNNING");
    assertThat(running.code()).as(running.toString()).isZero();
    assertThat(running.out()).endsWith("2 instances: 2 RUNNING\nAll 2 instances are running.\n");

    fake.answers(
        TASKS,
        tasks(),
        tasks(task(0, "STARTING", null), task(1, "STARTING", null)),
        tasks(task(0, "FINISHED", null), task(1, "FAILED", "Process main exited with code 3")));
    Result failed = createAndWait(jobFile(), "--wait-until", "RUNNING");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err())
        .isEqualTo("borealis: instance 1 is FAILED: Process main exited with code 3 (task t-1)\n");
  }

  @Test
  void aBatchWaitGivesUpSayingWhatItWaitedFor() throws IOException {
    fake.answers(TASKS, tasks(), tasks(task(0, "FINISHED", null), task(1, "RUNNING", null)));
    Result slow = createAndWait(jobFile(), "--wait-timeout", "200ms");
    assertThat(slow.code()).isEqualTo(1);
    assertThat(slow.err())
        .contains(
            "gave up waiting after 200ms for every instance to be FINISHED:"
                + " 2 instances: 1 RUNNING, 1 FINISHED");
  }

  @Test
  void anInterruptedCreateWaitSaysTheJobGoesOn() throws IOException {
    List<Runnable> registered = new java.util.ArrayList<>();
    List<Runnable> unregistered = new java.util.ArrayList<>();
    UpdateCommands.Interrupts before = UpdateCommands.interrupts;
    UpdateCommands.interrupts =
        onInterrupt -> {
          registered.add(onInterrupt);
          return () -> unregistered.add(onInterrupt);
        };
    try {
      fake.answers(
          TASKS,
          tasks(),
          tasks(task(0, "PENDING", null)),
          tasks(task(0, "RUNNING", null), task(1, "RUNNING", null)));
      env =
          new Env(
              env.variables(),
              env.home(),
              false,
              Duration.ofMillis(10),
              clock,
              d -> {
                // Ctrl-C while the wait sleeps between polls: the hook the JVM would run.
                registered.get(0).run();
                clock.advance(d);
              });

      Result r = createAndWait(serviceFile());

      assertThat(r.err())
          .startsWith(
              "borealis: stopped waiting; the job www-data/prod/hello is created and goes on."
                  + " See it with: borealis job status fake/www-data/prod/hello\n");
      assertThat(unregistered).containsExactlyElementsOf(registered);
    } finally {
      UpdateCommands.interrupts = before;
    }
  }

  @Test
  void waitGivesUpAfterItsTimeoutSayingWhatItWaitedFor() throws IOException {
    fake.answers(TASKS, tasks(), tasks(task(0, "RUNNING", null), task(1, "PENDING", null)));
    Result slow = createAndWait(serviceFile(), "--wait-timeout", "200ms");
    assertThat(slow.code()).isEqualTo(1);
    assertThat(slow.err())
        .contains(
            "gave up waiting after 200ms for every instance to be RUNNING:"
                + " 2 instances: 1 PENDING, 1 RUNNING; the job www-data/prod/hello is created and"
                + " goes on. See it with: borealis job status fake/www-data/prod/hello");
  }

  static final String UUID_A = "6f1c2a3b-0000-4000-8000-000000000001";
  static final String UUID_B = "9d8e7f6a-0000-4000-8000-000000000002";

  @Test
  void statusOfInstancesWithoutTasksNamesThem() {
    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=2&instances=1%2C7-9&offset=0",
        200,
        page(task(1, "RUNNING", null)));
    fake.json("GET " + JOB + "/tasks?limit_per_instance=2&instances=8&offset=0", 200, page());

    Result some = run("job", "status", "fake/www-data/prod/hello/1,7-9");
    Result none = run("job", "status", "fake/www-data/prod/hello/8");

    assertThat(some.code()).isZero();
    assertThat(some.out()).startsWith("INSTANCE").endsWith("\nNo tasks for instances 7-9.\n");
    assertThat(none.out()).isEqualTo("No tasks for instance 8.\n");
  }

  @Test
  void statusShowsATableOrTheJson() {
    // Issue 8, item 14: short task ids, times to the second, human durations in messages.
    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=2&offset=0",
        200,
        page(
            task(1, "KILLED", "Killed by the scheduler"),
            task(
                "www-data-prod-hello-0-" + UUID_A,
                0,
                "THROTTLED",
                "Rescheduled, penalized for 90179 ms for flapping",
                "2026-01-01T00:00:10.456Z"),
            task(
                "www-data-prod-hello-0-" + UUID_B,
                0,
                "FAILED",
                "Failed health check",
                "2026-01-01T00:00:07.891Z")));

    Result table = run("job", "status", "fake/www-data/prod/hello");
    assertThat(table.code()).isZero();
    assertThat(table.out())
        .isEqualTo(
            """
            INSTANCE  STATUS     HOST     PORTS                   TASK      FAILURES  MESSAGE
            0         THROTTLED  agent-1  admin=31001,http=31000  6f1c2a3b  0         Rescheduled, penalized for 1m30s for flapping
            1         KILLED     agent-1  admin=31001,http=31000  t-1       0         Killed by the scheduler

            Previous tasks:
            INSTANCE  STATUS  ENDED                 TASK      MESSAGE
            0         FAILED  2026-01-01 00:00:07Z  9d8e7f6a  Failed health check
            """);

    Result wide = run("job", "status", "fake/www-data/prod/hello", "--wide");
    assertThat(wide.out())
        .contains("www-data-prod-hello-0-" + UUID_A, "www-data-prod-hello-0-" + UUID_B);

    Result json = run("job", "status", "fake/www-data/prod/hello", "-o", "json");
    assertThat(json.out())
        .contains(
            "\"total\" : 2",
            "\"task_id\" : \"www-data-prod-hello-0-" + UUID_A + "\"",
            "\"previous\" : [ {",
            "90179 ms",
            "2026-01-01T00:00:07.891Z");
  }

  @Test
  void messagesCountInTheRightNumber() throws IOException {
    // Issue 8, item 14: "1 new tasks", "(1 tasks)", "Restarting instances 2".
    fake.json(
        "POST " + JOB,
        201,
        "{\"instances\": 1, \"message\": \"1 new tasks pending for job www-data/prod/hello\"}");
    assertThat(run("job", "create", "fake/www-data/prod/hello", jobFile().toString()).out())
        .startsWith("1 new task pending for job www-data/prod/hello\n");

    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1&instances=2&offset=0",
        200,
        page(task(2, "RUNNING", null)));
    fake.json(
        "POST " + JOB + "/kill",
        200,
        "{\"instances\": \"2\", \"message\": \"Killed instances 2 (1 tasks)\"}");
    assertThat(run("job", "kill", "fake/www-data/prod/hello/2").out())
        .isEqualTo("Killed instance 2 (1 task)\n");

    fake.json(
        "POST " + JOB + "/restart",
        200,
        "{\"instances\": \"2\", \"message\": \"Restarting instances 2 of www-data/prod/hello\"}");
    assertThat(run("job", "restart", "fake/www-data/prod/hello/2").out())
        .isEqualTo("Restarting instance 2 of www-data/prod/hello\n");

    fake.json(
        "POST " + JOB + "/instances",
        201,
        "{\"instances\": \"3\", \"message\": \"1 new tasks pending for job www-data/prod/hello"
            + " (instances 3)\"}");
    assertThat(run("job", "add", "fake/www-data/prod/hello/0", "1").out())
        .isEqualTo("1 new task pending for job www-data/prod/hello (instance 3)\n");

    fake.json("POST " + JOB + "/restart", 200, "{\"instances\": \"\", \"message\": \"x\"}");
    assertThat(run("job", "restart", "fake/www-data/prod/hello").out())
        .isEqualTo("No active instances to restart.\n");
  }

  @Test
  void killOfInstancesThatDoNotExistSaysWhichAndKillsNothing() {
    // Issue 8, item 12: it printed "No tasks to kill." and exited 0.
    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1&instances=1-9&offset=0",
        200,
        page(task(1, "RUNNING", null), task(2, "RUNNING", null), task(4, "KILLED", null)));

    Result r = run("job", "kill", "fake/www-data/prod/hello/1-9");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "borealis: job fake/www-data/prod/hello has no instances 3,5-9; nothing was killed\n");
    assertThat(fake.requests("POST " + JOB + "/kill")).isEmpty();
  }

  @Test
  void killSendsTheInstancesAndPrintsTheMessage() {
    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1&instances=0-1&offset=0",
        200,
        page(task(0, "RUNNING", null), task(1, "RUNNING", null)));
    fake.json(
        "POST " + JOB + "/kill",
        200,
        "{\"instances\": \"0-1\", \"message\": \"Killed instances 0-1 (2 tasks)\"}");
    Result r = run("job", "kill", "fake/www-data/prod/hello/0-1", "--message", "bye");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("Killed instances 0-1 (2 tasks)\n");
    assertThat(fake.requests("POST " + JOB + "/kill").get(0).body())
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
  void logsWithJsonOutputAreOneDocument() throws IOException {
    // Issue 8, item 9: task logs ignored -o json.
    newestTask();
    processes("web", "db");
    file("/api/v1/tasks/t-1/sandbox/.logs/db/stdout", FakeScheduler.utf8("db out\n"));
    file("/api/v1/tasks/t-1/sandbox/.logs/web/stdout", FakeScheduler.utf8("web out\n"));

    Result r = run("task", "logs", "fake/www-data/prod/hello/1", "-o", "json");

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode doc = onlyJson(r);
    assertThat(doc.get("task_id").asText()).isEqualTo("t-1");
    assertThat(doc.get("stream").asText()).isEqualTo("stdout");
    assertThat(doc.at("/processes/0/name").asText()).isEqualTo("db");
    assertThat(doc.at("/processes/0/content").asText()).isEqualTo("db out\n");
    assertThat(doc.at("/processes/1/content").asText()).isEqualTo("web out\n");

    Result follow = run("task", "logs", "fake/www-data/prod/hello/1", "-f", "-o", "json");
    assertThat(follow.code()).isEqualTo(2);
    assertThat(onlyJson(follow).at("/error/message").asText()).contains("--follow");
  }

  @Test
  void logsNeedOneInstanceAndATask() {
    assertThat(run("task", "logs", "fake/www-data/prod/hello").code()).isEqualTo(2);
    assertThat(run("task", "logs", "fake/www-data/prod/hello/0-1").code()).isEqualTo(2);

    fake.json("GET " + JOB + "/tasks?limit_per_instance=1&instances=1", 200, page());
    Result none = run("task", "logs", "fake/www-data/prod/hello/1");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("instance 1 of job fake/www-data/prod/hello has no task");

    fake.json(
        "GET " + JOB + "/tasks?limit_per_instance=1&instances=1",
        200,
        page(task(1, "PENDING", "Insufficient: CPU (needs 500, largest free 0.9)")));
    Result pending = run("task", "logs", "fake/www-data/prod/hello/1");
    assertThat(pending.code()).isEqualTo(1);
    assertThat(pending.err())
        .contains(
            "instance 1 of job fake/www-data/prod/hello is PENDING (Insufficient: CPU (needs 500,"
                + " largest free 0.9)): its task t-1 has not started, so it has no output yet");

    newestTask();
    processes("web", "db");
    Result unknown = run("task", "logs", "fake/www-data/prod/hello/1", "--process", "wbe");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("task t-1 has no process 'wbe'; its processes: db, web");
    fake.json("GET /api/v1/tasks/t-1/sandbox/.logs", 404, "{\"status\": 404}");

    Result noSandbox = run("task", "logs", "fake/www-data/prod/hello/1", "--process", "web");
    assertThat(noSandbox.code()).isEqualTo(1);
    assertThat(noSandbox.err())
        .contains("Not Found: No resource at /api/v1/tasks/t-1/sandbox/.logs/web/stdout");
  }
}
