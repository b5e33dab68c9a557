package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.PortRange;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.Metrics;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * Preemption in the placement engine against probes: a probe stands for the backend, one for every
 * instance asked to persist an assignment and one for every instance asked to go PREEMPTING. The
 * engine's clock is moved by hand, and every slot search here is one the test asks for (the
 * periodic one is an hour away).
 */
class PreemptionEngineTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final JobKey WEB = new JobKey("www-data", "prod", "web");
  private static final JobKey BATCH = new JobKey("ads", "prod", "batch");

  /** A production task needing a whole 4-CPU agent. */
  private static final TaskConfig PROD =
      TierConfigs.config(WEB, "preferred", 0, Resources.of(4, 2048, 1024));

  /** Preemptible tasks of another role, two to an agent. */
  private static final TaskConfig LOW =
      TierConfigs.config(BATCH, "preemptible", 0, Resources.of(2, 1024, 512));

  private static final Instant START = Instant.parse("2024-05-01T12:00:00Z");

  private static final PlacementSettings SETTINGS =
      new PlacementSettings(
          0,
          0,
          PlacementSettings.OfferOrder.STABLE,
          Duration.ofHours(1),
          Duration.ofSeconds(30),
          2000);

  private static final PreemptionSettings PREEMPTION =
      new PreemptionSettings(
          true,
          Duration.ofHours(1),
          Duration.ofHours(1),
          Duration.ofMinutes(3),
          Duration.ofMinutes(5),
          Duration.ofMinutes(3),
          5);

  private static final Duration QUIET = Duration.ofMillis(200);

  /** A clock the test moves by hand. */
  private static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant start) {
      this.now = start;
    }

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

  record AssignAsked(
      InstanceKey instance,
      String taskId,
      Assignment assignment,
      ActorRef<StatusReply<Done>> replyTo) {}

  record PreemptAsked(
      InstanceKey instance, String taskId, String message, ActorRef<Boolean> replyTo) {}

  private static final class Fixture {
    final TestClock clock = new TestClock(START);
    final TestProbe<ResourceBackend.Command> backend = testKit.createTestProbe();
    final TestProbe<AssignAsked> assigned = testKit.createTestProbe();
    final TestProbe<PreemptAsked> preempted = testKit.createTestProbe();
    final ActorRef<PlacementEngine.Command> engine;

    Fixture() {
      engine =
          testKit.spawn(
              PlacementEngine.create(
                  backend.ref(),
                  (key, taskId, where, timeout) ->
                      AskPattern.askWithStatus(
                          assigned.ref(),
                          (ActorRef<StatusReply<Done>> r) -> new AssignAsked(key, taskId, where, r),
                          timeout,
                          testKit.scheduler()),
                  (key, taskId, message, timeout) ->
                      AskPattern.ask(
                          preempted.ref(),
                          (ActorRef<Boolean> r) -> new PreemptAsked(key, taskId, message, r),
                          timeout,
                          testKit.scheduler()),
                  SETTINGS,
                  PREEMPTION,
                  new SplittableRandom(7),
                  clock));
      backend.expectMessage(new ResourceBackend.ReviveOffers());
    }

    /** {@code count} LOW tasks running on {@code agentId}, ids {@code low-<agent>-<n>}. */
    void lowTasksOn(String agentId, int count) {
      for (int n = 0; n < count; n++) {
        engine.tell(
            new PlacementEngine.TaskPlaced(
                new PlacedTask(
                    "low-" + agentId + "-" + n,
                    BATCH.instance(n),
                    LOW,
                    agentId,
                    "host-" + agentId)));
      }
    }

    void pending(String taskId, InstanceKey instance, TaskConfig config, Duration ago) {
      engine.tell(
          new PlacementEngine.TaskPending(
              taskId, instance, config, Optional.of(clock.instant().minus(ago))));
    }

    void offer(String offerId, String agentId, double cpu) {
      engine.tell(
          new PlacementEngine.FromBackend(
              new OfferEvent.OfferReceived(
                  new Offer(
                      offerId,
                      agentId,
                      "host-" + agentId,
                      Map.of("host", java.util.Set.of("host-" + agentId)),
                      cpu,
                      4096,
                      4096,
                      0,
                      List.of(new PortRange(31000, 31999))))));
    }

    void searchSlots() {
      engine.tell(new PlacementEngine.SearchSlots());
    }

    /** Once every message sent so far has been handled (see PlacementEngineTest.settled). */
    void settled() {
      TestProbe<PlacementEngine.Stats> reply = testKit.createTestProbe();
      engine.tell(new PlacementEngine.GetStats(reply.ref()));
      reply.receiveMessage();
      engine.tell(new PlacementEngine.GetStats(reply.ref()));
      reply.receiveMessage();
    }
  }

  private static Metrics metrics() {
    return Metrics.of(testKit.system());
  }

  private static long delta(String name, Runnable action) {
    long before = metrics().value(name);
    action.run();
    return metrics().value(name) - before;
  }

  @Test
  void interruptsTheVictimsOfAFoundSlotInFavorOfThePendingTask() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));
    long successful = metrics().value("preemptor_slot_search_successful_for_prod");
    long validated = metrics().value("preemptor_slot_validation_successful");
    long preemptedNonProd = metrics().value("preemptor_tasks_preempted_non_prod");
    long runs = metrics().value("preemptor_task_processor_runs");

    f.searchSlots();

    List<PreemptAsked> asked = f.preempted.receiveSeveralMessages(2);
    assertThat(asked.stream().map(PreemptAsked::taskId))
        .containsExactly("low-agent-1-0", "low-agent-1-1");
    assertThat(asked.stream().map(PreemptAsked::message))
        .containsOnly("Preempting in favor of prod-0");
    assertThat(asked.get(0).instance()).isEqualTo(BATCH.instance(0));
    asked.forEach(a -> a.replyTo().tell(true));
    f.settled();
    assertThat(metrics().value("preemptor_slot_search_successful_for_prod") - successful)
        .isEqualTo(1);
    assertThat(metrics().value("preemptor_slot_validation_successful") - validated).isEqualTo(1);
    assertThat(metrics().value("preemptor_tasks_preempted_non_prod") - preemptedNonProd)
        .isEqualTo(2);
    assertThat(metrics().value("preemptor_task_processor_runs") - runs).isEqualTo(1);
  }

  @Test
  void considersOnlyTasksPendingForThePreemptionDelay() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(1));

    f.searchSlots();
    f.settled();
    f.preempted.expectNoMessage(QUIET);

    f.clock.advance(Duration.ofMinutes(2));
    f.searchSlots();
    assertThat(f.preempted.receiveSeveralMessages(2)).hasSize(2);
  }

  @Test
  void usesTheAgentsOfferAndPreemptsNoMoreThanNeeded() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    // Half of agent-1 is free but offered too small for the production task.
    f.offer("o1", "agent-1", 2);
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));
    f.settled();

    f.searchSlots();

    assertThat(f.preempted.receiveMessage().taskId()).isEqualTo("low-agent-1-0");
    f.preempted.expectNoMessage(QUIET);
  }

  @Test
  void findsNoSlotWhereOnlyIneligibleTasksRun() {
    Fixture f = new Fixture();
    // Another production task fills agent-1: it cannot be preempted by a production task.
    f.engine.tell(
        new PlacementEngine.TaskPlaced(
            new PlacedTask(
                "other-prod",
                new JobKey("ads", "prod", "api").instance(0),
                TierConfigs.config(
                    new JobKey("ads", "prod", "api"), "preferred", 9, Resources.of(4, 2048, 512)),
                "agent-1",
                "host-agent-1")));
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));
    f.pending("prod-1", WEB.instance(1), PROD, Duration.ofMinutes(4));

    long failed =
        delta(
            "preemptor_slot_search_failed_for_prod",
            () -> {
              f.searchSlots();
              f.settled();
            });

    f.preempted.expectNoMessage(QUIET);
    // The group's first task found nothing: the group is left for the next run.
    assertThat(failed).isEqualTo(1);
  }

  @Test
  void preemptsOnlyWhereTheCandidatesConstraintsHold() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    f.lowTasksOn("agent-2", 2);
    f.offer("o-1", "agent-1", 0);
    f.offer("o-2", "agent-2", 0);
    // Only agent-2's host will do: its victims go, agent-1's stay.
    TaskConfig pinned =
        PROD.withConstraints(
            Map.of(
                "host",
                new io.borealis.model.Constraint.Value("host", false, List.of("host-agent-2"))));
    f.pending("prod-0", WEB.instance(0), pinned, Duration.ofMinutes(4));

    f.searchSlots();

    List<PreemptAsked> asked = f.preempted.receiveSeveralMessages(2);
    assertThat(asked.stream().map(PreemptAsked::taskId))
        .containsExactly("low-agent-2-0", "low-agent-2-1");
    f.preempted.expectNoMessage(QUIET);
  }

  @Test
  void skipsHostsGoingIntoMaintenance() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    f.engine.tell(new PlacementEngine.HostModes(Map.of("host-agent-1", MaintenanceMode.DRAINING)));
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));

    f.searchSlots();
    f.settled();

    f.preempted.expectNoMessage(QUIET);
  }

  @Test
  void holdsThePreemptedAgentForTheGroupItMadeRoomFor() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    // A preemptible task waits too, ahead of the production one: it must not take the room made.
    TaskConfig other = TierConfigs.config(BATCH, "preemptible", 0, Resources.of(1, 512, 512));
    f.pending("low-new", BATCH.instance(7), other, Duration.ofMinutes(4));
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));
    f.searchSlots();
    f.preempted.receiveSeveralMessages(2).forEach(a -> a.replyTo().tell(true));

    // The victims are down: agent-1 is offered whole.
    f.offer("o1", "agent-1", 4);

    AssignAsked asked = f.assigned.receiveMessage();
    assertThat(asked.taskId()).isEqualTo("prod-0");
    assertThat(asked.assignment().agentId()).isEqualTo("agent-1");
    f.assigned.expectNoMessage(QUIET);
  }

  @Test
  void keepsOtherGroupsOffAReservedAgentUntilTheReservationExpires() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));
    f.searchSlots();
    f.preempted.receiveSeveralMessages(2).forEach(a -> a.replyTo().tell(true));
    // The production task goes away (killed while PENDING); its reservation stays.
    f.engine.tell(new PlacementEngine.TaskGone("prod-0"));
    TaskConfig other = TierConfigs.config(BATCH, "preemptible", 0, Resources.of(1, 512, 512));
    f.pending("low-new", BATCH.instance(7), other, Duration.ZERO);

    f.offer("o1", "agent-1", 4);
    f.settled();
    f.assigned.expectNoMessage(QUIET);

    f.clock.advance(PREEMPTION.reservation());
    f.offer("o2", "agent-1", 4);

    AssignAsked asked = f.assigned.receiveMessage();
    assertThat(asked.taskId()).isEqualTo("low-new");
    assertThat(asked.assignment().agentId()).isEqualTo("agent-1");
  }

  @Test
  void takesEachAgentOnceAndCachesASlotPerTask() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    f.lowTasksOn("agent-2", 2);
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));
    f.pending("prod-1", WEB.instance(1), PROD, Duration.ofMinutes(4));
    f.searchSlots();

    // One reservation per group at a time: the first slot is used now.
    List<PreemptAsked> first = f.preempted.receiveSeveralMessages(2);
    assertThat(first.stream().map(PreemptAsked::taskId))
        .containsExactly("low-agent-1-0", "low-agent-1-1");
    first.forEach(a -> a.replyTo().tell(true));
    f.preempted.expectNoMessage(QUIET);

    // Once the first task is placed there, the second slot (agent-2) is used.
    f.offer("o1", "agent-1", 4);
    f.assigned.receiveMessage();
    List<PreemptAsked> second = f.preempted.receiveSeveralMessages(2);
    assertThat(second.stream().map(PreemptAsked::taskId))
        .containsExactly("low-agent-2-0", "low-agent-2-1");
    assertThat(second.get(0).message()).isEqualTo("Preempting in favor of prod-1");
  }

  @Test
  void dropsACachedSlotWhoseVictimsAreGoneWhenItsTurnComes() {
    Fixture f = new Fixture();
    f.lowTasksOn("agent-1", 2);
    f.lowTasksOn("agent-2", 2);
    f.pending("prod-0", WEB.instance(0), PROD, Duration.ofMinutes(4));
    f.pending("prod-1", WEB.instance(1), PROD, Duration.ofMinutes(4));
    f.searchSlots();
    f.preempted.receiveSeveralMessages(2).forEach(a -> a.replyTo().tell(true));
    // agent-2's tasks end on their own while its slot waits in the cache.
    f.engine.tell(new PlacementEngine.TaskGone("low-agent-2-0"));
    f.engine.tell(new PlacementEngine.TaskGone("low-agent-2-1"));
    long failed = metrics().value("preemptor_slot_validation_failed");

    f.offer("o1", "agent-1", 4);
    f.assigned.receiveMessage();
    f.settled();

    f.preempted.expectNoMessage(QUIET);
    assertThat(metrics().value("preemptor_slot_validation_failed") - failed).isEqualTo(1);
  }
}
