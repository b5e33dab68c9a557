package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.backend.LaunchTask;
import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.PortRange;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.Metrics;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The placement engine against probes: a probe stands for the backend and one probe for each
 * instance. A round asks the chosen instance to persist its assignment and only then launches; an
 * offer nobody confirmed is declined. Offers are tried in STABLE order and the periodic round is
 * far away, so every round here is triggered by a message the test sends.
 */
class PlacementEngineTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final TaskConfig WEB =
      TaskConfig.simple(JOB, true, Resources.of(1, 512, 1024, "http", "admin"));
  private static final TaskConfig WORKER = TaskConfig.simple(JOB, true, Resources.of(1, 512, 1024));
  private static final TaskConfig HUGE = TaskConfig.simple(JOB, true, Resources.of(6, 512, 1024));

  private static final PlacementSettings STABLE =
      new PlacementSettings(
          0,
          0,
          PlacementSettings.OfferOrder.STABLE,
          Duration.ofHours(1),
          Duration.ofSeconds(30),
          2000);

  private static final Duration QUIET = Duration.ofMillis(200);

  private static Offer offer(String offerId, String agentId, double cpu) {
    return new Offer(
        offerId,
        agentId,
        "host-" + agentId,
        Map.of(),
        cpu,
        4096,
        8192,
        0,
        List.of(new PortRange(31000, 31000), new PortRange(31100, 31199)));
  }

  private static InstanceKey instance(int id) {
    return JOB.instance(id);
  }

  /** What placement asked of an instance, as the instance's probe receives it. */
  record AssignAsked(
      InstanceKey instance,
      String taskId,
      Assignment assignment,
      ActorRef<StatusReply<Done>> replyTo) {}

  /** One engine with its backend probe and a probe per instance. */
  private static final class Fixture {
    final TestProbe<ResourceBackend.Command> backend = testKit.createTestProbe();
    final Map<InstanceKey, TestProbe<AssignAsked>> instances = new HashMap<>();
    final ActorRef<PlacementEngine.Command> engine;

    Fixture() {
      this(STABLE);
    }

    Fixture(PlacementSettings settings) {
      for (int i = 0; i < 4; i++) {
        instances.put(instance(i), testKit.createTestProbe());
      }
      engine =
          testKit.spawn(
              PlacementEngine.create(
                  backend.ref(),
                  (key, taskId, where, timeout) ->
                      AskPattern.askWithStatus(
                          instances.get(key).ref(),
                          (ActorRef<StatusReply<Done>> r) -> new AssignAsked(key, taskId, where, r),
                          timeout,
                          testKit.scheduler()),
                  settings,
                  new SplittableRandom(7)));
      // A fresh engine holds no offers: it asks the backend for all of them again.
      backend.expectMessage(new ResourceBackend.ReviveOffers());
    }

    TestProbe<AssignAsked> probe(int instanceId) {
      return instances.get(instance(instanceId));
    }

    void offer(Offer o) {
      engine.tell(new PlacementEngine.FromBackend(new OfferEvent.OfferReceived(o)));
    }

    void pending(String taskId, int instanceId, TaskConfig config) {
      engine.tell(new PlacementEngine.TaskPending(taskId, instance(instanceId), config));
    }

    AssignAsked expectAssign(int instanceId) {
      return probe(instanceId).expectMessageClass(AssignAsked.class);
    }

    PlacementEngine.Stats stats() {
      TestProbe<PlacementEngine.Stats> reply = testKit.createTestProbe();
      engine.tell(new PlacementEngine.GetStats(reply.ref()));
      return reply.receiveMessage();
    }

    /**
     * Stats once every message sent so far, and any round they triggered, has been handled: the
     * round is a message the engine sends itself, so it is queued behind the first query.
     */
    PlacementEngine.Stats settled() {
      stats();
      return stats();
    }

    void expectNoAssignments() {
      settled();
      for (TestProbe<AssignAsked> p : instances.values()) {
        p.expectNoMessage(QUIET);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Assign, then launch
  // ---------------------------------------------------------------------------------------------

  @Test
  void asksTheInstanceToPersistItsAssignmentWithBoundPorts() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.pending("t1", 0, WEB);

    AssignAsked assign = f.expectAssign(0);

    assertThat(assign.taskId()).isEqualTo("t1");
    assertThat(assign.assignment())
        .isEqualTo(
            new Assignment("agent-1", "host-agent-1", Map.of("http", 31000, "admin", 31100)));
    // Nothing is launched before the instance confirms.
    f.backend.expectNoMessage(QUIET);
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 0, 1, 0));
  }

  @Test
  void anAgentsFreeResourcesSplitOverOffersAreDeclinedToComeBackWhole() {
    Fixture f = new Fixture();
    // 8 CPUs free on agent-1, in two offers (the second made of what a task freed while the first
    // was out): neither fits the 6-CPU task alone.
    f.offer(offer("o1", "agent-1", 4));
    f.offer(offer("o2", "agent-1", 4));
    f.pending("t1", 0, HUGE);

    assertThat(
            List.of(
                f.backend.expectMessageClass(ResourceBackend.Decline.class),
                f.backend.expectMessageClass(ResourceBackend.Decline.class)))
        .containsExactlyInAnyOrder(
            new ResourceBackend.Decline("o1"), new ResourceBackend.Decline("o2"));
    // Offered again as one, the agent fits the task.
    f.offer(offer("o3", "agent-1", 8));
    assertThat(f.expectAssign(0).taskId()).isEqualTo("t1");
  }

  @Test
  void launchesOnTheOfferOnceTheInstanceConfirms() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.pending("t1", 0, WEB);
    AssignAsked assign = f.expectAssign(0);

    assign.replyTo().tell(StatusReply.ack());

    f.backend.expectMessage(
        new ResourceBackend.Launch(
            "o1", "agent-1", List.of(new LaunchTask("t1", instance(0), WEB, assign.assignment()))));
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 0, 0, 1));
  }

  @Test
  void declinesTheOfferWhenTheInstanceRefuses() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.pending("t1", 0, WEB);
    AssignAsked assign = f.expectAssign(0);

    assign.replyTo().tell(StatusReply.error("Task t1 is not PENDING."));

    f.backend.expectMessage(new ResourceBackend.Decline("o1"));
    // The task is dropped: if it still waits, its instance registers it again.
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 0, 0, 0));
  }

  @Test
  void declinesTheOfferWhenTheInstanceDoesNotAnswerInTime() {
    Fixture f =
        new Fixture(
            new PlacementSettings(
                0,
                0,
                PlacementSettings.OfferOrder.STABLE,
                Duration.ofHours(1),
                Duration.ofMillis(300),
                2000));
    f.offer(offer("o1", "agent-1", 4));
    f.pending("t1", 0, WEB);
    f.expectAssign(0);

    f.backend.expectMessage(Duration.ofSeconds(5), new ResourceBackend.Decline("o1"));
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 0, 0, 0));
  }

  @Test
  void aTaskRegisteredAgainAfterARefusalIsPlacedAgain() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.pending("t1", 0, WEB);
    f.expectAssign(0).replyTo().tell(StatusReply.error("busy"));
    f.backend.expectMessage(new ResourceBackend.Decline("o1"));

    f.pending("t1", 0, WEB);
    f.offer(offer("o2", "agent-1", 4));

    AssignAsked again = f.expectAssign(0);
    assertThat(again.taskId()).isEqualTo("t1");
    again.replyTo().tell(StatusReply.ack());
    f.backend.expectMessageClass(ResourceBackend.Launch.class);
  }

  // ---------------------------------------------------------------------------------------------
  // Rounds
  // ---------------------------------------------------------------------------------------------

  @Test
  void placesOneTaskPerOfferInARound() {
    Fixture f = new Fixture();
    f.pending("t0", 0, WORKER);
    f.pending("t1", 1, WORKER);
    f.pending("t2", 2, WORKER);
    f.offer(offer("o1", "agent-1", 8));
    f.offer(offer("o2", "agent-2", 8));

    AssignAsked a0 = f.expectAssign(0);
    AssignAsked a1 = f.expectAssign(1);

    assertThat(a0.assignment().agentId()).isEqualTo("agent-1");
    assertThat(a1.assignment().agentId()).isEqualTo("agent-2");
    f.probe(2).expectNoMessage(QUIET);
    assertThat(f.settled()).isEqualTo(new PlacementEngine.Stats(1, 0, 2, 0));

    // Each offer launches when its own instance confirms. Two confirmations sent together reach
    // the engine in no guaranteed order (each travels through its own ask), so confirm one at a
    // time: the launch order is then the confirmation order.
    a1.replyTo().tell(StatusReply.ack());
    f.backend.expectMessage(
        new ResourceBackend.Launch(
            "o2", "agent-2", List.of(new LaunchTask("t1", instance(1), WORKER, a1.assignment()))));
    a0.replyTo().tell(StatusReply.ack());
    f.backend.expectMessage(
        new ResourceBackend.Launch(
            "o1", "agent-1", List.of(new LaunchTask("t0", instance(0), WORKER, a0.assignment()))));
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(1, 0, 0, 2));
  }

  @Test
  void noMoreAssignmentsArePersistingAtOnceThanTheLimitAllows() {
    Fixture f =
        new Fixture(
            new PlacementSettings(
                0,
                0,
                PlacementSettings.OfferOrder.STABLE,
                Duration.ofHours(1),
                Duration.ofSeconds(30),
                1));
    f.pending("t0", 0, WORKER);
    f.pending("t1", 1, WORKER);
    f.offer(offer("o1", "agent-1", 8));
    f.offer(offer("o2", "agent-2", 8));

    AssignAsked first = f.expectAssign(0);
    f.probe(1).expectNoMessage(QUIET);
    assertThat(f.settled()).isEqualTo(new PlacementEngine.Stats(1, 1, 1, 0));

    // Once the first is persisted there is room again: the next one is placed at once.
    first.replyTo().tell(StatusReply.ack());
    AssignAsked second = f.expectAssign(1);
    assertThat(second.assignment().agentId()).isEqualTo("agent-2");
  }

  @Test
  void aTaskWaitsForAnOfferItFits() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.pending("t0", 0, HUGE);

    f.expectNoAssignments();
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(1, 1, 0, 0));

    f.offer(offer("o2", "agent-2", 8));

    assertThat(f.expectAssign(0).assignment().agentId()).isEqualTo("agent-2");
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 1, 1, 0));
  }

  @Test
  void theExecutorOverheadIsPartOfWhatMustFit() {
    Fixture f =
        new Fixture(
            new PlacementSettings(
                0.25,
                128,
                PlacementSettings.OfferOrder.STABLE,
                Duration.ofHours(1),
                Duration.ofSeconds(30),
                2000));
    // 1 CPU asked + 0.25 overhead does not fit 1 CPU.
    f.offer(offer("o1", "agent-1", 1));
    f.pending("t0", 0, WORKER);
    f.expectNoAssignments();

    f.offer(offer("o2", "agent-2", 1.25));

    assertThat(f.expectAssign(0).assignment().agentId()).isEqualTo("agent-2");
  }

  @Test
  void stableOrderPacksAgentsInTheOrderTheyWereFirstOffered() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.offer(offer("o2", "agent-2", 4));
    f.pending("t0", 0, WORKER);
    AssignAsked a0 = f.expectAssign(0);
    assertThat(a0.assignment().agentId()).isEqualTo("agent-1");
    a0.replyTo().tell(StatusReply.ack());
    f.backend.expectMessageClass(ResourceBackend.Launch.class);

    // The backend offers what is left of agent-1; it arrives after agent-2's offer.
    f.offer(offer("o3", "agent-1", 3));
    f.pending("t1", 1, WORKER);

    assertThat(f.expectAssign(1).assignment().agentId()).isEqualTo("agent-1");
  }

  // ---------------------------------------------------------------------------------------------
  // Bookkeeping
  // ---------------------------------------------------------------------------------------------

  @Test
  void aTaskGoneBeforeAnOfferArrivesIsNeverAssigned() {
    Fixture f = new Fixture();
    f.pending("t0", 0, WORKER);
    f.engine.tell(new PlacementEngine.TaskGone("t0"));
    f.offer(offer("o1", "agent-1", 4));

    f.expectNoAssignments();
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 1, 0, 0));
    f.backend.expectNoMessage(QUIET);
  }

  @Test
  void aDuplicateTaskPendingIsIgnored() {
    Fixture f = new Fixture();
    f.pending("t0", 0, WORKER);
    f.pending("t0", 0, WORKER);
    assertThat(f.settled()).isEqualTo(new PlacementEngine.Stats(1, 0, 0, 0));

    f.offer(offer("o1", "agent-1", 4));
    AssignAsked assign = f.expectAssign(0);

    // Registered again while its assignment is being persisted: still one placement.
    f.pending("t0", 0, WORKER);
    f.offer(offer("o2", "agent-2", 4));
    f.expectNoAssignments();
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 1, 1, 0));

    assign.replyTo().tell(StatusReply.ack());
    f.backend.expectMessageClass(ResourceBackend.Launch.class);
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 1, 0, 1));
  }

  @Test
  void aRescindedOfferIsNotUsed() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.engine.tell(new PlacementEngine.FromBackend(new OfferEvent.OfferRescinded("o1")));
    f.pending("t0", 0, WORKER);

    f.expectNoAssignments();
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(1, 0, 0, 0));

    f.offer(offer("o2", "agent-1", 4));
    AssignAsked assign = f.expectAssign(0);
    assign.replyTo().tell(StatusReply.ack());
    f.backend.expectMessage(
        new ResourceBackend.Launch(
            "o2",
            "agent-1",
            List.of(new LaunchTask("t0", instance(0), WORKER, assign.assignment()))));
  }

  @Test
  void offersResetDropsEveryOffer() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "agent-1", 4));
    f.offer(offer("o2", "agent-2", 4));
    assertThat(f.settled().offers()).isEqualTo(2);

    f.engine.tell(new PlacementEngine.FromBackend(new OfferEvent.OffersReset()));
    f.pending("t0", 0, WORKER);

    f.expectNoAssignments();
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(1, 0, 0, 0));
  }

  @Test
  void statsCountPendingTasksOffersLaunchesAndPlacements() {
    Fixture f = new Fixture();
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 0, 0, 0));

    f.pending("t0", 0, HUGE);
    f.pending("t1", 1, WORKER);
    f.pending("t2", 2, HUGE);
    f.offer(offer("o1", "agent-1", 4));
    f.offer(offer("o2", "agent-2", 4));
    AssignAsked a1 = f.expectAssign(1);

    // Two HUGE tasks wait; o2 is still held; o1 waits for t1's confirmation.
    assertThat(f.settled()).isEqualTo(new PlacementEngine.Stats(2, 1, 1, 0));

    a1.replyTo().tell(StatusReply.ack());
    f.backend.expectMessageClass(ResourceBackend.Launch.class);
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(2, 1, 0, 1));

    f.engine.tell(new PlacementEngine.TaskGone("t0"));
    f.engine.tell(new PlacementEngine.TaskGone("t2"));
    assertThat(f.stats()).isEqualTo(new PlacementEngine.Stats(0, 1, 0, 1));
  }

  @Test
  void aTaskLostOnAnAgentCountsByTheRackTheAgentOffered() {
    Fixture f = new Fixture();
    Metrics metrics = Metrics.of(testKit.system());
    String rack = "tasks_lost_rack_r-lost";
    long before = metrics.value(rack);
    f.offer(
        new Offer(
            "o-r",
            "agent-r",
            "host-r",
            Map.of("rack", Set.of("r-lost")),
            4,
            4096,
            8192,
            0,
            List.of(new PortRange(31000, 31099))));
    f.engine.tell(
        new PlacementEngine.TaskPlaced(
            new PlacedTask("t-lost", instance(0), WORKER, "agent-r", "host-r")));
    f.engine.tell(
        new PlacementEngine.TaskPlaced(
            new PlacedTask("t-done", instance(1), WORKER, "agent-r", "host-r")));

    f.engine.tell(new PlacementEngine.TaskGone("t-done"));
    f.engine.tell(new PlacementEngine.TaskGone("t-lost", true));
    // Gone twice (a late repeat of the instance's message) counts once.
    f.engine.tell(new PlacementEngine.TaskGone("t-lost", true));
    f.stats();

    assertThat(metrics.value(rack)).isEqualTo(before + 1);
  }
}
