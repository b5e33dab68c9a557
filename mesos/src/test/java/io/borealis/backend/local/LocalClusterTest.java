package io.borealis.backend.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local backend spread over nodes (issue 13), on one actor system: agents register with the
 * receptionist, the backend singleton ({@link LocalCluster}) attaches to each and routes launches,
 * kills and acknowledgements to the agent they concern; a new holder of the singleton takes the
 * running tasks over without starting or stopping any process; an agent that goes away has its
 * tasks reported LOST. Real, short processes; probes stand in for placement and the scheduler.
 */
class LocalClusterTest {

  private static final Config CONFIG =
      ConfigFactory.parseString(
              "pekko.actor.serialization-bindings {"
                  + " \"io.borealis.CborSerializable\" = jackson-cbor }")
          .withFallback(ConfigFactory.load());

  private static final ActorTestKit testKit = ActorTestKit.create(CONFIG);

  /** For the tests of the agent wait: its timers fire when the test moves time. */
  private static final ActorTestKit manualKit =
      ActorTestKit.create("LocalClusterTestManualTime", ManualTime.config().withFallback(CONFIG));

  private static final ManualTime manualTime = ManualTime.get(manualKit.system());

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final Duration WAIT = Duration.ofSeconds(20);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
    manualKit.shutdownTestKit();
  }

  @TempDir Path temp;
  private final List<ActorRef<?>> started = new ArrayList<>();
  // The kit of the test's actors and probes: the real-time one unless the test moves time.
  private ActorTestKit kit;
  private TestProbe<OfferEvent> offers;
  private TestProbe<StatusUpdate> statuses;

  @BeforeEach
  void probes() {
    onKit(testKit);
  }

  /** The test's actors and probes live in {@code kit} (called before any is made). */
  private void onKit(ActorTestKit kit) {
    this.kit = kit;
    offers = kit.createTestProbe();
    statuses = kit.createTestProbe();
  }

  @AfterEach
  void stopAll() {
    started.forEach(kit::stop);
    for (String host : List.of("one", "two")) {
      for (Sandbox s : Sandbox.all(temp.resolve(host))) {
        s.state().ifPresent(st -> ProcessTree.signal(Set.copyOf(st.sessions()), true));
      }
    }
  }

  private LocalSettings settings(String host, int port) {
    return new LocalSettings(
        host,
        Map.of(),
        2,
        1024,
        1024,
        List.of(new PortRange(port, port)),
        temp.resolve(host),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        Duration.ofDays(1),
        Duration.ofMinutes(10),
        Duration.ofMinutes(5),
        Duration.ofMillis(100),
        false);
  }

  private ActorRef<ResourceBackend.Command> agent(String host, int port) {
    var ref =
        kit.spawn(
            LocalAgent.create(settings(host, port), Clock.systemUTC(), "http://" + host + ":8081"));
    started.add(ref);
    return ref;
  }

  private ActorRef<ResourceBackend.Command> singleton(Duration agentWait) {
    var ref =
        kit.spawn(
            LocalCluster.create(
                new ResourceBackend.Listeners(offers.getRef(), statuses.getRef()),
                new LocalCluster.Settings("on", agentWait, Duration.ofMinutes(5)),
                Clock.systemUTC()));
    started.add(ref);
    return ref;
  }

  /** The next offer of {@code agentId}, skipping other events and other agents' offers. */
  private Offer offerOf(String agentId) {
    while (true) {
      OfferEvent e = offers.receiveMessage(WAIT);
      if (e instanceof OfferEvent.OfferReceived r && r.offer().agentId().equals(agentId)) {
        return r.offer();
      }
    }
  }

  private static TaskConfig sleeper() throws IOException {
    JobConfigParser.Result result =
        JobConfigParser.parse(
            JSON.readTree(
                "{\"task\": {\"processes\": [{\"name\": \"sleep\", \"cmdline\": \"echo $$ > pid;"
                    + " exec sleep 60\"}], \"resources\": {\"cpu\": 0.1, \"ram\": \"16MB\","
                    + " \"disk\": \"16MB\"}}}"),
            ValidationSettings.DEFAULT,
            Optional.of(JOB));
    assertThat(result.errors()).isEmpty();
    return result.get().task();
  }

  private String launch(ActorRef<ResourceBackend.Command> backend, Offer offer) throws IOException {
    String taskId = "www-data-prod-hello-0-" + UUID.randomUUID();
    backend.tell(
        new ResourceBackend.Launch(
            offer.offerId(),
            offer.agentId(),
            List.of(
                new LaunchTask(
                    taskId,
                    new InstanceKey(JOB, 0),
                    sleeper(),
                    new Assignment(offer.agentId(), offer.host(), Map.of())))));
    return taskId;
  }

  /** Statuses of {@code taskId} until one is {@code wanted}, acknowledging each as a scheduler. */
  private StatusUpdate awaitStatus(
      ActorRef<ResourceBackend.Command> backend, String taskId, ScheduleStatus wanted) {
    while (true) {
      StatusUpdate u = statuses.receiveMessage(WAIT);
      backend.tell(new ResourceBackend.Acknowledge(u.taskId(), u.updateId()));
      if (u.taskId().equals(taskId) && u.status() == wanted) {
        return u;
      }
    }
  }

  private Path sandboxOf(String host, String taskId) {
    return temp.resolve(host).resolve(taskId);
  }

  // -------------------------------------------------------------------------------------------

  @Test
  void theSingletonOffersEveryAgentAndLaunchesOnTheAgentOfTheOffer() throws Exception {
    agent("one", 31001);
    agent("two", 31002);
    var backend = singleton(Duration.ofSeconds(30));

    assertThat(offers.receiveMessage(WAIT)).isInstanceOf(OfferEvent.OffersReset.class);
    Offer onTwo = offerOf("local-two");
    assertThat(onTwo.host()).isEqualTo("two");
    String taskId = launch(backend, onTwo);

    StatusUpdate running = awaitStatus(backend, taskId, ScheduleStatus.RUNNING);

    assertThat(running.agentId()).contains("local-two");
    assertThat(sandboxOf("two", taskId)).isDirectory();
    assertThat(sandboxOf("one", taskId)).doesNotExist();

    backend.tell(new ResourceBackend.Kill(taskId, Optional.of("local-two")));
    assertThat(awaitStatus(backend, taskId, ScheduleStatus.KILLED).agentId()).contains("local-two");
  }

  @Test
  void aNewHolderOfTheSingletonTakesRunningTasksOverWithoutTouchingTheirProcesses()
      throws Exception {
    agent("one", 31003);
    var first = singleton(Duration.ofSeconds(30));
    String taskId = launch(first, offerOf("local-one"));
    awaitStatus(first, taskId, ScheduleStatus.RUNNING);
    Path pidFile = sandboxOf("one", taskId).resolve("pid");
    long pid = awaitPid(pidFile);

    // The singleton moves: the old holder stops, a new one starts and attaches to the agent.
    testKit.stop(first);
    var second = singleton(Duration.ofSeconds(30));

    // It hears of the running task (implicit reconciliation on attach) and gets a fresh offer.
    StatusUpdate reported = awaitStatus(second, taskId, ScheduleStatus.RUNNING);
    assertThat(reported.agentId()).contains("local-one");
    offerOf("local-one");
    assertThat(ProcessTree.isRunning(pid)).isTrue();

    // Kills and reconciliation reach the agent through the new holder.
    second.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId, new InstanceKey(JOB, 0), Optional.empty()))));
    awaitStatus(second, taskId, ScheduleStatus.RUNNING);
    second.tell(new ResourceBackend.Kill(taskId, Optional.empty()));
    awaitStatus(second, taskId, ScheduleStatus.KILLED);
    assertThat(ProcessTree.isRunning(pid)).isFalse();
  }

  @Test
  void theTasksOfAnAgentThatGoesAwayAreLostAndItsOffersRescinded() throws Exception {
    var one = agent("one", 31004);
    var backend = singleton(Duration.ofMillis(500));
    Offer offer = offerOf("local-one");
    String taskId = launch(backend, offer);
    awaitStatus(backend, taskId, ScheduleStatus.RUNNING);
    Offer rest = offerOf("local-one");

    testKit.stop(one);

    StatusUpdate lost = awaitStatus(backend, taskId, ScheduleStatus.LOST);
    assertThat(lost.message()).hasValueSatisfying(m -> assertThat(m).contains("local-one"));
    while (!(offers.receiveMessage(WAIT) instanceof OfferEvent.OfferRescinded r
        && r.offerId().equals(rest.offerId()))) {
      // Other offer events of the agent before its rescinded offer.
    }
  }

  @Test
  void anAgentWhoseNodeRestartsWithinTheWaitKeepsItsTasks() throws Exception {
    onKit(manualKit);
    Duration wait = Duration.ofSeconds(1);
    var one = agent("one", 31005);
    var backend = singleton(wait);
    String taskId = launch(backend, offerOf("local-one"));
    awaitStatus(backend, taskId, ScheduleStatus.RUNNING);
    Offer rest = offerOf("local-one");
    long pid = awaitPid(sandboxOf("one", taskId).resolve("pid"));

    // The node restarts: its agent stops (its processes do not), the singleton sees it leave
    // (it rescinds the agent's offer and starts the wait), and a new agent adopts the processes.
    kit.stop(one);
    while (!(offers.receiveMessage(WAIT) instanceof OfferEvent.OfferRescinded r
        && r.offerId().equals(rest.offerId()))) {
      // Other offer events of the agent before its rescinded offer.
    }
    agent("one", 31005);
    assertThat(awaitStatus(backend, taskId, ScheduleStatus.RUNNING).agentId())
        .contains("local-one");

    // Past the wait (its timer would have fired by now), the task is still RUNNING, and was
    // never reported LOST on the way.
    manualTime.timePasses(wait.multipliedBy(2));
    backend.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId, new InstanceKey(JOB, 0), Optional.of("local-one")))));
    List<ScheduleStatus> seen = new ArrayList<>();
    StatusUpdate u;
    do {
      u = statuses.receiveMessage(WAIT);
      backend.tell(new ResourceBackend.Acknowledge(u.taskId(), u.updateId()));
      seen.add(u.status());
    } while (!u.message().orElse("").equals("Reconciliation"));
    assertThat(seen).doesNotContain(ScheduleStatus.LOST).endsWith(ScheduleStatus.RUNNING);
    assertThat(ProcessTree.isRunning(pid)).isTrue();
  }

  @Test
  void killsForAnAgentNotYetAttachedWaitForItThenAnswerLost() {
    var backend = singleton(Duration.ofMillis(300));
    backend.tell(new ResourceBackend.Kill("t-1", Optional.of("local-nowhere")));

    // The kill waits for the agent to attach; once the wait is over it is answered LOST.
    StatusUpdate lost = statuses.receiveMessage(WAIT);
    assertThat(lost.taskId()).isEqualTo("t-1");
    assertThat(lost.status()).isEqualTo(ScheduleStatus.LOST);
    assertThat(lost.message()).contains("Task unknown to every agent");
  }

  @Test
  void theDirectoryKnowsWhichNodeServesEachAgentWhileItIsThere() throws Exception {
    AgentDirectory directory = new AgentDirectory();
    started.add(testKit.spawn(directory.follower()));
    var two = agent("two", 31006);

    awaitDirectory(() -> directory.apiBase("local-two").isPresent());
    assertThat(directory.apiBase("local-two")).contains("http://two:8081");
    assertThat(directory.apiBase("local-nowhere")).isEmpty();

    testKit.stop(two);
    awaitDirectory(() -> directory.apiBase("local-two").isEmpty());
  }

  private static void awaitDirectory(java.util.concurrent.Callable<Boolean> done) {
    Awaitility.await("the agent directory").atMost(WAIT).until(done);
  }

  @Test
  void whatCrossesNodesSurvivesSerialization() {
    var probe = testKit.<ResourceBackend.Command>createTestProbe();
    var described = testKit.<LocalAgent.Description>createTestProbe();
    var serialization = testKit.serializationTestKit();
    serialization.verifySerialization(new LocalAgent.Attach(probe.getRef()), true);
    serialization.verifySerialization(new LocalAgent.Attached("local-one", probe.getRef()), true);
    serialization.verifySerialization(
        new LocalAgent.AgentOffer("local-one", new OfferEvent.OfferRescinded("o-1")), true);
    serialization.verifySerialization(
        new LocalAgent.AgentStatus(
            "local-one",
            new StatusUpdate(
                "u-1",
                "t-1",
                Optional.of(new InstanceKey(JOB, 0)),
                Optional.of("local-one"),
                ScheduleStatus.RUNNING,
                Optional.of("ok"),
                Instant.parse("2026-01-01T00:00:00Z"))),
        true);
    serialization.verifySerialization(new LocalAgent.Describe(described.getRef()), true);
    serialization.verifySerialization(
        new LocalAgent.Description("local-one", "http://one:8081"), true);
  }

  private static long awaitPid(Path pidFile) {
    return Long.parseLong(
        Awaitility.await("a pid in " + pidFile)
            .atMost(WAIT)
            .until(
                () -> Files.exists(pidFile) ? Files.readString(pidFile).strip() : "",
                text -> !text.isEmpty()));
  }
}
