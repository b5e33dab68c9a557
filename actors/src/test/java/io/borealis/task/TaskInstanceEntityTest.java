package io.borealis.task;

import static io.borealis.model.ScheduleStatus.ASSIGNED;
import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.model.ScheduleStatus.KILLING;
import static io.borealis.model.ScheduleStatus.LOST;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.RESTARTING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static io.borealis.model.ScheduleStatus.STARTING;
import static io.borealis.model.ScheduleStatus.THROTTLED;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.TaskRef;
import io.borealis.common.EventFeed;
import io.borealis.common.Metrics;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.common.Tags;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.PartitionPolicy;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.placement.PlacedTask;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.InstanceEvent.TaskAssigned;
import io.borealis.task.InstanceEvent.TaskCreated;
import io.borealis.task.InstanceEvent.TaskDeleted;
import io.borealis.task.InstanceEvent.TaskStateChanged;
import io.borealis.task.TaskInstanceEntity.ApplyStatus;
import io.borealis.task.TaskInstanceEntity.Assign;
import io.borealis.task.TaskInstanceEntity.Command;
import io.borealis.task.TaskInstanceEntity.Describe;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import io.borealis.task.TaskInstanceEntity.Interrupt;
import io.borealis.task.TaskInstanceEntity.Kill;
import io.borealis.task.TaskInstanceEntity.KillResult;
import io.borealis.task.TaskInstanceEntity.Restart;
import io.borealis.task.TaskInstanceEntity.RestartResult;
import io.borealis.task.TaskInstanceEntity.Schedule;
import io.borealis.task.TaskInstanceEntity.Scheduled;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The task-instance entity: every command's reply, events and resulting state, recovery (state and
 * the messages a recovered instance sends), and the state timers of aurora-semantics §2.5 under
 * manual time. Commands, events, replies and states are all verified to serialize.
 */
class TaskInstanceEntityTest {

  private static final com.typesafe.config.Config CONFIG =
      ManualTime.config()
          .withFallback(EventSourcedBehaviorTestKit.config())
          .withFallback(ConfigFactory.load("application-test"));

  private static final ActorTestKit testKit = ActorTestKit.create(CONFIG);

  private static final ManualTime manualTime = ManualTime.get(testKit.system());

  @AfterAll
  static void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final TaskConfig SERVICE =
      TaskConfig.simple(JOB, true, Resources.of(1, 128, 128, "http"));

  /** A batch task that is never retried (maxTaskFailures 1). */
  private static final TaskConfig BATCH =
      TaskConfig.simple(JOB, false, Resources.of(1, 128, 128)).withMaxTaskFailures(1);

  private static final Instant START = Instant.parse("2024-05-01T12:00:00Z");
  private static final Assignment AGENT =
      new Assignment("agent-1", "host-1.example.com", Map.of("http", 31000));

  /** Short timers, so manual time moves in small steps. */
  private static final Duration TRANSIENT_TIMEOUT = Duration.ofSeconds(10);

  private static final Duration FIRST_KILL_RETRY = Duration.ofSeconds(2);
  private static final TaskSettings SETTINGS =
      new TaskSettings(
          TRANSIENT_TIMEOUT,
          FIRST_KILL_RETRY,
          Duration.ofMinutes(5),
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          10,
          Duration.ofSeconds(30),
          Duration.ofMinutes(2),
          SnapshotPolicy.every(1000));

  /** Each test gets its own instance, hence its own persistence id. */
  private static final AtomicInteger nextInstanceId = new AtomicInteger();

  /** A clock the test moves by hand, alongside {@link ManualTime}. */
  private static final class TestClock extends Clock {
    private final AtomicReference<Instant> now;

