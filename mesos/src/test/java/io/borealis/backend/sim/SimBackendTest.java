package io.borealis.backend.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.borealis.backend.FleetControl;
import io.borealis.backend.FleetControl.AgentView;
import io.borealis.backend.FleetControl.Behaviour;
import io.borealis.backend.FleetControl.Totals;
import io.borealis.backend.LaunchTask;
import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.PortRange;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.StatusUpdate;
import io.borealis.backend.TaskRef;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
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
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated fleet under manual time, with probes as its listeners: what it offers, how it takes
 * launches, which statuses its agents report on their own (auto_run) or when told to, how it
 * answers kills and reconciliation, and that unacknowledged updates come again. The fleet's clock
 * moves with the manual scheduler.
 */
class SimBackendTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ManualTime.config());
  private static final ManualTime manualTime = ManualTime.get(testKit.system());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final Duration D = Duration.ofMillis(100);
  private static final Duration RESEND = Duration.ofSeconds(10);
  private static final Duration DECLINE_REFUSE = Duration.ofSeconds(5);
  private static final Duration QUIET = Duration.ofMillis(200);

  private static final List<PortRange> PORTS =
      List.of(new PortRange(31000, 31009), new PortRange(32000, 32004));
  private static final FleetControl.AgentSpec TWO_AGENTS =
      new FleetControl.AgentSpec(2, 4, 4096, 10000, PORTS, Map.of("rack", Set.of("r1")));

  private static final Behaviour MANUAL = new Behaviour(false, D.toMillis(), 0, 1);
  private static final Behaviour AUTO = new Behaviour(true, D.toMillis(), 0, 1);

  private static final TaskConfig WEB =
      TaskConfig.simple(JOB, true, Resources.of(1, 1024, 1000, "http"));

  /** A clock the test moves together with the manual scheduler. */
  private static final class ManualClock extends Clock {
    private volatile Instant now = Instant.parse("2024-05-01T12:00:00Z");

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
      return now;
    }
  }

  private final List<ActorRef<ResourceBackend.Command>> started = new ArrayList<>();

  @AfterEach
  void stopFleets() {
    // Their timers would otherwise keep firing while later tests move time.
    started.forEach(testKit::stop);
  }

  /** One simulated fleet with probes for what it says. */
  private final class Fleet {
    final TestProbe<OfferEvent> offers = testKit.createTestProbe();
    final TestProbe<StatusUpdate> statuses = testKit.createTestProbe();
    final ManualClock clock = new ManualClock();
    final ActorRef<ResourceBackend.Command> backend;

    Fleet(FleetControl.AgentSpec agents, Behaviour behaviour) {
      backend =
          testKit.spawn(
              SimBackend.create(
                  new ResourceBackend.Listeners(offers.ref(), statuses.ref()),
                  new SimSettings(agents, behaviour, RESEND, DECLINE_REFUSE),
                  clock));
      started.add(backend);
      // Also proves the fleet has started (and its timers with it) before time moves.
      offers.expectMessage(new OfferEvent.OffersReset());
    }

    /** Both agents' first offers, as asserted in offersEveryAgentOnStart. */
    Fleet started() {
      expectOffer();
      expectOffer();
      return this;
    }

    /**
     * Moves time once the fleet has handled everything sent so far (a status can reach its probe
     * before the handler that sent it has started the next timer).
     */
    void advance(Duration d) {
      agents();
      clock.now = clock.now.plus(d);
      manualTime.timePasses(d);
    }

    Offer expectOffer() {
      return offers.expectMessageClass(OfferEvent.OfferReceived.class).offer();
    }

    void launch(String offerId, String agentId, LaunchTask... tasks) {
      backend.tell(new ResourceBackend.Launch(offerId, agentId, List.of(tasks)));
    }

    StatusUpdate expectStatus(String taskId, ScheduleStatus status) {
      StatusUpdate u = statuses.receiveMessage();
      assertThat(u.taskId()).isEqualTo(taskId);
      assertThat(u.status()).isEqualTo(status);
      return u;
    }

    boolean report(String taskId, ScheduleStatus status, String message) {
      TestProbe<Boolean> reply = testKit.createTestProbe();
      backend.tell(
          new SimBackend.ReportStatus(
              taskId, status, Optional.ofNullable(message), "alice", reply.ref()));
      return reply.receiveMessage();
    }

    List<AgentView> agents() {
      TestProbe<SimBackend.Agents> reply = testKit.createTestProbe();
      backend.tell(new SimBackend.ListAgents(reply.ref()));
      return reply.receiveMessage().agents();
    }

    AgentView agent(String agentId) {
      return agents().stream().filter(a -> a.agentId().equals(agentId)).findFirst().orElseThrow();
    }
  }

  private static LaunchTask task(String taskId, int instanceId, String agentId, int port) {
    return task(taskId, instanceId, agentId, WEB, Map.of("http", port));
  }

  private static LaunchTask task(
      String taskId,
      int instanceId,
      String agentId,
      TaskConfig config,
      Map<String, Integer> ports) {
    return new LaunchTask(
        taskId, JOB.instance(instanceId), config, new Assignment(agentId, agentId, ports));
  }

  /** What a WEB task on port 31000 of agent-1 frees when it ends. */
  private static Offer freedByT1(String offerId) {
    return new Offer(
        offerId,
        "agent-1",
        "agent-1",
        Map.of("rack", Set.of("r1"), "host", Set.of("agent-1")),
        WEB.resources().cpu(),
        WEB.resources().ramMb(),
        WEB.resources().diskMb(),
        0,
        List.of(new PortRange(31000, 31000)));
  }

  private static Offer fullOffer(String offerId, String agentId) {
    return new Offer(
        offerId,
        agentId,
        agentId,
        Map.of("rack", Set.of("r1"), "host", Set.of(agentId)),
        4,
        4096,
        10000,
        0,
        PORTS);
  }

  // ---------------------------------------------------------------------------------------------
  // Offers
  // ---------------------------------------------------------------------------------------------

  @Test
  void offersEveryAgentOnStart() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL);

    f.offers.expectMessage(new OfferEvent.OfferReceived(fullOffer("offer-1", "agent-1")));
    f.offers.expectMessage(new OfferEvent.OfferReceived(fullOffer("offer-2", "agent-2")));
    f.offers.expectNoMessage(QUIET);
    assertThat(f.agents())
        .containsExactly(
            new AgentView(
                "agent-1",
                "agent-1",
                Map.of("rack", Set.of("r1"), "host", Set.of("agent-1")),
                new Totals(4, 4096, 10000, 15),
                new Totals(4, 4096, 10000, 15),
                0),
            new AgentView(
                "agent-2",
                "agent-2",
                Map.of("rack", Set.of("r1"), "host", Set.of("agent-2")),
                new Totals(4, 4096, 10000, 15),
                new Totals(4, 4096, 10000, 15),
                0));
  }

  @Test
  void aLaunchThatFitsOffersTheAgentsRemainder() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();

    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));

    // The launched offer is consumed; the rest of the agent comes back as a new offer.
    f.offers.expectMessage(
        new OfferEvent.OfferReceived(
            new Offer(
                "offer-3",
                "agent-1",
                "agent-1",
                Map.of("rack", Set.of("r1"), "host", Set.of("agent-1")),
                3,
                3072,
                9000,
                0,
                List.of(new PortRange(31001, 31009), new PortRange(32000, 32004)))));
    assertThat(f.agent("agent-1").free()).isEqualTo(new Totals(3, 3072, 9000, 14));
    assertThat(f.agent("agent-1").tasks()).isEqualTo(1);
    f.offers.expectNoMessage(QUIET);
  }

  @Test
  void aDeclinedOfferComesBackAfterTheRefusePeriod() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();

    f.backend.tell(new ResourceBackend.Decline("offer-1"));
    f.agents();
    f.advance(DECLINE_REFUSE.minusMillis(1));
    f.offers.expectNoMessage(QUIET);
    f.advance(Duration.ofMillis(1));

    f.offers.expectMessage(new OfferEvent.OfferReceived(fullOffer("offer-3", "agent-1")));
  }

  @Test
  void reviveOffersReplacesEveryOutstandingOffer() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();

    f.backend.tell(new ResourceBackend.ReviveOffers());

    f.offers.expectMessage(new OfferEvent.OfferRescinded("offer-1"));
    f.offers.expectMessage(new OfferEvent.OfferReceived(fullOffer("offer-3", "agent-1")));
    f.offers.expectMessage(new OfferEvent.OfferRescinded("offer-2"));
    f.offers.expectMessage(new OfferEvent.OfferReceived(fullOffer("offer-4", "agent-2")));
  }

  @Test
  void addedAgentsAreOffered() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    TestProbe<SimBackend.Agents> reply = testKit.createTestProbe();

    f.backend.tell(
        new SimBackend.AddAgents(
            new FleetControl.AgentSpec(
                2, 2, 2048, 5000, List.of(new PortRange(40000, 40001)), Map.of()),
            reply.ref()));

    assertThat(reply.receiveMessage().agents())
        .extracting(AgentView::agentId, AgentView::total, AgentView::free)
        .containsExactly(
            tuple("agent-3", new Totals(2, 2048, 5000, 2), new Totals(2, 2048, 5000, 2)),
            tuple("agent-4", new Totals(2, 2048, 5000, 2), new Totals(2, 2048, 5000, 2)));
    for (String agent : List.of("agent-3", "agent-4")) {
      Offer o = f.expectOffer();
      assertThat(o.agentId()).isEqualTo(agent);
      assertThat(o.attributes()).isEqualTo(Map.of("host", Set.of(agent)));
      assertThat(List.of(o.cpu(), (double) o.ramMb(), (double) o.diskMb()))
          .containsExactly(2.0, 2048.0, 5000.0);
      assertThat(o.ports()).containsExactly(new PortRange(40000, 40001));
    }
    assertThat(f.agents()).hasSize(4);
  }

  // ---------------------------------------------------------------------------------------------
  // Launches that fail
  // ---------------------------------------------------------------------------------------------

  @Test
  void aLaunchThatDoesNotFitIsLost() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    TaskConfig big = TaskConfig.simple(JOB, true, Resources.of(5, 1024, 1000));

    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", big, Map.of()));

    StatusUpdate u = f.expectStatus("t1", ScheduleStatus.LOST);
    assertThat(u.message()).contains("Launch failed: not enough resources left on agent-1");
    assertThat(u.instance()).contains(JOB.instance(0));
    assertThat(u.agentId()).contains("agent-1");
    // Nothing was taken: the agent offers everything again.
    f.offers.expectMessage(new OfferEvent.OfferReceived(fullOffer("offer-3", "agent-1")));
    assertThat(f.agent("agent-1").tasks()).isZero();
  }

  @Test
  void aLaunchOnAPortTakenOrOutsideTheAgentsRangesIsLost() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();

    f.launch(
        "offer-1",
        "agent-1",
        task("t1", 0, "agent-1", 31000),
        task("t2", 1, "agent-1", 31000),
        task("t3", 2, "agent-1", 40000));

    assertThat(f.expectStatus("t2", ScheduleStatus.LOST).message().orElseThrow())
        .startsWith("Launch failed: ");
    assertThat(f.expectStatus("t3", ScheduleStatus.LOST).message().orElseThrow())
        .startsWith("Launch failed: ");
    f.statuses.expectNoMessage(QUIET);
    assertThat(f.agent("agent-1").tasks()).isEqualTo(1);
  }

  @Test
  void aLaunchOnAnUnknownAgentIsLost() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();

    f.launch("offer-9", "agent-9", task("t1", 0, "agent-9", 31000));

    assertThat(f.expectStatus("t1", ScheduleStatus.LOST).message())
        .contains("Agent agent-9 is gone");
  }

  // ---------------------------------------------------------------------------------------------
  // What agents report
  // ---------------------------------------------------------------------------------------------

  @Test
  void withoutAutoRunALaunchedTaskStaysSilentUntilAStatusIsReported() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.expectOffer();

    f.advance(Duration.ofSeconds(1));
    f.statuses.expectNoMessage(QUIET);

    assertThat(f.report("t1", ScheduleStatus.STARTING, null)).isTrue();
    StatusUpdate starting = f.expectStatus("t1", ScheduleStatus.STARTING);
    assertThat(starting.instance()).contains(JOB.instance(0));
    assertThat(starting.agentId()).contains("agent-1");
    // The agent's message as given (the user who had it say so is logged).
    assertThat(starting.message()).isEmpty();
    assertThat(starting.timestamp()).isEqualTo(f.clock.instant());

    assertThat(f.report("t1", ScheduleStatus.RUNNING, "up")).isTrue();
    StatusUpdate running = f.expectStatus("t1", ScheduleStatus.RUNNING);
    assertThat(running.message()).contains("up");
    assertThat(running.updateId()).isNotEqualTo(starting.updateId());

    assertThat(f.report("nope", ScheduleStatus.RUNNING, null)).isFalse();
    f.statuses.expectNoMessage(QUIET);
  }

  @Test
  void aReportedTerminalStatusFreesTheTasksResources() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    Offer remainder = f.expectOffer();

    assertThat(f.report("t1", ScheduleStatus.FINISHED, null)).isTrue();

    f.expectStatus("t1", ScheduleStatus.FINISHED);
    // The remainder stays out (a launch may be using it): what t1 freed comes as an offer of its
    // own, so no resource is ever in two offers.
    f.offers.expectMessage(new OfferEvent.OfferReceived(freedByT1("offer-4")));
    assertThat(f.report("t1", ScheduleStatus.RUNNING, null)).isFalse();
  }

  @Test
  void withAutoRunATaskStartsAfterTheDelayAndRunsAfterTwice() {
    Fleet f = new Fleet(TWO_AGENTS, AUTO).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.expectOffer();

    f.advance(D.minusMillis(1));
    f.statuses.expectNoMessage(QUIET);
    f.advance(Duration.ofMillis(1));
    StatusUpdate starting = f.expectStatus("t1", ScheduleStatus.STARTING);
    assertThat(starting.message()).isEmpty();
    assertThat(starting.instance()).contains(JOB.instance(0));

    f.advance(D.minusMillis(1));
    f.statuses.expectNoMessage(QUIET);
    f.advance(Duration.ofMillis(1));
    assertThat(f.expectStatus("t1", ScheduleStatus.RUNNING).message()).isEmpty();

    f.advance(D.multipliedBy(10));
    f.statuses.expectNoMessage(QUIET);
  }

  @Test
  void withAFailRateOfOneEveryTaskFailsAfterStarting() {
    Fleet f = new Fleet(TWO_AGENTS, new Behaviour(true, D.toMillis(), 1.0, 1)).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    Offer remainder = f.expectOffer();

    f.advance(D);
    f.expectStatus("t1", ScheduleStatus.STARTING);
    f.advance(D);

    assertThat(f.expectStatus("t1", ScheduleStatus.FAILED).message()).contains("Simulated failure");
    // The remainder stays out (a launch may be using it): what t1 freed comes as an offer of its
    // own, so no resource is ever in two offers.
    f.offers.expectMessage(new OfferEvent.OfferReceived(freedByT1("offer-4")));
    assertThat(f.agent("agent-1").free()).isEqualTo(new Totals(4, 4096, 10000, 15));
  }

  @Test
  void theSameSeedGivesTheSameOutcomes() {
    Behaviour coinFlip = new Behaviour(true, D.toMillis(), 0.5, 42);

    Map<String, ScheduleStatus> first = outcomes(coinFlip);
    Map<String, ScheduleStatus> second = outcomes(coinFlip);

    assertThat(first).hasSize(8).isEqualTo(second);
    assertThat(first.values()).contains(ScheduleStatus.RUNNING, ScheduleStatus.FAILED);
  }

  /** Launches eight tasks at once and tells how each one ends up. */
  private Map<String, ScheduleStatus> outcomes(Behaviour behaviour) {
    FleetControl.AgentSpec one = new FleetControl.AgentSpec(1, 8, 8192, 10000, PORTS, Map.of());
    Fleet f = new Fleet(one, behaviour);
    f.expectOffer();
    TaskConfig small = TaskConfig.simple(JOB, true, Resources.of(0.5, 256, 100));
    List<LaunchTask> tasks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      tasks.add(task("t" + i, i, "agent-1", small, Map.of()));
    }
    f.launch("offer-1", "agent-1", tasks.toArray(LaunchTask[]::new));
    f.expectOffer();

    f.advance(D);
    for (int i = 0; i < 8; i++) {
      assertThat(f.statuses.receiveMessage().status()).isEqualTo(ScheduleStatus.STARTING);
    }
    f.advance(D);
    Map<String, ScheduleStatus> result = new TreeMap<>();
    for (int i = 0; i < 8; i++) {
      StatusUpdate u = f.statuses.receiveMessage();
      result.put(u.taskId(), u.status());
    }
    f.statuses.expectNoMessage(QUIET);
    return result;
  }

  @Test
  void behaviourCanBeReadAndChanged() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    TestProbe<Behaviour> reply = testKit.createTestProbe();

    f.backend.tell(new SimBackend.GetBehaviour(reply.ref()));
    reply.expectMessage(MANUAL);
    f.backend.tell(new SimBackend.SetBehaviour(AUTO, reply.ref()));
    reply.expectMessage(AUTO);

    // New launches follow the new behaviour.
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.expectOffer();
    f.advance(D);
    f.expectStatus("t1", ScheduleStatus.STARTING);
  }

  // ---------------------------------------------------------------------------------------------
  // Kills
  // ---------------------------------------------------------------------------------------------

  @Test
  void withAutoRunAKillIsCarriedOutAfterTheDelayAndFreesTheResources() {
    Fleet f = new Fleet(TWO_AGENTS, AUTO).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    Offer remainder = f.expectOffer();
    f.advance(D);
    f.expectStatus("t1", ScheduleStatus.STARTING);
    f.advance(D);
    f.expectStatus("t1", ScheduleStatus.RUNNING);

    f.backend.tell(new ResourceBackend.Kill("t1", Optional.of("agent-1")));
    f.agents();
    f.statuses.expectNoMessage(QUIET);
    f.advance(D);

    assertThat(f.expectStatus("t1", ScheduleStatus.KILLED).message())
        .contains("Killed by the scheduler");
    // The remainder stays out (a launch may be using it): what t1 freed comes as an offer of its
    // own, so no resource is ever in two offers.
    f.offers.expectMessage(new OfferEvent.OfferReceived(freedByT1("offer-4")));
    assertThat(f.agent("agent-1").free()).isEqualTo(new Totals(4, 4096, 10000, 15));
  }

  @Test
  void withAutoRunAKillBeforeTheTaskStartedStopsItFromStarting() {
    Fleet f = new Fleet(TWO_AGENTS, AUTO).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.expectOffer();

    f.backend.tell(new ResourceBackend.Kill("t1", Optional.of("agent-1")));
    f.agents();
    f.advance(D);

    f.expectStatus("t1", ScheduleStatus.KILLED);
    f.advance(D.multipliedBy(5));
    f.statuses.expectNoMessage(QUIET);
  }

  @Test
  void withoutAutoRunAKillIsCarriedOutAtOnce() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    Offer remainder = f.expectOffer();

    f.backend.tell(new ResourceBackend.Kill("t1", Optional.of("agent-1")));

    StatusUpdate killed = f.expectStatus("t1", ScheduleStatus.KILLED);
    assertThat(killed.message()).contains("Killed by the scheduler");
    assertThat(killed.instance()).contains(JOB.instance(0));
    // The remainder stays out (a launch may be using it): what t1 freed comes as an offer of its
    // own, so no resource is ever in two offers.
    f.offers.expectMessage(new OfferEvent.OfferReceived(freedByT1("offer-4")));
  }

  @Test
  void aKillOfAnUnknownTaskIsAnsweredWithLost() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();

    f.backend.tell(new ResourceBackend.Kill("ghost", Optional.of("agent-2")));

    StatusUpdate lost = f.expectStatus("ghost", ScheduleStatus.LOST);
    assertThat(lost.message()).contains("Task unknown to the cluster");
    assertThat(lost.agentId()).contains("agent-2");
    assertThat(lost.instance()).isEmpty();

    f.backend.tell(new ResourceBackend.Kill("ghost", Optional.empty()));
    assertThat(f.expectStatus("ghost", ScheduleStatus.LOST).agentId()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Reconciliation
  // ---------------------------------------------------------------------------------------------

  @Test
  void reconcilingAnUnknownTaskReportsItLost() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    InstanceKey instance = JOB.instance(3);

    f.backend.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef("ghost", instance, Optional.of("agent-1")))));

    StatusUpdate lost = f.expectStatus("ghost", ScheduleStatus.LOST);
    assertThat(lost.message()).contains("Reconciliation: task unknown to the cluster");
    assertThat(lost.instance()).contains(instance);
    assertThat(lost.agentId()).contains("agent-1");
  }

  @Test
  void reconcilingAKnownTaskReportsItsCurrentStatus() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.report("t1", ScheduleStatus.RUNNING, null);
    StatusUpdate running = f.expectStatus("t1", ScheduleStatus.RUNNING);

    f.backend.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef("t1", JOB.instance(0), Optional.of("agent-1")))));

    StatusUpdate again = f.expectStatus("t1", ScheduleStatus.RUNNING);
    assertThat(again.message()).contains("Reconciliation");
    assertThat(again.instance()).contains(JOB.instance(0));
    assertThat(again.agentId()).contains("agent-1");
    assertThat(again.updateId()).isNotEqualTo(running.updateId());
  }

  @Test
  void anEmptyReconciliationReportsEveryKnownTask() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.launch("offer-2", "agent-2", task("t2", 1, "agent-2", 31000));
    f.report("t1", ScheduleStatus.RUNNING, null);
    f.report("t2", ScheduleStatus.STARTING, null);
    f.expectStatus("t1", ScheduleStatus.RUNNING);
    f.expectStatus("t2", ScheduleStatus.STARTING);

    f.backend.tell(new ResourceBackend.Reconcile(List.of()));

    Map<String, ScheduleStatus> reported = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      StatusUpdate u = f.statuses.receiveMessage();
      assertThat(u.message()).contains("Reconciliation");
      reported.put(u.taskId(), u.status());
    }
    assertThat(reported)
        .isEqualTo(Map.of("t1", ScheduleStatus.RUNNING, "t2", ScheduleStatus.STARTING));
    f.statuses.expectNoMessage(QUIET);
  }

  // ---------------------------------------------------------------------------------------------
  // At-least-once delivery
  // ---------------------------------------------------------------------------------------------

  @Test
  void unacknowledgedUpdatesAreSentAgainAndAcknowledgedOnesAreNot() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.launch("offer-2", "agent-2", task("t2", 1, "agent-2", 31000));
    f.report("t1", ScheduleStatus.RUNNING, null);
    f.report("t2", ScheduleStatus.RUNNING, null);
    StatusUpdate u1 = f.expectStatus("t1", ScheduleStatus.RUNNING);
    StatusUpdate u2 = f.expectStatus("t2", ScheduleStatus.RUNNING);

    f.backend.tell(new ResourceBackend.Acknowledge("t1", u1.updateId()));
    f.agents();
    f.advance(RESEND.minusMillis(1));
    f.statuses.expectNoMessage(QUIET);
    f.advance(Duration.ofMillis(1));

    // The very same update, again.
    f.statuses.expectMessage(u2);
    f.statuses.expectNoMessage(QUIET);

    // ... and again until it is acknowledged.
    f.advance(RESEND);
    f.statuses.expectMessage(u2);
    f.backend.tell(new ResourceBackend.Acknowledge("t2", u2.updateId()));
    f.agents();
    f.advance(RESEND);
    f.statuses.expectNoMessage(QUIET);
  }

  @Test
  void anUpdateIsSentAgainOnlyOnceItIsAResendIntervalOld() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch("offer-1", "agent-1", task("t1", 0, "agent-1", 31000));
    f.agents();

    f.advance(RESEND.dividedBy(2));
    f.report("t1", ScheduleStatus.RUNNING, null);
    StatusUpdate u = f.expectStatus("t1", ScheduleStatus.RUNNING);

    // The first resend tick comes half an interval after the update: too young.
    f.advance(RESEND.dividedBy(2));
    f.statuses.expectNoMessage(QUIET);
    f.advance(RESEND);
    f.statuses.expectMessage(u);
  }

  // ---------------------------------------------------------------------------------------------
  // Losing agents
  // ---------------------------------------------------------------------------------------------

  @Test
  void aLostAgentsTasksAreLostAndItsOfferRescinded() {
    Fleet f = new Fleet(TWO_AGENTS, MANUAL).started();
    f.launch(
        "offer-1", "agent-1", task("t1", 0, "agent-1", 31000), task("t2", 1, "agent-1", 31001));
    Offer remainder = f.expectOffer();
    TestProbe<Boolean> reply = testKit.createTestProbe();

    f.backend.tell(new SimBackend.LoseAgent("agent-1", "alice", reply.ref()));

    reply.expectMessage(true);
    f.offers.expectMessage(new OfferEvent.OfferRescinded(remainder.offerId()));
    Map<String, StatusUpdate> lost = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      StatusUpdate u = f.statuses.receiveMessage();
      lost.put(u.taskId(), u);
    }
    assertThat(lost.keySet()).containsExactlyInAnyOrder("t1", "t2");
    assertThat(lost.values())
        .allSatisfy(
            u -> {
              assertThat(u.status()).isEqualTo(ScheduleStatus.LOST);
              assertThat(u.message()).contains("Agent agent-1 was lost");
              assertThat(u.agentId()).contains("agent-1");
            });
    assertThat(lost.get("t2").instance()).contains(JOB.instance(1));
    assertThat(f.agents()).extracting(AgentView::agentId).containsExactly("agent-2");

    // The fleet no longer knows the tasks.
    f.backend.tell(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef("t1", JOB.instance(0), Optional.of("agent-1")))));
    assertThat(f.expectStatus("t1", ScheduleStatus.LOST).message())
        .contains("Reconciliation: task unknown to the cluster");

    f.backend.tell(new SimBackend.LoseAgent("agent-1", "alice", reply.ref()));
    reply.expectMessage(false);
    f.offers.expectNoMessage(QUIET);
  }
}
