package io.borealis.backend.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.borealis.backend.LaunchTask;
import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.PortRange;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.StatusUpdate;
import io.borealis.backend.TaskRef;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfigParser;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.ValidationSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local agent with real, short-lived processes: what it offers, how tasks run in their
 * sandboxes (placeholders, order, restarts, final processes), health checks, kills that leave no
 * process behind, adoption of tasks that outlive the agent, reconciliation, re-sent statuses and
 * sandbox retention. Its listeners are probes standing in for placement and the status router.
 */
class LocalBackendTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final Duration WAIT = Duration.ofSeconds(20);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** A clock the test can move forward (retention). */
  static final class MovableClock extends Clock {
    volatile Duration offset = Duration.ZERO;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }
  }

  @TempDir Path temp;
  private final MovableClock clock = new MovableClock();
  private final List<ActorRef<ResourceBackend.Command>> started = new ArrayList<>();
  private final Set<Long> pidsToReap = new java.util.HashSet<>();
  private TestProbe<OfferEvent> offers;
  private TestProbe<StatusUpdate> statuses;
  private int port;

  @BeforeEach
  void probes() throws IOException {
    offers = testKit.createTestProbe();
    statuses = testKit.createTestProbe();
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
  }

  @AfterEach
  void stopAgents() {
    started.forEach(testKit::stop);
    // Whatever a failed test left running must not outlive it.
    for (Sandbox s : Sandbox.all(temp.resolve("sandboxes"))) {
      s.state().ifPresent(st -> ProcessTree.signal(Set.copyOf(st.sessions()), true));
    }
    pidsToReap.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private LocalSettings settings(Duration retention, Duration resend) {
    return new LocalSettings(
        "test-host",
        Map.of("rack", Set.of("r1")),
        4,
        4096,
        8192,
        List.of(new PortRange(port, port)),
        temp.resolve("sandboxes"),
        Duration.ofSeconds(3),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        retention,
        Duration.ofMillis(200),
        resend,
        Duration.ofMillis(100),
        false);
  }

  private ActorRef<ResourceBackend.Command> agent() {
    return agent(settings(Duration.ofDays(1), Duration.ofMinutes(5)));
  }

  private ActorRef<ResourceBackend.Command> agent(LocalSettings settings) {
    ActorRef<ResourceBackend.Command> ref =
        testKit.spawn(
            LocalBackend.create(
                new ResourceBackend.Listeners(offers.getRef(), statuses.getRef()),
                settings,
                clock));
    started.add(ref);
    return ref;
  }

  private Offer nextOffer() {
    while (true) {
      OfferEvent e = offers.receiveMessage(WAIT);
      if (e instanceof OfferEvent.OfferReceived r) {
        return r.offer();
      }
    }
  }

  /** A task config from a job file's JSON, as the scheduler would have it. */
  private static TaskConfig config(String json) throws IOException {
    JobConfigParser.Result result =
        JobConfigParser.parse(JSON.readTree(json), ValidationSettings.DEFAULT, Optional.of(JOB));
    assertThat(result.errors()).isEmpty();
    return result.get().task();
  }

  private static String processes(String processesJson) {
    return "{\"task\": {\"processes\": "
        + processesJson
        + ", \"resources\": {\"cpu\": 0.1, \"ram\": \"16MB\", \"disk\": \"16MB\"}}}";
  }

  private String launch(ActorRef<ResourceBackend.Command> agent, TaskConfig config) {
    Offer offer = nextOffer();
    String taskId = "www-data-prod-hello-0-" + UUID.randomUUID();
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : config.resources().ports()) {
      ports.put(name, port);
    }
    agent.tell(
        new ResourceBackend.Launch(
            offer.offerId(),
            offer.agentId(),
            List.of(
                new LaunchTask(
                    taskId,
                    new InstanceKey(JOB, 0),
                    config,
                    new Assignment(offer.agentId(), offer.host(), ports)))));
    return taskId;
  }

  /** The statuses of {@code taskId} up to and including {@code last}. */
  private List<StatusUpdate> until(String taskId, ScheduleStatus last) {
    List<StatusUpdate> seen = new ArrayList<>();
    while (seen.isEmpty() || seen.get(seen.size() - 1).status() != last) {
      StatusUpdate u = statuses.receiveMessage(WAIT);
      if (u.taskId().equals(taskId)) {
        assertThat(seen.stream().map(StatusUpdate::status))
            .as("statuses so far: %s", seen)
            .noneMatch(ScheduleStatus::isTerminal);
        seen.add(u);
      }
    }
    return seen;
  }

  private static List<ScheduleStatus> statusesOf(List<StatusUpdate> updates) {
    return updates.stream().map(StatusUpdate::status).toList();
  }

  private Sandbox sandbox(String taskId) {
    return new Sandbox(temp.resolve("sandboxes"), taskId);
  }

  // -------------------------------------------------------------------------------------------

  @Test
  void offersThisHostAsOneAgent() {
    agent();
    assertThat(offers.receiveMessage(WAIT)).isInstanceOf(OfferEvent.OffersReset.class);
    Offer offer = nextOffer();
    assertThat(offer.agentId()).isEqualTo("local-test-host");
    assertThat(offer.host()).isEqualTo("test-host");
    assertThat(offer.attributes())
        .containsEntry("host", Set.of("test-host"))
        .containsEntry("rack", Set.of("r1"));
    assertThat(offer.cpu()).isEqualTo(4);
    assertThat(offer.ramMb()).isEqualTo(4096);
    assertThat(offer.diskMb()).isEqualTo(8192);
    assertThat(offer.ports()).containsExactly(new PortRange(port, port));
  }

  @Test
  void runsProcessesToFinishedWithPlaceholdersFilledAndOutputInTheSandbox() throws Exception {
    var agent = agent();
    TaskConfig config =
        config(
            "{\"task\": {\"processes\": [{\"name\": \"hello\", \"cmdline\":"
                + " \"echo instance {{mesos.instance}} task {{thermos.task_id}} port"
                + " {{thermos.ports[http]}} on {{mesos.hostname}} as {{role}}/{{environment}}/{{name}};"
                + " echo to-stderr >&2\"}],"
                + " \"resources\": {\"cpu\": 0.1, \"ram\": \"16MB\", \"disk\": \"16MB\","
                + " \"ports\": [\"http\"]}}}");
    String taskId = launch(agent, config);

    List<StatusUpdate> updates = until(taskId, ScheduleStatus.FINISHED);

    assertThat(statusesOf(updates))
        .containsExactly(ScheduleStatus.STARTING, ScheduleStatus.RUNNING, ScheduleStatus.FINISHED);
    assertThat(updates).allMatch(u -> u.agentId().equals(Optional.of("local-test-host")));
    assertThat(updates).allMatch(u -> u.instance().equals(Optional.of(new InstanceKey(JOB, 0))));
    Sandbox sandbox = sandbox(taskId);
    assertThat(Files.readString(sandbox.stdout("hello")))
        .isEqualTo(
            "instance 0 task "
                + taskId
                + " port "
                + port
                + " on test-host as www-data/prod/hello\n");
    assertThat(Files.readString(sandbox.stderr("hello"))).isEqualTo("to-stderr\n");
    assertThat(sandbox.state().orElseThrow().ended()).isTrue();
  }

  @Test
  void aFailedTaskNamesTheProcessItsExitCodeAndItsLastStderrLine() {
    var agent = agent();
    String taskId =
        launchProcesses(
            agent,
            "[{\"name\": \"ok\", \"cmdline\": \"sleep 30\"},"
                + " {\"name\": \"migrate\", \"cmdline\": \"echo first >&2; echo 'error:"
                + " no database' >&2; exit 3\"}]");

    List<StatusUpdate> updates = until(taskId, ScheduleStatus.FAILED);

    assertThat(updates.get(updates.size() - 1).message())
        .contains("Process 'migrate' exited with code 3: error: no database");
    // The other process was stopped before the failure was reported.
    assertThat(anyProcessLeft(taskId)).isFalse();
  }

  @Test
  void aProcessKilledByASignalIsNamedByItsSignalAndItsOwnLastStderrLine() throws Exception {
    var agent = agent();
    String taskId =
        launchProcesses(
            agent,
            "[{\"name\": \"crasher\", \"cmdline\": \"echo 'about to crash' >&2; kill -SEGV $$\"}]");

    List<StatusUpdate> updates = until(taskId, ScheduleStatus.FAILED);

    // Not the wrapping shell's "line 1: 1234 Segmentation fault" notice: that is Borealis's own.
    assertThat(updates.get(updates.size() - 1).message())
        .contains(
            "Process 'crasher' exited with code 139 (killed by signal 11, SIGSEGV): about to crash");
    assertThat(Files.readString(sandbox(taskId).stderr("crasher"))).isEqualTo("about to crash\n");
  }

  @Test
  void aFailingProcessIsRestartedUntilItsMaxFailures() throws Exception {
    var agent = agent();
    String taskId =
        launchProcesses(
            agent,
            "[{\"name\": \"flaky\", \"max_failures\": 3,"
                + " \"cmdline\": \"echo run >> runs.txt; exit 1\"}]");

    until(taskId, ScheduleStatus.FAILED);

    assertThat(Files.readAllLines(sandbox(taskId).dir().resolve("runs.txt")))
        .containsExactly("run", "run", "run");
  }

  @Test
  void orderedProcessesRunInSequenceAndFinalProcessesLast() throws Exception {
    var agent = agent();
    String taskId =
        launch(
            agent,
            configUnchecked(
                "{\"task\": {\"processes\": ["
                    + "{\"name\": \"cleanup\", \"final\": true, \"cmdline\": \"echo cleanup >> seq\"},"
                    + "{\"name\": \"second\", \"cmdline\": \"echo second >> seq\"},"
                    + "{\"name\": \"first\", \"cmdline\": \"sleep 0.3; echo first >> seq\"}],"
                    + " \"constraints\": [{\"order\": [\"first\", \"second\"]}],"
                    + " \"resources\": {\"cpu\": 0.1, \"ram\": \"16MB\", \"disk\": \"16MB\"}}}"));

    until(taskId, ScheduleStatus.FINISHED);

    assertThat(Files.readAllLines(sandbox(taskId).dir().resolve("seq")))
        .containsExactly("first", "second", "cleanup");
  }

  @Test
  void aTaskWithAHealthCheckRunsOnlyOnceItsEndpointAnswersOk() throws Exception {
    var agent = agent();
    Path server = Files.writeString(temp.resolve("server.py"), SERVER);
    String taskId =
        launch(
            agent,
            configUnchecked(
                "{\"task\": {\"processes\": [{\"name\": \"web\", \"cmdline\": \"sleep 1.5;"
                    + " exec python3 -u "
                    + server
                    + " {{thermos.ports[http]}}\"}],"
                    + " \"resources\": {\"cpu\": 0.1, \"ram\": \"64MB\", \"disk\": \"16MB\","
                    + " \"ports\": [\"http\"]}},"
                    + " \"service\": true,"
                    + " \"health_check\": {\"type\": \"http\", \"initial_interval_secs\": 10,"
                    + " \"interval_secs\": 1}}"));

    List<StatusUpdate> updates = until(taskId, ScheduleStatus.RUNNING);

    assertThat(statusesOf(updates))
        .containsExactly(ScheduleStatus.STARTING, ScheduleStatus.RUNNING);
    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok");

    // A kill asks the server to quit first; it does, long before SIGTERM would come.
    agent.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    until(taskId, ScheduleStatus.KILLED);
    assertThat(Files.readString(sandbox(taskId).stdout("web"))).contains("quit requested");
  }

  /** A tiny web service: /health says ok, POST /quitquitquit makes it exit. */
  private static final String SERVER =
      String.join(
          "\n",
          "import http.server, sys, threading",
          "class H(http.server.BaseHTTPRequestHandler):",
          "    def do_GET(self):",
          "        body = b'ok' if self.path == '/health' else b'hello'",
          "        self.send_response(200)",
          "        self.send_header('Content-Length', str(len(body)))",
          "        self.end_headers()",
          "        self.wfile.write(body)",
          "    def do_POST(self):",
          "        self.send_response(200)",
          "        self.end_headers()",
          "        print('quit requested', flush=True)",
          "        threading.Thread(target=self.server.shutdown).start()",
          "s = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H)",
          "s.serve_forever()");

  @Test
  void aHealthCheckThatKeepsFailingFailsTheTaskWithItsReason() {
    var agent = agent();
    String taskId =
        launch(
            agent,
            configUnchecked(
                "{\"task\": {\"processes\": [{\"name\": \"main\", \"cmdline\": \"sleep 60\"}],"
                    + " \"resources\": {\"cpu\": 0.1, \"ram\": \"16MB\", \"disk\": \"16MB\"}},"
                    + " \"health_check\": {\"type\": \"shell\", \"command\": \"exit 1\","
                    + " \"initial_interval_secs\": 0, \"interval_secs\": 1,"
                    + " \"max_consecutive_failures\": 1}}"));

    List<StatusUpdate> updates = until(taskId, ScheduleStatus.FAILED);

    assertThat(statusesOf(updates)).containsExactly(ScheduleStatus.STARTING, ScheduleStatus.FAILED);
    assertThat(updates.get(1).message().orElseThrow())
        .startsWith("Failed health check 2 times in a row: the check command exited 1");
    assertThat(anyProcessLeft(taskId)).isFalse();
  }

  @Test
  void aKillSentAgainWhileFinalProcessesRunLeavesThemTheirFinalizationWait() throws Exception {
    var agent = agent();
    String taskId =
        launchProcesses(
            agent,
            "[{\"name\": \"main\", \"cmdline\": \"sleep 60\"},"
                + " {\"name\": \"cleanup\", \"final\": true,"
                + " \"cmdline\": \"echo $$ > cleanup.pid; sleep 60\"}]");
    until(taskId, ScheduleStatus.RUNNING);
    agent.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    pidsToReap.addAll(waitForPids(sandbox(taskId).dir().resolve("cleanup.pid")));

    // The scheduler re-sends a kill while the task is KILLING (its kill retry): it is the same
    // kill, not a second one, and must not cut the final processes' 5 s short.
    long resent = System.nanoTime();
    agent.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    until(taskId, ScheduleStatus.KILLED);

    assertThat(Duration.ofNanos(System.nanoTime() - resent)).isGreaterThan(Duration.ofSeconds(4));
  }

  @Test
  void aKillLeavesNoProcessOfTheTaskAliveNotEvenOneThatIgnoresSigterm() throws Exception {
    var agent = agent();
    String taskId =
        launchProcesses(
            agent,
            "[{\"name\": \"main\", \"cmdline\": \"(trap '' TERM; echo $BASHPID > stubborn.pid;"
                + " while true; do sleep 0.2; done) & echo $$ > main.pid; sleep 60\"}]");
    until(taskId, ScheduleStatus.RUNNING);
    Path dir = sandbox(taskId).dir();
    List<Long> pids = waitForPids(dir.resolve("stubborn.pid"), dir.resolve("main.pid"));
    pidsToReap.addAll(pids);
    assertThat(pids).allMatch(pid -> ProcessHandle.of(pid).isPresent());

    agent.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    List<StatusUpdate> updates = until(taskId, ScheduleStatus.KILLED);

    assertThat(updates.get(updates.size() - 1).message()).contains("Killed by the scheduler");
    assertThat(pids).noneMatch(ProcessTree::isRunning);
    assertThat(anyProcessLeft(taskId)).isFalse();
  }

  @Test
  void tasksWhoseProcessesOutliveTheAgentAreAdoptedWithTheirTaskId() throws Exception {
    var first = agent();
    String taskId =
        launchProcesses(
            first, "[{\"name\": \"main\", \"cmdline\": \"echo $$ > main.pid; sleep 60\"}]");
    until(taskId, ScheduleStatus.RUNNING);
    long pid = waitForPids(sandbox(taskId).dir().resolve("main.pid")).get(0);
    pidsToReap.add(pid);

    testKit.stop(first);
    assertThat(ProcessTree.isRunning(pid)).isTrue();
    var second = agent();
    while (!(offers.receiveMessage(WAIT) instanceof OfferEvent.OffersReset)) {
      // Offers of the stopped agent.
    }
    second.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId, new InstanceKey(JOB, 0), Optional.empty()))));

    StatusUpdate reconciled = statuses.receiveMessage(WAIT);
    assertThat(reconciled.taskId()).isEqualTo(taskId);
    assertThat(reconciled.status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(ProcessTree.isRunning(pid)).isTrue();
    // The adopted task's resources are taken: only the rest is offered.
    assertThat(nextOffer().cpu()).isCloseTo(3.9, org.assertj.core.data.Offset.offset(1e-9));

    second.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    until(taskId, ScheduleStatus.KILLED);
    assertThat(ProcessTree.isRunning(pid)).isFalse();
  }

  @Test
  void aHealthyTaskIsAdoptedAsRunningAndHealthy() throws Exception {
    var first = agent();
    String taskId =
        launch(
            first,
            configUnchecked(
                "{\"task\": {\"processes\": [{\"name\": \"main\", \"cmdline\": \"sleep 60\"}],"
                    + " \"resources\": {\"cpu\": 0.1, \"ram\": \"16MB\", \"disk\": \"16MB\"}},"
                    + " \"health_check\": {\"type\": \"shell\", \"command\": \"true\","
                    + " \"initial_interval_secs\": 30, \"interval_secs\": 1}}"));
    until(taskId, ScheduleStatus.RUNNING);

    testKit.stop(first);
    var second = agent();
    while (!(offers.receiveMessage(WAIT) instanceof OfferEvent.OffersReset)) {
      // Offers of the stopped agent.
    }
    second.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId, new InstanceKey(JOB, 0), Optional.empty()))));

    // Not STARTING, as when the sandbox kept the state from before the health check passed.
    StatusUpdate reconciled = statuses.receiveMessage(WAIT);
    assertThat(reconciled.taskId()).isEqualTo(taskId);
    assertThat(reconciled.status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(sandbox(taskId).state().orElseThrow().healthy()).isTrue();

    second.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    until(taskId, ScheduleStatus.KILLED);
  }

  @Test
  void anAdoptedProcessThatEndsIsReportedWithTheExitCodeItLeftBehind() throws Exception {
    var first = agent();
    String taskId =
        launchProcesses(
            first,
            "[{\"name\": \"main\", \"cmdline\": \"while [ ! -f go ]; do sleep 0.1; done; exit 4\"}]");
    until(taskId, ScheduleStatus.RUNNING);
    testKit.stop(first);
    var second = agent();
    // Once the new agent answers for the task, it has adopted it: only then may the process end.
    second.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId, new InstanceKey(JOB, 0), Optional.empty()))));
    assertThat(until(taskId, ScheduleStatus.RUNNING)).hasSize(1);

    Files.writeString(sandbox(taskId).dir().resolve("go"), "");

    List<StatusUpdate> updates = until(taskId, ScheduleStatus.FAILED);
    assertThat(updates.get(updates.size() - 1).message())
        .contains("Process 'main' exited with code 4");
  }

  @Test
  void aBatchTaskWhoseProcessesAllExitedZeroWhileTheAgentWasDownIsFinished() throws Exception {
    var first = agent();
    String taskId =
        launchProcesses(
            first,
            "[{\"name\": \"one\", \"cmdline\": \"while [ ! -f go ]; do sleep 0.05; done\"},"
                + " {\"name\": \"two\", \"cmdline\": \"while [ ! -f go ]; do sleep 0.05; done\"}]");
    until(taskId, ScheduleStatus.RUNNING);

    endWhileTheAgentIsDown(first, taskId);
    assertThat(sandbox(taskId).recordedExit("one")).contains(0);
    assertThat(sandbox(taskId).recordedExit("two")).contains(0);
    var second = agent();

    StatusUpdate ended = statuses.receiveMessage(WAIT);
    assertThat(ended.taskId()).isEqualTo(taskId);
    assertThat(ended.status()).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(ended.message()).contains("Every process exited 0");
    assertThat(sandbox(taskId).state().orElseThrow().ended()).isTrue();
    // The task's resources are free: asked to offer everything anew, the agent offers it whole.
    second.tell(new ResourceBackend.ReviveOffers());
    while (nextOffer().cpu() != 4) {
      // Offers of the first agent, or made while the adopted task still held its share.
    }
  }

  @Test
  void aTaskWhoseProcessFailedWhileTheAgentWasDownIsFailedWithItsExitCode() throws Exception {
    var first = agent();
    String taskId =
        launchProcesses(
            first,
            "[{\"name\": \"main\", \"cmdline\": \"while [ ! -f go ]; do sleep 0.05; done;"
                + " echo 'error: disk full' >&2; exit 3\"}]");
    until(taskId, ScheduleStatus.RUNNING);

    endWhileTheAgentIsDown(first, taskId);
    agent();

    StatusUpdate ended = statuses.receiveMessage(WAIT);
    assertThat(ended.taskId()).isEqualTo(taskId);
    assertThat(ended.status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(ended.message()).contains("Process 'main' exited with code 3: error: disk full");
    assertThat(sandbox(taskId).state().orElseThrow().ended()).isTrue();
  }

  /**
   * Stops the agent, then lets the task's processes (which wait for a file {@code go}) end, and
   * waits until none is left.
   */
  private void endWhileTheAgentIsDown(ActorRef<ResourceBackend.Command> agent, String taskId)
      throws Exception {
    // Waits until the agent and its runners have stopped: none of them sees the processes end.
    testKit.stop(agent);
    assertThat(anyProcessLeft(taskId)).isTrue();
    Files.writeString(sandbox(taskId).dir().resolve("go"), "");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (anyProcessLeft(taskId)) {
      assertThat(System.nanoTime()).as("waiting for the processes to end").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(sandbox(taskId).state().orElseThrow().ended()).isFalse();
  }

  @Test
  void tasksWhoseProcessesDiedWhileTheAgentWasDownAreLost() throws Exception {
    var first = agent();
    String taskId = launchProcesses(first, "[{\"name\": \"main\", \"cmdline\": \"sleep 60\"}]");
    until(taskId, ScheduleStatus.RUNNING);
    testKit.stop(first);
    Set<Long> sessions = Set.copyOf(sandbox(taskId).state().orElseThrow().sessions());
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (anyProcessLeft(taskId)) {
      assertThat(System.nanoTime()).as("waiting for the processes to end").isLessThan(deadline);
      // Again each time: a process forked while the last signal went out escaped it.
      ProcessTree.signal(sessions, true);
      Thread.sleep(20);
    }

    agent();

    StatusUpdate lost = statuses.receiveMessage(WAIT);
    assertThat(lost.taskId()).isEqualTo(taskId);
    assertThat(lost.status()).isEqualTo(ScheduleStatus.LOST);
    assertThat(lost.message())
        .contains("The task's processes ended while the agent was down and left no exit code");
    assertThat(sandbox(taskId).state().orElseThrow().ended()).isTrue();
  }

  @Test
  void killsAndReconciliationsOfUnknownTasksAnswerLost() {
    var agent = agent();
    agent.tell(new ResourceBackend.Kill("nobody", Optional.empty()));
    StatusUpdate killed = statuses.receiveMessage(WAIT);
    assertThat(killed.taskId()).isEqualTo("nobody");
    assertThat(killed.status()).isEqualTo(ScheduleStatus.LOST);

    agent.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef("ghost", new InstanceKey(JOB, 3), Optional.empty()))));
    StatusUpdate reconciled = statuses.receiveMessage(WAIT);
    assertThat(reconciled.taskId()).isEqualTo("ghost");
    assertThat(reconciled.status()).isEqualTo(ScheduleStatus.LOST);
    assertThat(reconciled.instance()).contains(new InstanceKey(JOB, 3));
  }

  @Test
  void anImplicitReconciliationReportsEveryTaskTheAgentRuns() throws Exception {
    var agent = agent();
    String taskId = launchProcesses(agent, "[{\"name\": \"main\", \"cmdline\": \"sleep 60\"}]");
    until(taskId, ScheduleStatus.RUNNING);

    agent.tell(new ResourceBackend.Reconcile(List.of()));

    StatusUpdate reconciled = statuses.receiveMessage(WAIT);
    assertThat(reconciled.taskId()).isEqualTo(taskId);
    assertThat(reconciled.status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(reconciled.message()).contains("Reconciliation");
    agent.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    until(taskId, ScheduleStatus.KILLED);
  }

  @Test
  void statusesAreSentAgainUntilAcknowledged() throws Exception {
    var agent = agent(settings(Duration.ofDays(1), Duration.ofMillis(300)));
    String taskId = launchProcesses(agent, "[{\"name\": \"main\", \"cmdline\": \"true\"}]");
    List<StatusUpdate> first = until(taskId, ScheduleStatus.FINISHED);
    Set<String> ids = first.stream().map(StatusUpdate::updateId).collect(Collectors.toSet());

    StatusUpdate again = statuses.receiveMessage(WAIT);
    assertThat(ids).contains(again.updateId());

    first.forEach(u -> agent.tell(new ResourceBackend.Acknowledge(u.taskId(), u.updateId())));
    Thread.sleep(400);
    try {
      while (true) {
        statuses.receiveMessage(Duration.ofMillis(50));
      }
    } catch (AssertionError drained) {
      // What was re-sent before the acknowledgements arrived is gone now.
    }
    statuses.expectNoMessage(Duration.ofSeconds(1));
  }

  @Test
  void sandboxesOfEndedTasksAreRemovedAfterTheRetentionPeriod() throws Exception {
    var agent = agent(settings(Duration.ofHours(1), Duration.ofMinutes(5)));
    String ended = launchProcesses(agent, "[{\"name\": \"main\", \"cmdline\": \"true\"}]");
    until(ended, ScheduleStatus.FINISHED);
    String running = launchProcesses(agent, "[{\"name\": \"main\", \"cmdline\": \"sleep 60\"}]");
    until(running, ScheduleStatus.RUNNING);
    Thread.sleep(500);
    assertThat(sandbox(ended).dir()).exists();

    clock.offset = Duration.ofHours(2);

    long deadline = System.nanoTime() + WAIT.toNanos();
    while (Files.exists(sandbox(ended).dir()) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(sandbox(ended).dir()).doesNotExist();
    assertThat(sandbox(running).dir()).exists();
    agent.tell(new ResourceBackend.Kill(running, Optional.empty()));
    until(running, ScheduleStatus.KILLED);
  }

  // -------------------------------------------------------------------------------------------

  /** Launches a task with these processes (a JSON list) and small resources. */
  private String launchProcesses(ActorRef<ResourceBackend.Command> agent, String processesJson) {
    return launch(agent, configUnchecked(processes(processesJson)));
  }

  /** Whether any process of the task's sessions, as its sandbox recorded them, still runs. */
  private boolean anyProcessLeft(String taskId) {
    return ProcessTree.anyAlive(Set.copyOf(sandbox(taskId).state().orElseThrow().sessions()));
  }

  private static TaskConfig configUnchecked(String json) {
    try {
      return config(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static List<Long> waitForPids(Path... files) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<Long> pids = new ArrayList<>();
    for (Path f : files) {
      while (!Files.exists(f) || Files.readString(f).isBlank()) {
        assertThat(System.nanoTime()).as("waiting for %s", f).isLessThan(deadline);
        Thread.sleep(20);
      }
      pids.add(Long.parseLong(Files.readString(f).trim()));
    }
    return pids;
  }
}