    TestClock(Instant start) {
      this.now = new AtomicReference<>(start);
    }

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public Instant instant() {
      return now.get();
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

  /** Deterministic ids: 00000000-0000-0000-0000-000000000001, …02, … */
  private static final class Uuids implements Supplier<UUID> {
    private final AtomicLong next = new AtomicLong(1);

    @Override
    public UUID get() {
      return new UUID(0, next.getAndIncrement());
    }
  }

  /** What the entity told the read side, in order. */
  private record Fed(String persistenceId, long lastSequenceNr, List<Object> events) {}

  private final List<Fed> fed = new java.util.concurrent.CopyOnWriteArrayList<>();
  private InstanceKey instance;
  private TestClock clock;
  private TestProbe<PlacementEngine.Command> placement;
  private TestProbe<ResourceBackend.Command> backend;
  private TaskInstanceEntity.Deps deps;
  private EventSourcedBehaviorTestKit<Command, InstanceEvent, InstanceState> kit;

  /** The system of this test (the shared one unless the test {@link #isolate}s itself). */
  private ActorTestKit system = testKit;

  private ManualTime time = manualTime;

  @BeforeEach
  void setUp() {
    start(testKit);
  }

  @AfterEach
  void shutdownIsolatedSystem() {
    if (system != testKit) {
      system.shutdownTestKit();
    }
  }

  /**
   * Moves this test to an actor system of its own, where no instance of another test lives: the
   * node-wide counters then count this test's instance only, whatever manual time does to others.
   */
  private void isolate() {
    start(ActorTestKit.create(CONFIG));
  }

  private void start(ActorTestKit on) {
    system = on;
    time = ManualTime.get(on.system());
    instance = JOB.instance(nextInstanceId.getAndIncrement());
    clock = new TestClock(START);
    placement = on.createTestProbe();
    backend = on.createTestProbe();
    deps =
        new TaskInstanceEntity.Deps(
            clock,
            new Uuids(),
            new Random(42),
            SETTINGS,
            placement.ref(),
            backend.ref(),
            (pid, seqNr, events) -> fed.add(new Fed(pid, seqNr, List.copyOf(events))));
    kit =
        EventSourcedBehaviorTestKit.create(
            on.system(),
            TaskInstanceEntity.create(instance, deps, Optional.empty()),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  // ---------------------------------------------------------------------------------------------
  // Schedule
  // ---------------------------------------------------------------------------------------------

  @Test
  void scheduleCreatesAPendingTaskAndRegistersItWithPlacement() {
    var result = schedule(SERVICE, "s-1");

    ScheduledTask task = pending(taskId(1), SERVICE, 0, Optional.empty(), START, Optional.empty());
    assertThat(result.reply().getValue()).isEqualTo(new Scheduled(taskId(1), false));
    assertThat(result.events()).containsExactly(new TaskCreated(instance, task, "s-1"));
    assertThat(result.state()).isEqualTo(new InstanceState.Active(task, List.of(), "s-1"));
    expectPending(taskId(1), instance, SERVICE);
  }

  @Test
  void everyPersistedEventIsFedToTheReadSideWithItsSequenceNumberBeforeTheReply() {
    var created = schedule(SERVICE, "s-1");
    var assigned = assign(taskId(1));

    assertThat(fed)
        .containsExactly(
            new Fed("instance|" + instance, 1, List.copyOf(created.events())),
            new Fed("instance|" + instance, 2, List.copyOf(assigned.events())));
  }

  @Test
  void aCommandThatPersistsNothingFeedsNothing() {
    schedule(SERVICE, "s-1");
    fed.clear();

    schedule(SERVICE, "s-1");

    assertThat(fed).isEmpty();
  }

  @Test
  void scheduleIsIdempotentForTheSameScheduleId() {
    var first = schedule(SERVICE, "s-1");

    var again = schedule(SERVICE, "s-1");

    assertThat(again.reply().getValue()).isEqualTo(new Scheduled(taskId(1), true));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.state()).isEqualTo(first.state());
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    placement.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void scheduleWithAnotherIdWhileATaskIsActiveIsACollision() {
    var first = schedule(SERVICE, "s-1");

    var other = schedule(SERVICE, "s-2");

    assertThat(other.reply().isError()).isTrue();
    assertThat(other.reply().getError())
        .isInstanceOf(Rejection.Conflict.class)
        .hasMessage("Instance ID collision detected.");
    assertThat(other.hasNoEvents()).isTrue();
    assertThat(other.state()).isEqualTo(first.state());
  }

  @Test
  void scheduleAfterTheTaskEndedStartsANewGenerationOrRepeatsTheOldAnswer() {
    schedule(BATCH, "s-1");
    assign(taskId(1));
    var failed = status(taskId(1), FAILED, "Exited with status 1");
    ScheduledTask ended = failed.state().latestTask().orElseThrow();

    // The job re-driving the old round after a restart: nothing new happens.
    var repeated = schedule(BATCH, "s-1");
    assertThat(repeated.reply().getValue()).isEqualTo(new Scheduled(taskId(1), true));
    assertThat(repeated.hasNoEvents()).isTrue();

    // A new creation of the job: a fresh lineage, the old task kept in history.
    clock.advance(Duration.ofMinutes(1));
    var fresh = schedule(BATCH, "s-2");
    ScheduledTask task =
        pending(taskId(2), BATCH, 0, Optional.empty(), START.plusSeconds(60), Optional.empty());
    assertThat(fresh.reply().getValue()).isEqualTo(new Scheduled(taskId(2), false));
    assertThat(fresh.events()).containsExactly(new TaskCreated(instance, task, "s-2"));
    assertThat(fresh.state()).isEqualTo(new InstanceState.Active(task, List.of(ended), "s-2"));
  }

  // ---------------------------------------------------------------------------------------------
  // Assign
  // ---------------------------------------------------------------------------------------------

  @Test
  void assignMovesThePendingTaskToAssigned() {
    var scheduled = schedule(SERVICE, "s-1");
    ScheduledTask task = scheduled.state().latestTask().orElseThrow();
    clock.advance(Duration.ofSeconds(1));

    var result = assign(taskId(1));

    Instant at = START.plusSeconds(1);
    assertThat(result.reply().isSuccess()).isTrue();
    assertThat(result.events()).containsExactly(new TaskAssigned(instance, taskId(1), AGENT, at));
    assertThat(result.state())
        .isEqualTo(new InstanceState.Active(task.assigned(AGENT, at), List.of(), "s-1"));
    ScheduledTask current = result.state().latestTask().orElseThrow();
    assertThat(current.status()).isEqualTo(ASSIGNED);
    assertThat(current.assignment()).contains(AGENT);
  }

  @Test
  void assignIsRefusedUnlessTheTaskIsPending() {
    var refusedEmpty = assign(taskId(1));
    assertRefused(refusedEmpty, "task " + taskId(1) + " of " + instance + " is not PENDING");
    assertThat(refusedEmpty.state()).isEqualTo(new InstanceState.Empty());

    schedule(SERVICE, "s-1");
    var wrongTask = assign("some-other-task");
    assertRefused(wrongTask, "task some-other-task of " + instance + " is not PENDING");

    var assigned = assign(taskId(1));
    var again = assign(taskId(1));
    assertRefused(again, "task " + taskId(1) + " of " + instance + " is not PENDING");
    assertThat(again.state()).isEqualTo(assigned.state());
  }

  // ---------------------------------------------------------------------------------------------
  // ApplyStatus
  // ---------------------------------------------------------------------------------------------

  @Test
  void statusUpdatesMoveTheTaskThroughStartingToRunning() {
    schedule(SERVICE, "s-1");
    assign(taskId(1));

    clock.advance(Duration.ofSeconds(1));
    var starting = status(taskId(1), STARTING, "Initializing sandbox.");
    assertThat(starting.reply()).isEqualTo(Done.getInstance());
    assertThat(starting.events())
        .containsExactly(
            new TaskStateChanged(
                instance,
                taskId(1),
                ASSIGNED,
                STARTING,
                START.plusSeconds(1),
                Optional.of("Initializing sandbox."),
                0));
    assertThat(starting.state().latestTask().map(ScheduledTask::status)).contains(STARTING);

    clock.advance(Duration.ofSeconds(1));
    var running = status(taskId(1), RUNNING, "");
    assertThat(running.reply()).isEqualTo(Done.getInstance());
    assertThat(running.events())
        .containsExactly(
            new TaskStateChanged(
                instance, taskId(1), STARTING, RUNNING, START.plusSeconds(2), Optional.empty(), 0));
    ScheduledTask task = running.state().latestTask().orElseThrow();
    assertThat(task.status()).isEqualTo(RUNNING);
    assertThat(task.events())
        .extracting(TaskEvent::status)
        .containsExactly(PENDING, ASSIGNED, STARTING, RUNNING);
    assertThat(running.state()).isInstanceOf(InstanceState.Active.class);

    // The same status again changes nothing.
    var repeated = status(taskId(1), RUNNING, "");
    assertThat(repeated.reply()).isEqualTo(Done.getInstance());
    assertThat(repeated.hasNoEvents()).isTrue();
    assertThat(repeated.state()).isEqualTo(running.state());
  }

  @Test
  void aFailedServiceIsRescheduledWithANewIdAndItsAncestor() {
    toRunning(SERVICE);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    clock.advance(Duration.ofMinutes(10));
    Instant at = START.plus(Duration.ofMinutes(10));

    var result = status(taskId(1), FAILED, "Exited with status 1");

    ScheduledTask next =
        pending(taskId(2), SERVICE, 1, Optional.of(taskId(1)), at, Optional.of("Rescheduled"));
    assertThat(result.reply()).isEqualTo(Done.getInstance());
    assertThat(result.events())
        .containsExactly(
            new TaskStateChanged(
                instance, taskId(1), RUNNING, FAILED, at, Optional.of("Exited with status 1"), 1),
            new TaskCreated(instance, next, "s-1"));
    InstanceState.Active state = (InstanceState.Active) result.state();
    assertThat(state.current()).isEqualTo(next);
    assertThat(state.lastScheduleId()).isEqualTo("s-1");
    assertThat(state.history())
        .singleElement()
        .satisfies(
            old -> {
              assertThat(old.taskId()).isEqualTo(taskId(1));
              assertThat(old.status()).isEqualTo(FAILED);
              assertThat(old.failureCount()).isEqualTo(1);
            });
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1)));
    expectPending(taskId(2), instance, SERVICE);
  }

  @Test
  void aBatchTaskAllowedOneFailureStaysFailed() {
    toRunning(BATCH);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);

    var result = status(taskId(1), FAILED, "Exited with status 1");

