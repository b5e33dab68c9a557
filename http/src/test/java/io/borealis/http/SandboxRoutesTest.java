package io.borealis.http;

import static io.borealis.model.ScheduleStatus.ASSIGNED;
import static io.borealis.model.ScheduleStatus.FINISHED;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static io.borealis.model.ScheduleStatus.STARTING;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.persistence.ReadView;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sandbox routes served for real on a port, read with the JDK client: whole files, ranges and
 * the read limit, folder listings, 404s for what is not there, 400s for every way out of the
 * sandbox, and followed files that grow while the task runs and end when it does.
 */
class SandboxRoutesTest {

  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final TaskConfig CONFIG =
      TaskConfig.simple(JOB, true, Resources.of(1, 128, 128, "http"));
  private static final Instant T0 = Instant.parse("2026-11-21T22:00:00Z");

  /** borealis.http.max-sandbox-read in this test. */
  private static final int MAX_READ = 1000;

  @TempDir static Path tmp;

  private static RouteFixture fixture;
  private static ReadView view;
  private static Path root;
  private static String node;
  private static String simNode;
  private static final HttpClient client = HttpClient.newHttpClient();

  private static final AtomicInteger instances = new AtomicInteger();
  private static final Map<String, InstanceKey> keys = new ConcurrentHashMap<>();
  private static final Map<String, Long> sequenceNrs = new ConcurrentHashMap<>();

  @BeforeAll
  static void serve() throws Exception {
    fixture =
        RouteFixture.start(
            "sandbox-test",
            ConfigFactory.parseString(
                    "borealis.http.max-sandbox-read = "
                        + MAX_READ
                        + "\npekko.http.server.raw-request-uri-header = on")
                .withFallback(ConfigFactory.load()));
    view = fixture.view;
    root = Files.createDirectories(tmp.resolve("sandboxes"));
    node = bind(Optional.of(root));
    simNode = bind(Optional.empty());
  }

  private static String bind(Optional<Path> sandboxes) throws Exception {
    return bind(sandboxes, SandboxPeers.NONE);
  }

