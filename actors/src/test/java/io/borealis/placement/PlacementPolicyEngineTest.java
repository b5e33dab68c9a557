package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.PortRange;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.Metrics;
import io.borealis.model.Assignment;
import io.borealis.model.Constraint;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's placement policy against probes: limits count the tasks in its index (confirmed
 * assignments, instances' reports, the seed read at start) and those whose assignment is in flight;
 * a task gone frees its place; maintenance modes veto hosts; pending reasons name the nearest fit's
 * vetoes; and the scheduling counters of aurora-semantics §8 move.
 */
class PlacementPolicyEngineTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final JobKey JOB = new JobKey("www-data", "prod", "limited");
  private static final TaskConfig ONE_PER_HOST =
      TaskConfig.simple(JOB, true, Resources.of(1, 512, 512))
          .withConstraints(Map.of("host", new Constraint.Limit("host", 1)));

  private static final PlacementSettings STABLE =
      new PlacementSettings(
          0,
          0,
          PlacementSettings.OfferOrder.STABLE,
          Duration.ofHours(1),
          Duration.ofSeconds(30),
          2000);

  private static Offer offer(String offerId, String host, double cpu) {
    return new Offer(
        offerId,
        "agent-" + host,
        host,
        Map.of("host", Set.of(host), "rack", Set.of("r1")),
        cpu,
        4096,
        4096,
        0,
        List.of(new PortRange(31000, 31009)));
  }

  /** What placement asked of an instance. */
  record Asked(String taskId, Assignment where, CompletableFuture<Done> answer) {}

  private static final class Fixture {
    final TestProbe<ResourceBackend.Command> backend = testKit.createTestProbe();
    final TestProbe<Asked> asks = testKit.createTestProbe();
    final ActorRef<PlacementEngine.Command> engine;

    Fixture(PlacedTasksSource seed) {
      engine =
          testKit.spawn(
              PlacementEngine.create(
                  backend.ref(),
                  (key, taskId, where, timeout) -> {
                    CompletableFuture<Done> answer = new CompletableFuture<>();
                    asks.ref().tell(new Asked(taskId, where, answer));
                    return answer;
                  },
                  STABLE,
                  new SplittableRandom(3),
                  seed));
      backend.expectMessage(new ResourceBackend.ReviveOffers());
    }

    Fixture() {
      this(PlacedTasksSource.NONE);
    }

    void offer(Offer o) {
      engine.tell(new PlacementEngine.FromBackend(new OfferEvent.OfferReceived(o)));
    }

    void pending(String taskId, int instance, TaskConfig config) {
      engine.tell(new PlacementEngine.TaskPending(taskId, JOB.instance(instance), config));
    }

    /** Every message sent so far, and the round it triggered, has been handled. */
    void settled() {
      TestProbe<PlacementEngine.Stats> reply = testKit.createTestProbe();
      engine.tell(new PlacementEngine.GetStats(reply.ref()));
      reply.receiveMessage();
      engine.tell(new PlacementEngine.GetStats(reply.ref()));
      reply.receiveMessage();
    }

    void expectNoAsk() {
      settled();
      asks.expectNoMessage(Duration.ofMillis(100));
    }

    List<PlacementEngine.PendingReason> reasons() {
      TestProbe<PlacementEngine.PendingReasons> reply = testKit.createTestProbe();
      engine.tell(new PlacementEngine.GetPendingReasons(JOB, reply.ref()));
      return reply.receiveMessage().items();
    }
  }

  private static PlacedTask placedOn(String taskId, int instance, String host) {
    return new PlacedTask(taskId, JOB.instance(instance), ONE_PER_HOST, "agent-" + host, host);
  }

  @Test
  void aConfirmedAssignmentCountsAgainstTheJobsLimitInLaterRounds() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "h1", 4));
    f.pending("t0", 0, ONE_PER_HOST);
    Asked first = f.asks.receiveMessage();
    first.answer().complete(Done.getInstance());
    f.backend.expectMessageClass(ResourceBackend.Launch.class);

    // What the launch left of h1 comes back: the job already has its one task there.
    f.offer(offer("o2", "h1", 3));
    f.pending("t1", 1, ONE_PER_HOST);
    f.expectNoAsk();
    assertThat(f.reasons())
        .containsExactly(new PlacementEngine.PendingReason("t1", 1, "Limit not satisfied: host"));

    // Once that task is gone, h1 may take another.
    f.engine.tell(new PlacementEngine.TaskGone("t0"));
    f.offer(offer("o3", "h2", 0.5));
    assertThat(f.asks.receiveMessage().where().host()).isEqualTo("h1");
  }

  @Test
  void anAssignmentInFlightCountsAlready() {
    Fixture f = new Fixture();
    f.offer(offer("o1", "h1", 4));
    f.pending("t0", 0, ONE_PER_HOST);
    Asked first = f.asks.receiveMessage();

    // The instance has not confirmed yet; another offer of h1 arrives.
    f.offer(offer("o2", "h1-bis", 4));
    f.engine.tell(
        new PlacementEngine.FromBackend(
            new OfferEvent.OfferReceived(
                new Offer(
                    "o3",
                    "agent-h1",
                    "h1",
                    Map.of("host", Set.of("h1")),
                    4,
                    4096,
                    4096,
                    0,
                    List.of()))));
    f.pending("t1", 1, ONE_PER_HOST);

    assertThat(f.asks.receiveMessage().where().host()).isEqualTo("h1-bis");
    first.answer().complete(Done.getInstance());
  }

  @Test
  void aTaskReportedByItsInstanceCountsAgainstTheLimit() {
    Fixture f = new Fixture();
    f.engine.tell(new PlacementEngine.TaskPlaced(placedOn("t0", 0, "h1")));
    f.offer(offer("o1", "h1", 4));
    f.pending("t1", 1, ONE_PER_HOST);

    f.expectNoAsk();
    f.offer(offer("o2", "h2", 4));
    assertThat(f.asks.receiveMessage().where().host()).isEqualTo("h2");
  }

  @Test
  void aRestartedEngineSeedsItsIndexFromTheReadSideButNotWithTasksHeardGone() {
    CompletableFuture<List<PlacedTask>> seed = new CompletableFuture<>();
    Fixture f = new Fixture(() -> seed);
    // Heard gone before the (older) seed arrives: the seed must not bring it back.
    f.engine.tell(new PlacementEngine.TaskGone("t9"));
    seed.complete(List.of(placedOn("t0", 0, "h1"), placedOn("t9", 9, "h2")));

    f.offer(offer("o1", "h1", 4));
    f.offer(offer("o2", "h2", 4));
    f.pending("t1", 1, ONE_PER_HOST);

    assertThat(f.asks.receiveMessage().where().host()).isEqualTo("h2");
  }

  @Test
  void drainingAndDrainedHostsTakeNothingAndScheduledOnesComeLast() {
    Fixture f = new Fixture();
    f.engine.tell(
        new PlacementEngine.HostModes(
            Map.of(
                "h1", MaintenanceMode.SCHEDULED,
                "h2", MaintenanceMode.DRAINING,
                "h3", MaintenanceMode.DRAINED)));
    f.offer(offer("o1", "h1", 4));
    f.offer(offer("o2", "h2", 4));
    f.offer(offer("o3", "h3", 4));
    f.offer(offer("o4", "h4", 4));
    TaskConfig plain = TaskConfig.simple(JOB, true, Resources.of(1, 512, 512));
    f.pending("t0", 0, plain);
    f.pending("t1", 1, plain);
    f.pending("t2", 2, plain);

    assertThat(List.of(f.asks.receiveMessage(), f.asks.receiveMessage()))
        .extracting(a -> a.where().host())
        .containsExactly("h4", "h1");
    f.expectNoAsk();
  }

  @Test
  void pendingReasonsSayWhenNoAgentOffersAnythingAndWhatIsShort() {
    Fixture f = new Fixture();
    TaskConfig big = TaskConfig.simple(JOB, true, Resources.of(1, 8192, 512));
    f.pending("t0", 0, big);
    f.pending("t1", 1, big);
    f.settled();

    assertThat(f.reasons())
        .extracting(PlacementEngine.PendingReason::reason)
        .containsOnly("No offers: no agent has free resources now");
    f.offer(offer("o1", "h1", 4));
    f.expectNoAsk();
    assertThat(f.reasons())
        .containsExactly(
            new PlacementEngine.PendingReason(
                "t0", 0, "Insufficient: RAM (needs 8192 MB, largest free 4096 MB)"),
            new PlacementEngine.PendingReason(
                "t1", 1, "Insufficient: RAM (needs 8192 MB, largest free 4096 MB)"));
  }

  @Test
  void roundsCountAttemptsMisfitsVetoesAndOffers() {
    Metrics metrics = Metrics.of(testKit.system());
    long offers = metrics.value("scheduler_resource_offers");
    long fired = metrics.value("schedule_attempts_fired");
    long noMatch = metrics.value("schedule_attempts_no_match");
    long limits = metrics.value("scheduling_veto_limit_not_satisfied");
    long dynamic = metrics.value("scheduling_veto_dynamic");
    Fixture f = new Fixture();
    f.engine.tell(new PlacementEngine.TaskPlaced(placedOn("t0", 0, "h1")));

    f.offer(offer("o1", "h1", 4));
    f.pending("t1", 1, ONE_PER_HOST);
    f.settled();

    assertThat(metrics.value("scheduler_resource_offers") - offers).isEqualTo(1);
    assertThat(metrics.value("schedule_attempts_fired") - fired).isEqualTo(1);
    assertThat(metrics.value("schedule_attempts_no_match") - noMatch).isEqualTo(1);
    assertThat(metrics.value("scheduling_veto_limit_not_satisfied") - limits).isEqualTo(1);
    assertThat(metrics.value("scheduling_veto_dynamic") - dynamic).isEqualTo(1);
    assertThat(metrics.snapshot()).containsKeys("outstanding_offers", "scheduling_veto_mixed");
  }
}