    assertThat(result.reply()).isEqualTo(Done.getInstance());
    assertThat(result.events())
        .containsExactly(
            new TaskStateChanged(
                instance,
                taskId(1),
                RUNNING,
                FAILED,
                START,
                Optional.of("Exited with status 1"),
                1));
    assertThat(result.state()).isInstanceOf(InstanceState.Idle.class);
    ScheduledTask task = result.state().latestTask().orElseThrow();
    assertThat(task.status()).isEqualTo(FAILED);
    assertThat(task.failureCount()).isEqualTo(1);
    // It no longer holds resources.
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1)));
    placement.expectNoMessage(Duration.ofMillis(100));
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRunningStatusForAnUnknownTaskGetsItKilledWithoutAnEvent() {
    var before = schedule(SERVICE, "s-1");

    var result =
        kit.<Done>runCommand(
            replyTo ->
                new ApplyStatus(
                    "zombie-task", RUNNING, Optional.empty(), Optional.of("agent-9"), replyTo));

    assertThat(result.reply()).isEqualTo(Done.getInstance());
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.state()).isEqualTo(before.state());
    backend.expectMessage(new ResourceBackend.Kill("zombie-task", Optional.of("agent-9")));
  }

  @Test
  void listenersOfTheJobHearEveryPersistedChangeAndOthersNothing() {
    LocalInstanceChanges changes = new LocalInstanceChanges();
    TestProbe<InstanceChange> ofJob = testKit.createTestProbe();
    TestProbe<InstanceChange> ofOther = testKit.createTestProbe();
    TestProbe<InstanceChange> gone = testKit.createTestProbe();
    changes.subscribe(JOB, ofJob.ref());
    changes.subscribe(JOB, gone.ref());
    changes.unsubscribe(JOB, gone.ref());
    changes.subscribe(new JobKey("www-data", "prod", "other"), ofOther.ref());
    deps =
        new TaskInstanceEntity.Deps(
            clock,
            new Uuids(),
            new Random(42),
            SETTINGS,
            placement.ref(),
            backend.ref(),
            EventFeed.NONE,
            Tags.SINGLE,
            changes);
    ActorRef<Command> entity = spawnWithAssignedTask();
    TestProbe<Done> acks = testKit.createTestProbe();

    assertThat(ofJob.receiveMessage().latest().map(ScheduledTask::status)).contains(PENDING);
    assertThat(ofJob.receiveMessage().latest().map(ScheduledTask::status)).contains(ASSIGNED);
    entity.tell(
        new ApplyStatus(taskId(1), RUNNING, Optional.empty(), Optional.empty(), acks.ref()));
    acks.expectMessage(Done.getInstance());
    InstanceChange running = ofJob.receiveMessage();
    assertThat(running.instance()).isEqualTo(instance);
    assertThat(running.latest().map(ScheduledTask::status)).contains(RUNNING);
    assertThat(running.changed()).extracting(ScheduledTask::status).containsExactly(RUNNING);

    // A repeated status changes nothing, so nothing is announced.
    entity.tell(
        new ApplyStatus(taskId(1), RUNNING, Optional.empty(), Optional.empty(), acks.ref()));
    acks.expectMessage(Done.getInstance());
    ofJob.expectNoMessage(Duration.ofMillis(100));
    ofOther.expectNoMessage(Duration.ZERO);
    gone.expectNoMessage(Duration.ZERO);
    testKit.stop(entity);
  }

  @Test
  void aStatusIsAcknowledgedOnlyOnceItIsPersisted() {
    ActorRef<Command> entity = spawnWithAssignedTask();
    TestProbe<Done> acks = testKit.createTestProbe();
    TestProbe<InstanceSummary> summaries = testKit.createTestProbe();

    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    journal.failNextPersisted(persistenceId());
    entity.tell(
        new ApplyStatus(taskId(1), RUNNING, Optional.empty(), Optional.empty(), acks.ref()));

    // The write failed: no acknowledgement (the backend will send the status again), and the
    // entity restarts from its journal after its backoff, asking the backend about its task.
    acks.expectNoMessage(Duration.ofMillis(200));
    ResourceBackend.Reconcile reconcile =
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId(1), instance, Optional.of(AGENT.agentId()))));
    backend.awaitAssert(
        Duration.ofSeconds(5),
        () -> {
          manualTime.timePasses(Duration.ofMillis(500));
          return backend.expectMessage(Duration.ofMillis(100), reconcile);
        });
    entity.tell(new Describe(summaries.ref()));
    assertThat(summaries.receiveMessage().latest().map(ScheduledTask::status)).contains(ASSIGNED);
    acks.expectNoMessage(Duration.ofMillis(100));

    // The re-sent status is persisted, then acknowledged.
    entity.tell(
        new ApplyStatus(taskId(1), RUNNING, Optional.empty(), Optional.empty(), acks.ref()));
    acks.expectMessage(Done.getInstance());
    entity.tell(new Describe(summaries.ref()));
    assertThat(summaries.receiveMessage().latest().map(ScheduledTask::status)).contains(RUNNING);
    testKit.stop(entity);
  }

  @Test
  void timersAreArmedAgainWhenTheEntityRestartsAfterAFailedWrite() {
    ActorRef<Command> entity = spawnWithAssignedTask();
    TestProbe<Done> acks = testKit.createTestProbe();
    TestProbe<InstanceSummary> summaries = testKit.createTestProbe();

    PersistenceTestKit.create(testKit.system()).failNextPersisted(persistenceId());
    entity.tell(
        new ApplyStatus(taskId(1), RUNNING, Optional.empty(), Optional.empty(), acks.ref()));
    backend.awaitAssert(
        Duration.ofSeconds(5),
        () -> {
          manualTime.timePasses(Duration.ofMillis(500));
          return backend.expectMessageClass(
              ResourceBackend.Reconcile.class, Duration.ofMillis(100));
        });
    // Barrier: the recovery (and whatever it arms) is done once the entity answers.
    entity.tell(new Describe(summaries.ref()));
    assertThat(summaries.receiveMessage().latest().map(ScheduledTask::status)).contains(ASSIGNED);

    // The task is still ASSIGNED after the restart, so it must still time out.
    clock.advance(TRANSIENT_TIMEOUT);
    manualTime.timePasses(TRANSIENT_TIMEOUT);
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
    placement.expectMessageClass(PlacementEngine.TaskPlaced.class);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1), true));
    expectPending(taskId(2), instance, SERVICE);
    testKit.stop(entity);
  }

  // ---------------------------------------------------------------------------------------------
  // Kill
  // ---------------------------------------------------------------------------------------------

  @Test
  void killingAPendingTaskDeletesItAndWithdrawsItFromPlacement() {
    schedule(SERVICE, "s-1");
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    clock.advance(Duration.ofSeconds(5));

    var result = kill("bob", Optional.empty());

    assertThat(result.reply()).isEqualTo(new KillResult(instance, Optional.of(taskId(1))));
    assertThat(result.events())
        .containsExactly(new TaskDeleted(instance, taskId(1), START.plusSeconds(5)));
    assertThat(result.state())
        .isEqualTo(new InstanceState.Idle(Optional.empty(), List.of(), "s-1"));
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1)));
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void killingARunningTaskSendsAKillAndRecordsWhoAskedAndWhy() {
    toRunning(SERVICE);

    var result = kill("bob", Optional.of("Decommissioned."));

    assertThat(result.reply()).isEqualTo(new KillResult(instance, Optional.of(taskId(1))));
    assertThat(result.events())
        .containsExactly(
            new TaskStateChanged(
                instance,
                taskId(1),
                RUNNING,
                KILLING,
                START,
                Optional.of("Killed by bob.\nDecommissioned."),
                0));
    assertThat(result.state()).isInstanceOf(InstanceState.Active.class);
    assertThat(result.state().latestTask().map(ScheduledTask::status)).contains(KILLING);
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
  }

  @Test
  void illegalStatusesAreCountedAndAZombieIsKilledAgain() {
    long before = metric(TaskInstanceEntity.ILLEGAL_TRANSITIONS);
    toRunning(SERVICE);
    kill("bob", Optional.empty());
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));

    // KILLING -> RUNNING is illegal and kills the task again; KILLING -> KILLING is a no-op.
    var zombie = status(taskId(1), RUNNING, "");
    status(taskId(1), KILLING, "");

    assertThat(zombie.hasNoEvents()).isTrue();
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
    assertThat(metric(TaskInstanceEntity.ILLEGAL_TRANSITIONS)).isEqualTo(before + 1);

    // KILLED, then FAILED: a terminal task moves no further, and that is counted too.
    status(taskId(1), KILLED, "");
    status(taskId(1), FAILED, "late");

    assertThat(metric(TaskInstanceEntity.ILLEGAL_TRANSITIONS)).isEqualTo(before + 2);
  }

  @Test
  void aKillWithoutAMessageIsAuditedWithTheUserOnly() {
    schedule(SERVICE, "s-1");
    assign(taskId(1));

    var result = kill("UNSECURE", Optional.empty());

    assertThat(result.events())
        .containsExactly(
            new TaskStateChanged(
                instance,
                taskId(1),
                ASSIGNED,
                KILLING,
                START,
                Optional.of("Killed by UNSECURE"),
                0));
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
  }

  @Test
  void aKilledServiceIsNotRescheduledOnceItWasKilledOnPurpose() {
    toRunning(SERVICE);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    kill("bob", Optional.empty());
    backend.expectMessageClass(ResourceBackend.Kill.class);

    var result = status(taskId(1), KILLED, "Killed by the agent.");

    assertThat(result.reply()).isEqualTo(Done.getInstance());
    assertThat(result.events())
        .containsExactly(
            new TaskStateChanged(
                instance,
                taskId(1),
                KILLING,
                KILLED,
                START,
                Optional.of("Killed by bob (Killed by the agent.)"),
                0));
    assertThat(result.state()).isInstanceOf(InstanceState.Idle.class);
    assertThat(result.state().latestTask().map(ScheduledTask::status)).contains(KILLED);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1)));
    placement.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void killingWithNothingActiveReportsNothingKilled() {
    var empty = kill("bob", Optional.empty());
    assertThat(empty.reply()).isEqualTo(new KillResult(instance, Optional.empty()));
    assertThat(empty.hasNoEvents()).isTrue();
    assertThat(empty.state()).isEqualTo(new InstanceState.Empty());

    schedule(BATCH, "s-1");
    assign(taskId(1));
    var finished = status(taskId(1), ScheduleStatus.FINISHED, "");
    var idle = kill("bob", Optional.empty());
    assertThat(idle.reply()).isEqualTo(new KillResult(instance, Optional.empty()));
    assertThat(idle.hasNoEvents()).isTrue();
    assertThat(idle.state()).isEqualTo(finished.state());
  }

  @Test
  void pruningDropsEndedTasksOfTheHistoryAndFeedsTheView() {
    schedule(BATCH, "s-1");
    assign(taskId(1));
    status(taskId(1), ScheduleStatus.FINISHED, "");
    schedule(BATCH, "s-2");
    fed.clear();
    long prunedBefore = metric(TaskInstanceEntity.TASKS_PRUNED);

    var result =
        kit.<Done>runCommand(
            r -> new TaskInstanceEntity.Prune(List.of(taskId(1), taskId(2), "unknown"), r));

    // The latest task (2) stays; the ended one in the history goes.
    assertThat(result.reply()).isEqualTo(Done.getInstance());
    assertThat(result.events())
        .containsExactly(new InstanceEvent.TasksPruned(instance, List.of(taskId(1))));
    assertThat(result.state().olderTasks()).isEmpty();
    assertThat(result.state().latestTask().map(ScheduledTask::taskId)).contains(taskId(2));
    assertThat(fed).extracting(Fed::events).containsExactly(List.copyOf(result.events()));

    var again = kit.<Done>runCommand(r -> new TaskInstanceEntity.Prune(List.of(taskId(1)), r));
    assertThat(again.reply()).isEqualTo(Done.getInstance());
    assertThat(again.hasNoEvents()).isTrue();
    // Aurora's tasks_pruned counts each task that left the history once.
    assertThat(metric(TaskInstanceEntity.TASKS_PRUNED)).isEqualTo(prunedBefore + 1);
  }

  // ---------------------------------------------------------------------------------------------
  // Restart
  // ---------------------------------------------------------------------------------------------

  @Test
  void restartingARunningTaskKillsItAndReschedulesItOnceItIsDown() {
    // A service that failed once: the restart must keep its failure count.
    // It ran for ten minutes before failing, so its lineage did not flap (no throttling).
    toRunning(SERVICE);
    clock.advance(Duration.ofMinutes(10));
    status(taskId(1), FAILED, "Exited with status 1");
    assign(taskId(2));
    status(taskId(2), RUNNING, "");
    expectPending(taskId(1), instance, SERVICE);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1)));
    expectPending(taskId(2), instance, SERVICE);
    clock.advance(Duration.ofMinutes(10));
    Instant at = START.plus(Duration.ofMinutes(20));

    var restart = kit.<RestartResult>runCommand(replyTo -> new Restart("bob", replyTo));

    assertThat(restart.reply()).isEqualTo(new RestartResult(instance, true));
    assertThat(restart.events())
        .containsExactly(
            new TaskStateChanged(
                instance, taskId(2), RUNNING, RESTARTING, at, Optional.of("Restarted by bob"), 1));
    assertThat(restart.state().latestTask().map(ScheduledTask::status)).contains(RESTARTING);
    backend.expectMessage(new ResourceBackend.Kill(taskId(2), Optional.of(AGENT.agentId())));

    clock.advance(Duration.ofSeconds(3));
    Instant down = at.plusSeconds(3);
    var killed = status(taskId(2), KILLED, "Killed by the agent.");

    ScheduledTask next =
        pending(taskId(3), SERVICE, 1, Optional.of(taskId(2)), down, Optional.of("Rescheduled"));
    assertThat(killed.events())
        .containsExactly(
            new TaskStateChanged(
                instance,
                taskId(2),
                RESTARTING,
                KILLED,
                down,
                Optional.of("Restarted by bob (Killed by the agent.)"),
                1),
            new TaskCreated(instance, next, "s-1"));
    assertThat(killed.state().latestTask()).contains(next);
    assertThat(killed.state().olderTasks())
        .extracting(ScheduledTask::taskId)
        .containsExactly(taskId(2), taskId(1));
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(2)));
    expectPending(taskId(3), instance, SERVICE);
  }

  @ParameterizedTest
  @EnumSource(
      value = TaskState.class,
      names = {"PREEMPTING", "DRAINING"})
  void anInterruptedTaskIsKilledAndRescheduledOnceItIsDown(TaskState to) {
    toRunning(SERVICE);
    expectPending(taskId(1), instance, SERVICE);
    clock.advance(Duration.ofMinutes(1));
    Instant at = START.plus(Duration.ofMinutes(1));

    var stale = kit.<KillResult>runCommand(replyTo -> new Interrupt("other", to, "Why", replyTo));
    assertThat(stale.reply()).isEqualTo(new KillResult(instance, Optional.empty()));
    assertThat(stale.hasNoEvents()).isTrue();

    var interrupted =
        kit.<KillResult>runCommand(replyTo -> new Interrupt(taskId(1), to, "Why", replyTo));

    ScheduleStatus status = ScheduleStatus.valueOf(to.name());
    assertThat(interrupted.reply()).isEqualTo(new KillResult(instance, Optional.of(taskId(1))));
    assertThat(interrupted.events())
        .containsExactly(
            new TaskStateChanged(instance, taskId(1), RUNNING, status, at, Optional.of("Why"), 0));
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));

    var killed = status(taskId(1), KILLED, "Killed by the agent.");
    assertThat(killed.state().find(taskId(1)).flatMap(t -> t.latestEvent().message()))
        .contains("Why (Killed by the agent.)");
    assertThat(killed.state().latestTask().map(ScheduledTask::status)).contains(PENDING);
    assertThat(killed.state().latestTask().flatMap(ScheduledTask::ancestorId)).contains(taskId(1));
  }

  @Test
  void restartIsNotStartedWithoutALiveTask() {
    var empty = kit.<RestartResult>runCommand(replyTo -> new Restart("bob", replyTo));
    assertThat(empty.reply()).isEqualTo(new RestartResult(instance, false));
    assertThat(empty.hasNoEvents()).isTrue();

    // PENDING → RESTARTING is illegal: the pending task simply stays.
    var scheduled = schedule(SERVICE, "s-1");
    var pendingRestart = kit.<RestartResult>runCommand(replyTo -> new Restart("bob", replyTo));
    assertThat(pendingRestart.reply()).isEqualTo(new RestartResult(instance, false));
    assertThat(pendingRestart.hasNoEvents()).isTrue();
    assertThat(pendingRestart.state()).isEqualTo(scheduled.state());
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  // ---------------------------------------------------------------------------------------------
  // Describe
  // ---------------------------------------------------------------------------------------------

  @Test
  void describeTellsTheLatestTask() {
    var empty = describe();
    assertThat(empty.reply()).isEqualTo(new InstanceSummary(instance, Optional.empty()));
    assertThat(empty.reply().active()).isFalse();
    assertThat(empty.hasNoEvents()).isTrue();

    var scheduled = schedule(SERVICE, "s-1");
    var pending = describe();
    assertThat(pending.reply())
        .isEqualTo(new InstanceSummary(instance, scheduled.state().latestTask()));
    assertThat(pending.reply().active()).isTrue();
    assertThat(pending.hasNoEvents()).isTrue();

    kill("bob", Optional.empty());
    var deleted = describe();
    assertThat(deleted.reply()).isEqualTo(new InstanceSummary(instance, Optional.empty()));
    assertThat(deleted.reply().active()).isFalse();
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery
  // ---------------------------------------------------------------------------------------------

  @Test
  void recoveryRestoresTheSameState() {
    toRunning(SERVICE);
    status(taskId(1), FAILED, "Exited with status 1");
    assign(taskId(2));
    var before = status(taskId(2), RUNNING, "").state();

    var restarted = kit.restart();

    assertThat(restarted.state()).isEqualTo(before);
    assertThat(kit.getState()).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(
      value = ScheduleStatus.class,
      names = {"ASSIGNED", "STARTING", "RUNNING"})
  void aRecoveredTaskOnAnAgentIsReconciledWithTheBackend(ScheduleStatus status) {
    schedule(SERVICE, "s-1");
    assign(taskId(1));
    if (status != ASSIGNED) {
      status(taskId(1), status, "");
    }
    placement.expectMessageClass(PlacementEngine.TaskPending.class);

    var restarted = kit.restart();

    assertThat(restarted.state().latestTask().map(ScheduledTask::status)).contains(status);
    backend.expectMessage(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId(1), instance, Optional.of(AGENT.agentId())))));
    backend.expectNoMessage(Duration.ofMillis(100));
    // A placement engine that restarted meanwhile learns where the task is.
    placement.expectMessage(
        new PlacementEngine.TaskPlaced(
            new PlacedTask(taskId(1), instance, SERVICE, AGENT.agentId(), AGENT.host())));
    placement.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRecoveredPendingTaskRegistersWithPlacementAgain() {
    schedule(SERVICE, "s-1");
    expectPending(taskId(1), instance, SERVICE);

    kit.restart();

    expectPending(taskId(1), instance, SERVICE);
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRecoveredKillingTaskIsKilledAgain() {
    toRunning(SERVICE);
    kill("bob", Optional.empty());
    backend.expectMessageClass(ResourceBackend.Kill.class);

    var restarted = kit.restart();

    assertThat(restarted.state().latestTask().map(ScheduledTask::status)).contains(KILLING);
    backend.expectMessage(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef(taskId(1), instance, Optional.of(AGENT.agentId())))));
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
  }

  @Test
  void aRecoveredIdleInstanceSendsNothing() {
    schedule(SERVICE, "s-1");
    kill("bob", Optional.empty());
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    placement.expectMessageClass(PlacementEngine.TaskGone.class);

    kit.restart();

    placement.expectNoMessage(Duration.ofMillis(100));
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  // ---------------------------------------------------------------------------------------------
  // Timers (manual time)
  // ---------------------------------------------------------------------------------------------

  @Test
  void aTaskStuckInAssignedTimesOutAsLostAndIsRescheduled() {
    isolate();

    schedule(SERVICE, "s-1");
    var assigned = assign(taskId(1));
    placement.expectMessageClass(PlacementEngine.TaskPending.class);

    // Just short of the timeout nothing happens.
    advance(TRANSIENT_TIMEOUT.minusSeconds(1));
    backend.expectNoMessage(Duration.ofMillis(100));
    assertThat(kit.getState()).isEqualTo(assigned.state());

    advance(Duration.ofSeconds(1));

    Instant at = START.plus(TRANSIENT_TIMEOUT);
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1), true));
    expectPending(taskId(2), instance, SERVICE);
    InstanceState state = kit.getState();
    assertThat(state.latestTask())
        .contains(
            pending(taskId(2), SERVICE, 0, Optional.of(taskId(1)), at, Optional.of("Rescheduled")));
    ScheduledTask lost = state.find(taskId(1)).orElseThrow();
    assertThat(lost.status()).isEqualTo(LOST);
    assertThat(lost.latestEvent())
        .isEqualTo(new TaskEvent(at, LOST, Optional.of("Task timed out")));
    assertThat(metric(TaskInstanceEntity.TIMED_OUT_TASKS)).isEqualTo(1);
  }

  @Test
  void anAssignedTimerDoesNothingOnceTheTaskMovedOnToKilling() {
    isolate();

    schedule(SERVICE, "s-1");
    assign(taskId(1));
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    advance(Duration.ofSeconds(4));
    var killing = kill("bob", Optional.empty()).state();
    backend.expectMessageClass(ResourceBackend.Kill.class);

    // The ASSIGNED deadline passes: the task stays KILLING (KILLING has its own timeout, at 4 +
    // 10).
    advance(TRANSIENT_TIMEOUT.minusSeconds(4));
    assertThat(kit.getState().latestTask()).isEqualTo(killing.latestTask());
    assertThat(metric(TaskInstanceEntity.TIMED_OUT_TASKS)).isEqualTo(0);

    advance(Duration.ofSeconds(4));
    ScheduledTask lost = kit.getState().latestTask().orElseThrow();
    assertThat(lost.latestEvent())
        .isEqualTo(
            new TaskEvent(
                START.plusSeconds(4).plus(TRANSIENT_TIMEOUT), LOST, Optional.of("Task timed out")));
    assertThat(metric(TaskInstanceEntity.TIMED_OUT_TASKS)).isEqualTo(1);
  }

  @Test
  void aRecoveredAssignedTaskGetsAFullTimeoutFromItsRecovery() {
    schedule(SERVICE, "s-1");
    assign(taskId(1));
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    // The node is down for longer than the timeout (no timer fires), then the instance recovers:
    // the task may have started meanwhile, and reconciliation gets the time to say so.
    clock.advance(TRANSIENT_TIMEOUT.plusSeconds(30));
    Instant recovered = clock.instant();
    kit.restart();
    backend.expectMessageClass(ResourceBackend.Reconcile.class);

    advance(TRANSIENT_TIMEOUT.minusMillis(1));
    assertThat(kit.getState().latestTask().map(ScheduledTask::status)).contains(ASSIGNED);
    advance(Duration.ofMillis(1));

    ScheduledTask lost = kit.getState().find(taskId(1)).orElseThrow();
    assertThat(lost.latestEvent())
        .isEqualTo(new TaskEvent(recovered.plus(TRANSIENT_TIMEOUT), LOST, Optional.of(TIMED_OUT)));
  }

  @Test
  void aStatusAfterRecoveryTimesOutFromItsOwnEvent() {
    toRunning(SERVICE);
    kit.restart();
    backend.expectMessageClass(ResourceBackend.Reconcile.class);
    clock.advance(Duration.ofSeconds(10));
    Instant killed = clock.instant();
    kill("bob", Optional.empty());

    advance(TRANSIENT_TIMEOUT.minusMillis(1));
    assertThat(kit.getState().latestTask().map(ScheduledTask::status)).contains(KILLING);
    advance(Duration.ofMillis(1));
    assertThat(kit.getState().find(taskId(1)).orElseThrow().latestEvent())
        .isEqualTo(new TaskEvent(killed.plus(TRANSIENT_TIMEOUT), LOST, Optional.of(TIMED_OUT)));
  }

  @Test
  void aRecoveredKillingTaskKeepsItsKillRetryScheduleFromTheKillingEvent() {
    toRunning(SERVICE);
    kill("bob", Optional.empty());
    ResourceBackend.Kill killMessage =
        new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId()));
    backend.expectMessage(killMessage);

    // Down for 3 s: the resend due at 2 s was missed, the next one is due at 2 + 4 = 6 s.
    clock.advance(Duration.ofSeconds(3));
    kit.restart();
    backend.expectMessageClass(ResourceBackend.Reconcile.class);
    backend.expectMessage(killMessage);

    advance(Duration.ofSeconds(3).minusMillis(1));
    backend.expectNoMessage(Duration.ofMillis(100));
    advance(Duration.ofMillis(1));
    backend.expectMessage(killMessage);
  }

  @Test
  void theKillRetryScheduleDoublesUpToTheCapFromTheKillingEvent() {
    Duration initial = Duration.ofSeconds(15);
    Duration cap = Duration.ofMinutes(5);
    // Resends at 15, 45, 105, 225, 465 (interval capped at 300 from then on: 765, ...).
    assertThat(TaskInstanceEntity.KillRetry.after(Duration.ZERO, initial, cap))
        .isEqualTo(new TaskInstanceEntity.KillRetry(Duration.ofSeconds(15), 15_000));
    assertThat(TaskInstanceEntity.KillRetry.after(Duration.ofSeconds(15), initial, cap))
        .isEqualTo(new TaskInstanceEntity.KillRetry(Duration.ofSeconds(30), 30_000));
    assertThat(TaskInstanceEntity.KillRetry.after(Duration.ofSeconds(100), initial, cap))
        .isEqualTo(new TaskInstanceEntity.KillRetry(Duration.ofSeconds(5), 60_000));
    assertThat(TaskInstanceEntity.KillRetry.after(Duration.ofSeconds(500), initial, cap))
        .isEqualTo(new TaskInstanceEntity.KillRetry(Duration.ofSeconds(265), 300_000));
  }

  @Test
  void aStartingTaskHasNoTransientTimeout() {
    schedule(SERVICE, "s-1");
    assign(taskId(1));
    var starting = status(taskId(1), STARTING, "");

    advance(TRANSIENT_TIMEOUT.multipliedBy(3));

    backend.expectNoMessage(Duration.ofMillis(100));
    assertThat(kit.getState()).isEqualTo(starting.state());
  }

  @Test
  void aKillIsRetriedWithBackoffWhileTheTaskStaysKilling() {
    isolate();

    toRunning(SERVICE);
    kill("bob", Optional.empty());
    ResourceBackend.Kill killMessage =
        new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId()));
    backend.expectMessage(killMessage);

    advance(FIRST_KILL_RETRY);
    backend.expectMessage(killMessage);
    kit.getState(); // barrier: the next retry is armed

    // The interval doubles: nothing after another 2 s, a retry after 4 s.
    advance(FIRST_KILL_RETRY);
    backend.expectNoMessage(Duration.ofMillis(100));
    advance(FIRST_KILL_RETRY);
    backend.expectMessage(killMessage);
    kit.getState();
    assertThat(metric(TaskInstanceEntity.TASK_KILL_RETRIES)).isEqualTo(2);

    // Once the task is down, the retries stop.
    status(taskId(1), KILLED, "");
    advance(FIRST_KILL_RETRY.multipliedBy(4).minusSeconds(1));
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aKillingTaskThatNeverGoesDownTimesOutAsLostWithoutReschedule() {
    toRunning(SERVICE);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    kill("bob", Optional.empty());
    backend.expectMessageClass(ResourceBackend.Kill.class);

    // Step through the retries (2 s, then 4 s) up to the transient timeout at 10 s.
    advance(FIRST_KILL_RETRY);
    backend.expectMessageClass(ResourceBackend.Kill.class);
    kit.getState();
    advance(FIRST_KILL_RETRY.multipliedBy(2));
    backend.expectMessageClass(ResourceBackend.Kill.class);
    kit.getState();
    advance(TRANSIENT_TIMEOUT.minus(FIRST_KILL_RETRY.multipliedBy(3)));

    InstanceState state = kit.getState();
    assertThat(state).isInstanceOf(InstanceState.Idle.class);
    ScheduledTask lost = state.latestTask().orElseThrow();
    assertThat(lost.status()).isEqualTo(LOST);
    assertThat(lost.latestEvent())
        .isEqualTo(
            new TaskEvent(START.plus(TRANSIENT_TIMEOUT), LOST, Optional.of("Task timed out")));
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1), true));
    placement.expectNoMessage(Duration.ofMillis(100));
    advance(TRANSIENT_TIMEOUT);
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aPartitionedTaskWithoutAPolicyDelayIsLostAndRescheduledAtOnce() {
    toRunning(SERVICE);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    status(taskId(1), ScheduleStatus.PARTITIONED, "Agent unreachable.");

    advance(Duration.ZERO);

    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1), true));
    expectPending(taskId(2), instance, SERVICE);
    ScheduledTask lost = kit.getState().find(taskId(1)).orElseThrow();
    assertThat(lost.status()).isEqualTo(LOST);
    assertThat(lost.latestEvent().message()).contains("Task partitioned for too long.");
  }

  @Test
  void aPartitionedTaskRecoveredPartWayThroughItsPolicyDelayIsLostWhenTheDelayEnds() {
    TaskConfig config = withPartitionPolicy(SERVICE, new PartitionPolicy(true, 10));
    toRunning(config);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    status(taskId(1), ScheduleStatus.PARTITIONED, "Agent unreachable.");
    // Failover 5 s after the PARTITIONED event.
    clock.advance(Duration.ofSeconds(5));
    kit.restart();
    backend.expectMessageClass(ResourceBackend.Reconcile.class);

    advance(Duration.ofSeconds(5).minusMillis(1));
    assertThat(kit.getState().latestTask().map(ScheduledTask::status))
        .contains(ScheduleStatus.PARTITIONED);
    advance(Duration.ofMillis(1));

    ScheduledTask lost = kit.getState().find(taskId(1)).orElseThrow();
    assertThat(lost.latestEvent())
        .isEqualTo(
            new TaskEvent(START.plusSeconds(10), LOST, Optional.of(PARTITIONED_TOO_LONG_TEXT)));
    // Recovered with its task on an agent, the instance told placement where it runs.
    placement.expectMessageClass(PlacementEngine.TaskPlaced.class);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1), true));
    expectPending(taskId(2), instance, config);
  }

  @Test
  void aPartitionedTaskWhosePolicySaysNotToRescheduleStaysPartitioned() {
    TaskConfig config = withPartitionPolicy(SERVICE, new PartitionPolicy(false, 0));
    toRunning(config);
    var partitioned = status(taskId(1), ScheduleStatus.PARTITIONED, "Agent unreachable.");

    advance(Duration.ofDays(1));

    assertThat(kit.getState()).isEqualTo(partitioned.state());
  }

  @Test
  void aThrottledTaskGoesPendingExactlyAfterThePenaltyItsMessageStates() {
    ScheduledTask throttled = flapTwice();
    long penalty = throttled.penaltyMs();
    assertThat(penalty).isBetween(30_000L, 60_000L);
    assertThat(throttled.latestEvent().message())
        .contains("Rescheduled, penalized for " + penalty + " ms for flapping");
    Instant release = throttled.latestEvent().timestamp().plusMillis(penalty);

    advance(Duration.ofMillis(penalty - 1));
    assertThat(kit.getState().latestTask()).contains(throttled);
    advance(Duration.ofMillis(1));

    ScheduledTask pending = kit.getState().latestTask().orElseThrow();
    assertThat(pending.status()).isEqualTo(PENDING);
    assertThat(pending.latestEvent().timestamp()).isEqualTo(release);
    expectPending(taskId(3), instance, SERVICE);
  }

  @Test
  void aRecoveredThrottledTaskKeepsItsPenaltyAndReleaseTime() {
    ScheduledTask throttled = flapTwice();
    long penalty = throttled.penaltyMs();
    // Down for half the penalty; the recovered instance must not draw another one.
    clock.advance(Duration.ofMillis(penalty / 2));
    var restarted = kit.restart();
    assertThat(restarted.state().latestTask()).contains(throttled);

    advance(Duration.ofMillis(penalty - penalty / 2 - 1));
    assertThat(kit.getState().latestTask()).contains(throttled);
    advance(Duration.ofMillis(1));

    ScheduledTask pending = kit.getState().latestTask().orElseThrow();
    assertThat(pending.status()).isEqualTo(PENDING);
    assertThat(pending.latestEvent().timestamp())
        .isEqualTo(throttled.latestEvent().timestamp().plusMillis(penalty));
  }

  @Test
  void aThrottledTaskJournaledWithoutItsPenaltyWaitsTheNumberInItsMessage() {
    // As an older node journaled it: no penalty field (read as 0), the number only in the text.
    ScheduledTask legacy =
        ScheduledTask.created(
            taskId(7),
            instance,
            SERVICE,
            2,
            Optional.empty(),
            THROTTLED,
            START,
            Optional.of("Rescheduled, penalized for 42000 ms for flapping"));
    kit.initialize(new InstanceState.Active(legacy, List.of(), "s-1"));

    advance(Duration.ofMillis(42_000 - 1));
    assertThat(kit.getState().latestTask()).contains(legacy);
    advance(Duration.ofMillis(1));

    assertThat(kit.getState().latestTask().map(ScheduledTask::status)).contains(PENDING);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------------

  private static final String PARTITIONED_TOO_LONG_TEXT = "Task partitioned for too long.";
  private static final String TIMED_OUT = "Task timed out";

  private long metric(String name) {
    return Metrics.of(system.system()).value(name);
  }

  /**
   * Runs task 1 and task 2 into quick failures (1 s after RUNNING each): the first quick failure of
   * a lineage is not penalised, the second is. Returns task 3, THROTTLED.
   */
  private ScheduledTask flapTwice() {
    toRunning(SERVICE);
    clock.advance(Duration.ofSeconds(1));
    status(taskId(1), FAILED, "Exited with status 1");
    assign(taskId(2));
    status(taskId(2), RUNNING, "");
    clock.advance(Duration.ofSeconds(1));
    ScheduledTask throttled =
        status(taskId(2), FAILED, "Exited with status 1").state().latestTask().orElseThrow();
    assertThat(throttled.taskId()).isEqualTo(taskId(3));
    assertThat(throttled.status()).isEqualTo(THROTTLED);
    expectPending(taskId(1), instance, SERVICE);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1)));
    expectPending(taskId(2), instance, SERVICE);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(2)));
    return throttled;
  }

  @Test
  void lostAndFailedTransitionsCountPerJobAndALostDedicatedTaskPerRole() {
    Metrics metrics = Metrics.of(system.system());
    String failed = "tasks_FAILED_www-data/prod/hello";
    String lost = "tasks_LOST_www-data/prod/hello";
    String dedicated = "tasks_lost_dedicated_www-data";
    long failedBefore = metrics.value(failed);
    long lostBefore = metrics.value(lost);
    long dedicatedBefore = metrics.value(dedicated);

    toRunning(BATCH);
    status(taskId(1), FAILED, "Exited with status 1");

    assertThat(metrics.value(failed)).isEqualTo(failedBefore + 1);
    assertThat(metrics.value(lost)).isEqualTo(lostBefore);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1), false));

    start(system);
    toRunning(inDedicatedPool(BATCH));
    status(taskId(1), LOST, "Agent lost");

    assertThat(metrics.value(lost)).isEqualTo(lostBefore + 1);
    assertThat(metrics.value(dedicated)).isEqualTo(dedicatedBefore + 1);
    assertThat(metrics.value(failed)).isEqualTo(failedBefore + 1);
    // Placement counts it by its agent's rack.
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1), true));
  }

  private static TaskConfig inDedicatedPool(TaskConfig c) {
    return c.withConstraints(
        Map.of(
            "dedicated",
            new io.borealis.model.Constraint.Value("dedicated", false, List.of("www-data/hello"))));
  }

  private static TaskConfig withPartitionPolicy(TaskConfig c, PartitionPolicy policy) {
    return new TaskConfig(
        c.job(),
        c.taskName(),
        c.service(),
        c.tier(),
        c.production(),
        c.priority(),
        c.maxTaskFailures(),
        c.resources(),
        c.processes(),
        c.processOrder(),
        c.constraints(),
        c.healthCheck(),
        policy,
        c.slaPolicy(),
        c.container(),
        c.contact(),
        c.metadata());
  }

  private String taskId(long n) {
    return TaskIds.of(instance, new UUID(0, n));
  }

  // ---------------------------------------------------------------------------------------------
  // Restore (a committed recovery from a backup)
  // ---------------------------------------------------------------------------------------------

  /** The backup's copy of a task: RUNNING on the agent, with another id than the live one. */
  private ScheduledTask restoredRunning(String taskId) {
    return pending(taskId, SERVICE, 0, Optional.empty(), START, Optional.empty())
        .assigned(AGENT, START)
        .withStatus(RUNNING, START, Optional.empty(), 0);
  }

  private CommandResultWithReply<Command, InstanceEvent, InstanceState, Done> restore(
      List<ScheduledTask> tasks) {
    return kit.runCommand(replyTo -> new TaskInstanceEntity.Restore(tasks, replyTo));
  }

  @Test
  void aRestoreReplacesTheTasksKillsTheLiveOneItLacksAndReconcilesTheRestoredOne() {
    toRunning(SERVICE);
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    fed.clear();
    ScheduledTask backup = restoredRunning("from-backup");

    var result = restore(List.of(backup));

    assertThat(result.reply()).isEqualTo(Done.done());
    assertThat(result.events())
        .containsExactly(new InstanceEvent.InstanceRestored(instance, List.of(backup), START));
    assertThat(result.state())
        .isEqualTo(new InstanceState.Active(backup, List.of(), InstanceState.RESTORED_SCHEDULE));
    assertThat(fed).hasSize(1);
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(1)));
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
    backend.expectMessage(
        new ResourceBackend.Reconcile(
            List.of(new TaskRef("from-backup", instance, Optional.of(AGENT.agentId())))));
  }

  @Test
  void aRestoreWithoutTasksErasesTheInstance() {
    toRunning(SERVICE);

    var result = restore(List.of());

    assertThat(result.state()).isEqualTo(new InstanceState.Empty());
    backend.expectMessage(new ResourceBackend.Kill(taskId(1), Optional.of(AGENT.agentId())));
    // Erased, it schedules anew when its job is created again.
    assertThat(schedule(SERVICE, "s-2").reply().getValue())
        .isEqualTo(new Scheduled(taskId(2), false));
  }

  @Test
  void aRestoredPendingTaskGoesBackToPlacementAndTheLiveTaskKeptIsNotKilled() {
    schedule(SERVICE, "s-1");
    expectPending(taskId(1), instance, SERVICE);
    ScheduledTask same = kit.getState().latestTask().orElseThrow();

    var result = restore(List.of(same));

    assertThat(result.state())
        .isEqualTo(new InstanceState.Active(same, List.of(), InstanceState.RESTORED_SCHEDULE));
    expectPending(taskId(1), instance, SERVICE);
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  private String persistenceId() {
    return PersistenceId.of(TaskInstanceEntity.ENTITY_KEY.name(), instance.toString()).id();
  }

  private ScheduledTask pending(
      String taskId,
      TaskConfig config,
      int failureCount,
      Optional<String> ancestor,
      Instant at,
      Optional<String> message) {
    return ScheduledTask.created(
        taskId, instance, config, failureCount, ancestor, PENDING, at, message);
  }

  /** Moves manual time and the entity's clock together. */
  private void advance(Duration d) {
    clock.advance(d);
    time.timePasses(d);
  }

  private CommandResultWithReply<Command, InstanceEvent, InstanceState, StatusReply<Scheduled>>
      schedule(TaskConfig config, String scheduleId) {
    return kit.runCommand(replyTo -> new Schedule(config, scheduleId, replyTo));
  }

  private CommandResultWithReply<Command, InstanceEvent, InstanceState, StatusReply<Done>> assign(
      String taskId) {
    return kit.runCommand(replyTo -> new Assign(taskId, AGENT, replyTo));
  }

  private CommandResultWithReply<Command, InstanceEvent, InstanceState, Done> status(
      String taskId, ScheduleStatus status, String message) {
    Optional<String> text = message.isEmpty() ? Optional.empty() : Optional.of(message);
    return kit.runCommand(
        replyTo -> new ApplyStatus(taskId, status, text, Optional.of(AGENT.agentId()), replyTo));
  }

  private CommandResultWithReply<Command, InstanceEvent, InstanceState, KillResult> kill(
      String user, Optional<String> message) {
    return kit.runCommand(replyTo -> new Kill(user, message, replyTo));
  }

  private CommandResultWithReply<Command, InstanceEvent, InstanceState, InstanceSummary>
      describe() {
    return kit.runCommand(Describe::new);
  }

  @Test
  void assigneesConfirmOnlyWhatTheInstanceStored() throws Exception {
    // The adapter placement is given: an ask of Assign that succeeds once ASSIGNED is persisted.
    instance = JOB.instance(nextInstanceId.getAndIncrement());
    ActorRef<Command> entity =
        testKit.spawn(TaskInstanceEntity.create(instance, deps, Optional.empty()));
    TestProbe<StatusReply<Scheduled>> scheduled = testKit.createTestProbe();
    entity.tell(new Schedule(SERVICE, "s-1", scheduled.ref()));
    scheduled.expectMessage(StatusReply.success(new Scheduled(taskId(1), false)));
    var assignees = TaskInstanceEntity.assignees(key -> entity, testKit.scheduler());
    Duration timeout = Duration.ofSeconds(3);

    assertThat(
            assignees
                .assign(instance, taskId(1), AGENT, timeout)
                .toCompletableFuture()
                .get(3, java.util.concurrent.TimeUnit.SECONDS))
        .isEqualTo(Done.getInstance());
    // The task is ASSIGNED now: a second placement of it is refused.
    assertThat(assignees.assign(instance, taskId(1), AGENT, timeout).toCompletableFuture())
        .failsWithin(Duration.ofSeconds(3))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("is not PENDING");
  }

  /**
   * An entity spawned outside the behaviour testkit (whose commands wait for a state a failing
   * entity cannot give until it has restarted), on an instance of its own, with its first task
   * ASSIGNED.
   */
  private ActorRef<Command> spawnWithAssignedTask() {
    instance = JOB.instance(nextInstanceId.getAndIncrement());
    ActorRef<Command> entity =
        testKit.spawn(TaskInstanceEntity.create(instance, deps, Optional.empty()));
    TestProbe<StatusReply<Scheduled>> scheduled = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> assigned = testKit.createTestProbe();
    entity.tell(new Schedule(SERVICE, "s-1", scheduled.ref()));
    scheduled.expectMessage(StatusReply.success(new Scheduled(taskId(1), false)));
    entity.tell(new Assign(taskId(1), AGENT, assigned.ref()));
    assigned.expectMessage(StatusReply.ack());
    placement.expectMessageClass(PlacementEngine.TaskPending.class);
    return entity;
  }

  /** Schedules, assigns and starts the first task (id 1) of {@code config}. */
  private void toRunning(TaskConfig config) {
    schedule(config, "s-1");
    assign(taskId(1));
    status(taskId(1), RUNNING, "");
  }

  private static void assertRefused(
      CommandResultWithReply<Command, InstanceEvent, InstanceState, StatusReply<Done>> result,
      String message) {
    assertThat(result.reply().isError()).isTrue();
    assertThat(result.reply().getError())
        .isInstanceOf(Rejection.Conflict.class)
        .hasMessage(message);
    assertThat(result.hasNoEvents()).isTrue();
  }

  /**
   * The instance registered {@code taskId} with placement, saying when it became PENDING (the time
   * itself depends on the test's clock steps).
   */
  private void expectPending(String taskId, InstanceKey instance, TaskConfig config) {
    PlacementEngine.TaskPending pending =
        placement.expectMessageClass(PlacementEngine.TaskPending.class);
    assertThat(pending)
        .isEqualTo(new PlacementEngine.TaskPending(taskId, instance, config, pending.since()));
    assertThat(pending.since()).isPresent();
  }
}