  private static String bind(Optional<Path> sandboxes, SandboxPeers peers) throws Exception {
    Api api = new Api(fixture.context(view, sandboxes), fixture.materializer, peers);
    return "http://127.0.0.1:" + fixture.bind(api);
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading from another node (issue 13: the task's agent runs on another node of the cluster)

  @Test
  void aReadOfATaskOnAnotherNodesAgentIsAnsweredByThatNode() throws Exception {
    String task = runningTask();
    write(task, "data.txt", "0123456789");
    // This node's own sandbox folder does not have the task: agent-1 runs on the other node.
    String front =
        bind(
            Optional.of(Files.createDirectories(tmp.resolve("front-sandboxes"))),
            agentId -> agentId.equals("agent-1") ? Optional.of(node) : Optional.empty());

    var range = get(front, task, "data.txt?offset=3&length=4");
    var listing = get(front, task, "");

    assertThat(range.statusCode()).isEqualTo(200);
    assertThat(range.body()).isEqualTo("3456");
    assertThat(range.headers().firstValue("X-Borealis-File-Size")).contains("10");
    assertThat(listing.body()).isEqualTo(get(node, task, "").body());
    assertThat(get(front, task, "nothing.txt").statusCode()).isEqualTo(404);
  }

  @Test
  void aForwardedReadIsServedWhereItArrivesAndNeverForwardedAgain() throws Exception {
    String task = runningTask();
    // A node that believes agent-1 is elsewhere, but "elsewhere" is itself.
    java.util.concurrent.atomic.AtomicReference<String> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    self.set(
        bind(
            Optional.of(Files.createDirectories(tmp.resolve("loop-sandboxes"))),
            agentId -> Optional.of(self.get())));

    var r = get(self.get(), task, "");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(problem(r).path("detail").asText()).contains("on this node");
  }

  @Test
  void aNodeThatDoesNotAnswerForItsAgentIsA503() throws Exception {
    String task = runningTask();
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String front =
        bind(
            Optional.of(Files.createDirectories(tmp.resolve("lonely-sandboxes"))),
            agentId -> Optional.of("http://127.0.0.1:" + closed));

    var r = get(front, task, "");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(problem(r).path("detail").asText())
        .contains("The node that runs task " + task)
        .contains("does not answer");
  }

  // ---------------------------------------------------------------------------------------------
  // Reading files

  @Test
  void readsAWholeFile() throws Exception {
    String task = runningTask();
    write(task, ".logs/hello/stdout", "hello, world\n");

    var r = get(node, task, ".logs/hello/stdout");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello, world\n");
    assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; charset=UTF-8");
    assertThat(r.headers().firstValue("X-Borealis-File-Size")).contains("13");
  }

  @Test
  void readsARangeFromOffsetAndLength() throws Exception {
    String task = runningTask();
    write(task, "data.txt", "0123456789");

    var r = get(node, task, "data.txt?offset=3&length=4");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("3456");
    assertThat(r.headers().firstValue("X-Borealis-File-Size")).contains("10");
    assertThat(get(node, task, "data.txt?offset=7").body()).isEqualTo("789");
    assertThat(get(node, task, "data.txt?length=0").body()).isEmpty();
  }

  @Test
  void anOffsetPastTheEndReadsNothing() throws Exception {
    String task = runningTask();
    write(task, "data.txt", "0123456789");

    var r = get(node, task, "data.txt?offset=50");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValue("X-Borealis-File-Size")).contains("10");
  }

  @Test
  void oneReadReturnsAtMostTheConfiguredLimit() throws Exception {
    String task = runningTask();
    String content = "x".repeat(MAX_READ) + "y".repeat(MAX_READ) + "z".repeat(500);
    write(task, "big.txt", content);

    var whole = get(node, task, "big.txt");
    var asked = get(node, task, "big.txt?offset=" + MAX_READ + "&length=100000");
    var last = get(node, task, "big.txt?offset=" + 2 * MAX_READ);

    assertThat(whole.body()).isEqualTo(content.substring(0, MAX_READ));
    assertThat(whole.headers().firstValue("X-Borealis-File-Size")).contains("2500");
    assertThat(asked.body()).isEqualTo("y".repeat(MAX_READ));
    assertThat(last.body()).isEqualTo("z".repeat(500));
  }

  @Test
  void namesArePercentDecodedOnceAndAPlusStaysAPlus() throws Exception {
    String task = runningTask();
    write(task, "odd names/a+b c.txt", "odd");

    var r = get(node, task, "odd%20names/a+b%20c.txt");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("odd");
  }

  @Test
  void aLinkThatStaysInsideIsFollowed() throws Exception {
    String task = runningTask();
    write(task, ".logs/hello/stdout", "inside");
    Files.createSymbolicLink(
        root.resolve(task).resolve("latest"), Path.of(".logs", "hello", "stdout"));

    var r = get(node, task, "latest");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("inside");
  }

  // ---------------------------------------------------------------------------------------------
  // Listing folders

  @Test
  void listsTheSandboxRootSortedByName() throws Exception {
    String task = runningTask();
    write(task, "b.txt", "12345");
    write(task, "a.txt", "1");
    Files.setLastModifiedTime(
        root.resolve(task).resolve("a.txt"),
        java.nio.file.attribute.FileTime.from(Instant.parse("2026-11-21T22:00:00.123Z")));

    for (String url : List.of(node + "/api/v1/tasks/" + task + "/sandbox", url(node, task, ""))) {
      var r = send(url);

      assertThat(r.statusCode()).as(url).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
      JsonNode body = Json.MAPPER.readTree(r.body());
      assertThat(body.path("path").asText()).isEqualTo("");
      assertThat(names(body)).containsExactly(".logs", "a.txt", "b.txt");
      JsonNode a = body.path("entries").get(1);
      assertThat(a.path("type").asText()).isEqualTo("file");
      assertThat(a.path("size").asLong()).isEqualTo(1);
      assertThat(a.path("modified").asText()).isEqualTo("2026-11-21T22:00:00.123Z");
      assertThat(body.path("entries").get(0).path("type").asText()).isEqualTo("dir");
      assertThat(body.path("entries").get(2).path("size").asLong()).isEqualTo(5);
    }
  }

  @Test
  void listsTheLogsFolder() throws Exception {
    String task = runningTask();
    write(task, ".logs/hello/stdout", "out");
    write(task, ".logs/hello/stderr", "err");
    write(task, ".logs/setup/stdout", "");

    JsonNode logs = Json.MAPPER.readTree(get(node, task, ".logs").body());
    JsonNode hello = Json.MAPPER.readTree(get(node, task, ".logs/hello/").body());

    assertThat(logs.path("path").asText()).isEqualTo(".logs");
    assertThat(names(logs)).containsExactly("hello", "setup");
    assertThat(hello.path("path").asText()).isEqualTo(".logs/hello");
    assertThat(names(hello)).containsExactly("stderr", "stdout");
  }

  @Test
  void aListingLeavesOutLinksThatLeadOutside() throws Exception {
    String task = runningTask();
    write(task, "kept.txt", "1");
    Path outside = Files.writeString(tmp.resolve("secret-" + task), "secret");
    Files.createSymbolicLink(root.resolve(task).resolve("secret"), outside);

    JsonNode body = Json.MAPPER.readTree(get(node, task, "").body());

    assertThat(names(body)).containsExactly(".logs", "kept.txt");
  }

  // ---------------------------------------------------------------------------------------------
  // What is not there

  @Test
  void anUnknownTaskIs404() throws Exception {
    var r = get(node, "www-data-prod-hello-99-nope", ".logs/hello/stdout");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(problem(r).path("detail").asText()).contains("not found");
  }

  @Test
  void aTaskWithoutASandboxHereIs404() throws Exception {
    String task = runningTask(false);

    var r = get(node, task, "");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(problem(r).path("detail").asText())
        .contains("no sandbox for task " + task + " on this node");
  }

  @Test
  void aMissingFileIs404() throws Exception {
    String task = runningTask();

    var r = get(node, task, ".logs/hello/stdout");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(problem(r).path("detail").asText()).contains("No file .logs/hello/stdout");
  }

  @Test
  void aBackendWithoutSandboxesAnswers404() throws Exception {
    String task = runningTask();

    for (var r : List.of(get(simNode, task, ".logs/hello/stdout"), get(simNode, task, ""))) {
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(problem(r).path("detail").asText())
          .contains("this cluster's backend keeps no sandboxes");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Ways out of the sandbox, and bad parameters

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e/%2e%2e/etc/passwd",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        ".logs/..%2F..%2F..%2Fetc%2Fpasswd",
        ".logs/hello/%2e%2e",
        "%2Fetc%2Fpasswd",
        "a%00b"
      })
  void pathsThatLeaveTheSandboxAre400(String path) throws Exception {
    String task = runningTask();
    write(task, ".logs/hello/stdout", "out");

    var r = send(url(node, task, path));

    assertThat(r.statusCode()).as(path).isEqualTo(400);
    assertThat(fields(problem(r))).as(path).containsExactly("path");
  }

  @Test
  void aLinkThatLeadsOutsideIs400() throws Exception {
    String task = runningTask();
    Path secret = Files.writeString(tmp.resolve("passwd-" + task), "root:x:0:0");
    Path folder = Files.createDirectories(tmp.resolve("etc-" + task));
    Files.writeString(folder.resolve("shadow"), "secret");
    Path sandbox = root.resolve(task);
    Files.createSymbolicLink(sandbox.resolve("passwd"), secret);
    Files.createSymbolicLink(sandbox.resolve("etc"), folder);
    Files.createSymbolicLink(sandbox.resolve("dangling"), tmp.resolve("not-yet-" + task));

    for (String path : List.of("passwd", "etc", "etc/shadow", "etc/none", "dangling")) {
      var r = get(node, task, path);

      assertThat(r.statusCode()).as(path).isEqualTo(400);
      assertThat(fields(problem(r))).as(path).containsExactly("path");
      assertThat(r.body()).doesNotContain("secret", "root:x");
    }
  }

  @Test
  void badParametersAre400NamingEach() throws Exception {
    String task = runningTask();
    write(task, "data.txt", "0123456789");

    var r = get(node, task, "data.txt?offset=-1&length=lots&follow=yes&tail=1");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(fields(problem(r))).containsExactlyInAnyOrder("offset", "length", "follow", "tail");
  }

  @Test
  void followingAFolderIs400() throws Exception {
    String task = runningTask();

    var r = get(node, task, ".logs?follow=true");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(fields(problem(r))).containsExactly("follow");
  }

  // ---------------------------------------------------------------------------------------------
  // Following

  @Test
  void followStreamsAGrowingFileUntilTheTaskEnds() throws Exception {
    String task = runningTask();
    write(task, ".logs/hello/stdout", "line 0\n");
    StringBuilder expected = new StringBuilder("line 0\n");

    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          HttpResponse<InputStream> r =
              client.send(
                  request(url(node, task, ".logs/hello/stdout?follow=true")),
                  HttpResponse.BodyHandlers.ofInputStream());
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.headers().firstValue("X-Borealis-File-Size")).contains("7");
          try (InputStream in = r.body()) {
            // What is there arrives while the task still runs.
            assertThat(new String(in.readNBytes(7), UTF_8)).isEqualTo("line 0\n");
            Thread writer =
                new Thread(
                    () -> {
                      for (int i = 1; i <= 5; i++) {
                        String line = "line " + i + "\n";
                        append(task, ".logs/hello/stdout", line);
                        expected.append(line);
                        sleep(120);
                      }
                      end(task);
                    });
            writer.start();
            String rest = new String(in.readAllBytes(), UTF_8);
            writer.join();
            assertThat("line 0\n" + rest).isEqualTo(expected.toString());
          }
        });
  }

  @Test
  void followWaitsForAFileThatIsNotThereYet() throws Exception {
    String task = runningTask();

    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          var pending =
              client.sendAsync(
                  request(url(node, task, ".logs/hello/stderr?follow=true&offset=2")),
                  HttpResponse.BodyHandlers.ofString());
          sleep(400);
          write(task, ".logs/hello/stderr", "..late\n");
          sleep(400);
          append(task, ".logs/hello/stderr", "later\n");
          end(task);

          var r = pending.get();
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.body()).isEqualTo("late\nlater\n");
        });
  }

  @Test
  void followOfAnEndedTaskSendsTheFileAndEnds() throws Exception {
    String task = runningTask();
    write(task, ".logs/hello/stdout", "all done\n");
    end(task);

    var r = get(node, task, ".logs/hello/stdout?follow=true");
    var missing = get(node, task, ".logs/hello/stderr?follow=true");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("all done\n");
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void aFollowerThatLeavesIsLetGo() throws Exception {
    String task = runningTask();
    write(task, ".logs/hello/stdout", "first\n");

    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          HttpResponse<InputStream> r =
              client.send(
                  request(url(node, task, ".logs/hello/stdout?follow=true")),
                  HttpResponse.BodyHandlers.ofInputStream());
          try (InputStream in = r.body()) {
            assertThat(new String(in.readNBytes(6), UTF_8)).isEqualTo("first\n");
          }
          // A server learns that a client has gone when it next writes to it: as the file grows,
          // the stream stops and lets go of the file (seen where Linux shows open files).
          Path file = root.resolve(task).resolve(".logs/hello/stdout").toRealPath();
          StringBuilder more = new StringBuilder();
          while (openHere(file)) {
            append(task, ".logs/hello/stdout", "more\n");
            more.append("more\n");
            sleep(100);
          }
          end(task);
          assertThat(get(node, task, ".logs/hello/stdout?follow=true").body())
              .isEqualTo("first\n" + more);
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static String runningTask() throws IOException {
    return runningTask(true);
  }

  /** A RUNNING task the view knows; with {@code sandbox}, its sandbox holds an empty .logs. */
  private static String runningTask(boolean sandbox) throws IOException {
    InstanceKey key = new InstanceKey(JOB, instances.getAndIncrement());
    String id = "www-data-prod-hello-" + key.instanceId() + "-6f1c";
    keys.put(id, key);
    apply(
        new InstanceEvent.TaskCreated(
            key,
            ScheduledTask.created(
                id, key, CONFIG, 0, Optional.empty(), PENDING, T0, Optional.empty()),
            "s1"),
        new InstanceEvent.TaskAssigned(key, id, new Assignment("agent-1", "host-1", Map.of()), T0),
        changed(id, ASSIGNED, STARTING),
        changed(id, STARTING, RUNNING));
    if (sandbox) {
      Files.createDirectories(root.resolve(id).resolve(".logs"));
    }
    return id;
  }

  /** The task finishes, as the view learns it. */
  private static void end(String taskId) {
    apply(changed(taskId, RUNNING, FINISHED));
  }

  private static InstanceEvent.TaskStateChanged changed(
      String taskId, ScheduleStatus from, ScheduleStatus to) {
    return new InstanceEvent.TaskStateChanged(
        keys.get(taskId), taskId, from, to, T0, Optional.empty(), 0);
  }

  private static void apply(InstanceEvent... events) {
    List<ReadView.Envelope> batch = new ArrayList<>();
    for (InstanceEvent e : events) {
      String pid = "TaskInstance|" + e.instance();
      batch.add(new ReadView.Envelope(pid, sequenceNrs.merge(pid, 1L, Long::sum), e));
    }
    view.applyAll(batch);
  }

  private static void write(String task, String path, String content) throws IOException {
    Path file = root.resolve(task).resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private static void append(String task, String path, String content) {
    try {
      Files.writeString(root.resolve(task).resolve(path), content, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Whether this process holds {@code file} open; false where /proc/self/fd does not exist. */
  private static boolean openHere(Path file) throws IOException {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return false;
    }
    try (var list = Files.list(fds)) {
      return list.anyMatch(
          fd -> {
            try {
              return Files.readSymbolicLink(fd).equals(file);
            } catch (IOException e) {
              return false;
            }
          });
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The URL of a path in a task's sandbox, {@code path} sent as given (already encoded). */
  private static String url(String node, String task, String path) {
    return node + "/api/v1/tasks/" + task + "/sandbox/" + path;
  }

  private static HttpResponse<String> get(String node, String task, String path) throws Exception {
    return send(url(node, task, path));
  }

  private static HttpRequest request(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
  }

  private static HttpResponse<String> send(String url) throws Exception {
    return client.send(request(url), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode problem(HttpResponse<String> r) throws IOException {
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    return Json.MAPPER.readTree(r.body());
  }

  private static List<String> fields(JsonNode problem) {
    List<String> fields = new ArrayList<>();
    problem.path("errors").forEach(e -> fields.add(e.path("field").asText()));
    return fields;
  }

  private static List<String> names(JsonNode listing) {
    List<String> names = new ArrayList<>();
    listing.path("entries").forEach(e -> names.add(e.path("name").asText()));
    assertThat(names).isSortedAccordingTo(String::compareTo).hasSameSizeAs(new TreeSet<>(names));
    return names;
  }
}
