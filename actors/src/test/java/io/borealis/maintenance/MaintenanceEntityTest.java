package io.borealis.maintenance;

import static io.borealis.maintenance.Fixtures.T0;
import static io.borealis.maintenance.Fixtures.config;
import static io.borealis.maintenance.Fixtures.task;
import static io.borealis.model.MaintenanceMode.DRAINED;
import static io.borealis.model.MaintenanceMode.DRAINING;
import static io.borealis.model.MaintenanceMode.NONE;
import static io.borealis.model.MaintenanceMode.SCHEDULED;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.borealis.common.Metrics;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.maintenance.MaintenanceEntity.Command;
import io.borealis.maintenance.MaintenanceEntity.DrainRequested;
import io.borealis.maintenance.MaintenanceEntity.Event;
import io.borealis.maintenance.MaintenanceEntity.HostStatus;
import io.borealis.maintenance.MaintenanceEntity.HostStatuses;
import io.borealis.maintenance.MaintenanceEntity.HostsDrained;
import io.borealis.maintenance.MaintenanceEntity.MaintenanceEnded;
import io.borealis.maintenance.MaintenanceEntity.MaintenanceScheduled;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskState;
import io.borealis.update.ObservedTask;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The maintenance entity: every operation's reply, events and state, what placement and the
 * instances are told, the poller and the drained check under manual time, and recovery. Commands,
 * events, replies and state are verified to serialize.
 */
class MaintenanceEntityTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(
          ManualTime.config()
              .withFallback(EventSourcedBehaviorTestKit.config())
              .withFallback(ConfigFactory.load("application-test")));

  private static final ManualTime manualTime = ManualTime.get(testKit.system());

  @AfterAll
  static void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  private static final Duration POLL = Duration.ofSeconds(60);
  private static final Duration CHECK = Duration.ofSeconds(5);
  private static final JobKey WEB = new JobKey("www-data", "prod", "web");
  private static final String DRAIN = "Draining machine for maintenance. Host drained by alice.";

  private static final AtomicInteger nextId = new AtomicInteger();

  /** The tasks the read side would show, set by each test. */
  private final AtomicReference<List<ScheduledTask>> tasks = new AtomicReference<>(List.of());

  private final HostTasks hostTasks =
      new HostTasks() {
        @Override
        public List<ScheduledTask> activeOn(Set<String> hosts) {
          return tasks.get().stream()
              .filter(t -> t.status().isActive())
              .filter(t -> hosts.contains(t.assignment().orElseThrow().host()))
              .toList();
        }

        @Override
        public Map<Integer, ObservedTask> jobTasks(JobKey job) {
          Map<Integer, ObservedTask> view = new HashMap<>();
          tasks.get().stream()
              .filter(t -> t.instance().job().equals(job))
              .forEach(t -> view.put(t.instance().instanceId(), ObservedTask.of(t)));
          return view;
        }
      };

  private Fixtures.TestClock clock;
  private Metrics metrics;
  private TestProbe<PlacementEngine.Command> placement;
  private TestProbe<TaskInstanceEntity.Command> instances;
  private EventSourcedBehaviorTestKit<Command, Event, MaintenanceState> kit;

  @BeforeEach
  void setUp() {
    clock = new Fixtures.TestClock(T0);
    metrics = Metrics.standalone();
    placement = testKit.createTestProbe();
    instances = testKit.createTestProbe();
    MaintenanceEntity.Deps deps =
        new MaintenanceEntity.Deps(
            clock,
            new Random(3),
            new MaintenanceSettings(
                POLL, CHECK, new DrainPlanner.Settings(3, false), SnapshotPolicy.every(100)),
            placement.ref(),
            instance -> instances.ref(),
            hostTasks,
            (policy, instance, taskId, config) -> CompletableFuture.completedFuture(true),
            metrics);
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            MaintenanceEntity.create(
                PersistenceId.ofUniqueId("maintenance-" + nextId.incrementAndGet()), deps),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    // A fresh entity tells placement that every host is in service.
    placement.expectMessage(new PlacementEngine.HostModes(Map.of()));
  }

  private static HostStatuses statuses(Object... hostThenMode) {
    List<HostStatus> items = new java.util.ArrayList<>();
    for (int i = 0; i < hostThenMode.length; i += 2) {
      items.add(new HostStatus((String) hostThenMode[i], (MaintenanceMode) hostThenMode[i + 1]));
    }
    return new HostStatuses(items);
  }

  /** Waits for placement to be told exactly these modes (the check also repeats older ones). */
  private void placementIsTold(Map<String, MaintenanceMode> modes) {
    PlacementEngine.HostModes wanted = new PlacementEngine.HostModes(modes);
    placement.fishForMessage(
        Duration.ofSeconds(3),
        m -> m.equals(wanted) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  private TaskInstanceEntity.Interrupt expectDrain() {
    TaskInstanceEntity.Interrupt i =
        instances.expectMessageClass(TaskInstanceEntity.Interrupt.class);
    assertThat(i.to()).isEqualTo(TaskState.DRAINING);
    assertThat(i.message()).isEqualTo(DRAIN);
    return i;
  }

  @Test
  void startPutsTheHostsInScheduledAndTellsPlacement() {
    var result =
        kit.<StatusReply<HostStatuses>>runCommand(
            r -> new MaintenanceEntity.Start(List.of("h1", "h2", "h1"), "alice", r));

    assertThat(result.reply().getValue()).isEqualTo(statuses("h1", SCHEDULED, "h2", SCHEDULED));
    assertThat(result.event()).isEqualTo(new MaintenanceScheduled(List.of("h1", "h2"), T0));
    assertThat(result.state().modes()).isEqualTo(Map.of("h1", SCHEDULED, "h2", SCHEDULED));
    placement.expectMessage(
        new PlacementEngine.HostModes(Map.of("h1", SCHEDULED, "h2", SCHEDULED)));
  }

  @Test
  void drainTakesEveryTaskDownAtOnceAndAnEmptyHostIsDrainedAtOnce() {
    TaskConfig web = config(WEB, true, Optional.of(new SlaPolicy.Count(5, 600)));
    ScheduledTask a = task(web, 0, "h1", RUNNING, T0);
    ScheduledTask b = task(web, 1, "h1", RUNNING, T0);
    tasks.set(List.of(a, b, task(web, 2, "h3", RUNNING, T0)));

    var result =
        kit.<StatusReply<HostStatuses>>runCommand(
            r -> new MaintenanceEntity.Drain(List.of("h1", "h2"), "alice", r));

    assertThat(result.reply().getValue()).isEqualTo(statuses("h1", DRAINING, "h2", DRAINED));
    assertThat(result.events())
        .containsExactly(
            new DrainRequested(
                List.of(
                    DrainRequest.forced("h1", T0, "alice"),
                    DrainRequest.forced("h2", T0, "alice"))),
            new HostsDrained(List.of("h2"), T0));
    assertThat(result.state().request("h1")).contains(DrainRequest.forced("h1", T0, "alice"));
    placement.expectMessage(new PlacementEngine.HostModes(Map.of("h1", DRAINING, "h2", DRAINED)));
    Set<String> drained = Set.of(expectDrain().taskId(), expectDrain().taskId());
    assertThat(drained).containsExactlyInAnyOrder(a.taskId(), b.taskId());
  }

  @Test
  void aDrainLeavesTheOtherDrainingHostsAsTheyAre() {
    // h1 waits for its SLA (nothing has run for two hours); draining h2 must not touch it.
    TaskConfig web = config(WEB, true, Optional.empty());
    ScheduledTask waiting = task(web, 0, "h1", RUNNING, T0);
    tasks.set(List.of(waiting, task(web, 1, "h3", RUNNING, T0), task(web, 2, "h3", RUNNING, T0)));
    kit.<StatusReply<HostStatuses>>runCommand(
        r ->
            new MaintenanceEntity.SlaDrain(
                List.of("h1"), new SlaPolicy.Count(2, 7200), 600, "alice", r));

    var result =
        kit.<StatusReply<HostStatuses>>runCommand(
            r -> new MaintenanceEntity.Drain(List.of("h2"), "alice", r));

    assertThat(result.events())
        .containsExactly(
            new DrainRequested(List.of(DrainRequest.forced("h2", T0, "alice"))),
            new HostsDrained(List.of("h2"), T0));
    assertThat(result.state().modes()).isEqualTo(Map.of("h1", DRAINING, "h2", DRAINED));
    assertThat(result.state().request("h1")).isPresent();
  }

  @Test
  void aDrainingHostGoesDrainedOnceItsTasksAreGone() {
    ScheduledTask a = task(config(WEB, true, Optional.empty()), 0, "h1", RUNNING, T0);
    tasks.set(List.of(a));
    kit.<StatusReply<HostStatuses>>runCommand(
        r -> new MaintenanceEntity.Drain(List.of("h1"), "alice", r));
    expectDrain();

    // The task ended (it was drained and rescheduled elsewhere): the next check sees the host
    // empty.
    tasks.set(List.of(task(config(WEB, true, Optional.empty()), 0, "h2", RUNNING, T0)));
    manualTime.timePasses(CHECK);

    placementIsTold(Map.of("h1", DRAINED));
    assertThat(kit.getState().mode("h1")).isEqualTo(DRAINED);
    assertThat(kit.getState().request("h1")).isEmpty();
  }

  @Test
  void slaDrainWaitsForTheSlaAndForcesEveryTaskAfterTheTimeout() {
    // Count(3 of 3) lowered to 2, and nothing has run for the policy's 2 hours: none may go.
    TaskConfig web = config(WEB, true, Optional.empty());
    List<ScheduledTask> onHost =
        List.of(task(web, 0, "h1", RUNNING, T0), task(web, 1, "h1", RUNNING, T0));
    tasks.set(List.of(onHost.get(0), onHost.get(1), task(web, 2, "h2", RUNNING, T0)));

    var result =
        kit.<StatusReply<HostStatuses>>runCommand(
            r ->
                new MaintenanceEntity.SlaDrain(
                    List.of("h1"), new SlaPolicy.Count(3, 7200), 600, "alice", r));

    assertThat(result.reply().getValue()).isEqualTo(statuses("h1", DRAINING));
    assertThat(result.event())
        .isEqualTo(
            new DrainRequested(
                List.of(
                    new DrainRequest(
                        "h1", new SlaPolicy.Count(3, 7200), 600, T0, Optional.of("alice")))));
    placementIsTold(Map.of("h1", DRAINING));
    // The first pass runs at once: it leaves a countdown per waiting task.
    testKit
        .createTestProbe()
        .awaitAssert(
            () -> {
              assertThat(metrics.value("maintenance_countdown_ms_www-data/prod/web/0"))
                  .isEqualTo(600_000);
              assertThat(metrics.value("maintenance_countdown_ms_www-data/prod/web/1"))
                  .isEqualTo(600_000);
              return null;
            });

    clock.advance(Duration.ofSeconds(600));
    manualTime.timePasses(CHECK);

    Set<String> drained = Set.of(expectDrain().taskId(), expectDrain().taskId());
    assertThat(drained).containsExactlyInAnyOrder(onHost.get(0).taskId(), onHost.get(1).taskId());
  }

  @Test
  void theSlaAllowsOneInstanceAtATimeOnThePoll() {
    TaskConfig web = config(WEB, true, Optional.empty());
    List<ScheduledTask> all =
        List.of(
            task(web, 0, "h1", RUNNING, T0.minusSeconds(3600)),
            task(web, 1, "h1", RUNNING, T0.minusSeconds(3600)),
            task(web, 2, "h2", RUNNING, T0.minusSeconds(3600)));
    tasks.set(all);

    kit.<StatusReply<HostStatuses>>runCommand(
        r ->
            new MaintenanceEntity.SlaDrain(
                List.of("h1"), new SlaPolicy.Count(2, 60), 3600, "alice", r));

    TaskInstanceEntity.Interrupt first = expectDrain();
    assertThat(first.taskId()).isIn(all.get(0).taskId(), all.get(1).taskId());
    assertThat(metrics.snapshot().keySet())
        .anyMatch(k -> k.startsWith("maintenance_countdown_ms_www-data/prod/web/"));
  }

  @Test
  void aCoordinatorThatAgreesLetsTheTaskGo() {
    TaskConfig web =
        config(WEB, true, Optional.of(new SlaPolicy.Coordinator("http://c/", "drain")));
    ScheduledTask a = task(web, 0, "h1", RUNNING, T0);
    tasks.set(List.of(a));

    kit.<StatusReply<HostStatuses>>runCommand(
        r ->
            new MaintenanceEntity.SlaDrain(
                List.of("h1"), new SlaPolicy.Count(1, 0), 3600, "alice", r));

    assertThat(expectDrain().taskId()).isEqualTo(a.taskId());
  }

  @Test
  void endPutsTheHostsBackInServiceAndForgetsTheirRequests() {
    kit.<StatusReply<HostStatuses>>runCommand(
        r -> new MaintenanceEntity.Drain(List.of("h1"), "alice", r));
    kit.<StatusReply<HostStatuses>>runCommand(
        r -> new MaintenanceEntity.Start(List.of("h2"), "alice", r));

    var result =
        kit.<StatusReply<HostStatuses>>runCommand(
            r -> new MaintenanceEntity.End(List.of("h1", "h3"), "alice", r));

    assertThat(result.reply().getValue()).isEqualTo(statuses("h1", NONE, "h3", NONE));
    assertThat(result.event()).isEqualTo(new MaintenanceEnded(List.of("h1", "h3"), T0));
    assertThat(result.state().modes()).isEqualTo(Map.of("h2", SCHEDULED));
    assertThat(result.state().request("h1")).isEmpty();
    placementIsTold(Map.of("h2", SCHEDULED));
  }

  @Test
  void statusListsEveryHostNotInServiceByHost() {
    kit.<StatusReply<HostStatuses>>runCommand(
        r -> new MaintenanceEntity.Start(List.of("h3", "h1"), "alice", r));
    kit.<StatusReply<HostStatuses>>runCommand(
        r -> new MaintenanceEntity.Drain(List.of("h2"), "alice", r));

    var result = kit.<HostStatuses>runCommand(MaintenanceEntity.GetStatus::new);

    assertThat(result.reply()).isEqualTo(statuses("h1", SCHEDULED, "h2", DRAINED, "h3", SCHEDULED));
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void refusesNoHostsBlankHostsAndANegativeTimeoutPersistingNothing() {
    var none =
        kit.<StatusReply<HostStatuses>>runCommand(
            r -> new MaintenanceEntity.Drain(List.of(), "alice", r));
    var blank =
        kit.<StatusReply<HostStatuses>>runCommand(
            r -> new MaintenanceEntity.Start(List.of("h1", " "), "alice", r));
    var negative =
        kit.<StatusReply<HostStatuses>>runCommand(
            r ->
                new MaintenanceEntity.SlaDrain(
                    List.of("h1"), new SlaPolicy.Count(1, 0), -1, "alice", r));

    for (var result : List.of(none, blank, negative)) {
      assertThat(result.reply().isError()).isTrue();
      assertThat(result.reply().getError()).isInstanceOf(Rejection.Invalid.class);
      assertThat(result.hasNoEvents()).isTrue();
    }
    assertThat(none.reply().getError()).hasMessage("At least one host is required.");
    assertThat(kit.getState()).isEqualTo(MaintenanceState.EMPTY);
  }

  @Test
  void recoversTheModesAndTellsPlacementAgain() {
    kit.<StatusReply<HostStatuses>>runCommand(
        r -> new MaintenanceEntity.Start(List.of("h1"), "alice", r));
    kit.<StatusReply<HostStatuses>>runCommand(
        r -> new MaintenanceEntity.Drain(List.of("h2"), "alice", r));
    placementIsTold(Map.of("h1", SCHEDULED, "h2", DRAINED));

    var restarted = kit.restart();

    assertThat(restarted.state().modes()).isEqualTo(Map.of("h1", SCHEDULED, "h2", DRAINED));
    placementIsTold(Map.of("h1", SCHEDULED, "h2", DRAINED));
  }
}
