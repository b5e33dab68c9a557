package io.borealis.update;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.EventFeed;
import io.borealis.common.Metrics;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.common.Tags;
import io.borealis.job.JobEntity;
import io.borealis.job.JobEvent;
import io.borealis.model.Assignment;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.LocalInstanceChanges;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import io.borealis.task.TaskSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The update entity against a real job entity and real instance entities (persistence testkit),
 * with placement and the agents played by the test, a hand-moved clock and manual timers: an update
 * kills, re-adds and watches instance after instance, records its instance events, holds the job
 * while it runs and gives it back at its end.
 */
class JobUpdateEntityTest {

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

  private static final Duration ASK = Duration.ofSeconds(5);
  private static final Assignment AGENT =
      new Assignment("agent-1", "host-1.example.com", Map.of("http", 31000));
  private static final AtomicInteger nextJob = new AtomicInteger();

  /** A clock the test moves by hand, alongside {@link ManualTime}. */
  private static final class TestClock extends Clock {
    final AtomicReference<Instant> now =
        new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

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

  private final TestClock clock = new TestClock();
  private final List<UpdateEvent> fed = new CopyOnWriteArrayList<>();
  private final List<JobEvent.UpdateUnlocked> unlocks = new CopyOnWriteArrayList<>();
  private final Map<Integer, ActorRef<TaskInstanceEntity.Command>> instances =
      new ConcurrentHashMap<>();
  private final Map<UpdateKey, ActorRef<JobUpdateEntity.Command>> updates =
      new ConcurrentHashMap<>();
  private JobKey key;
  private TaskConfig oldTask;
  private TaskConfig newTask;
  private ActorRef<JobEntity.Command> job;
  private JobUpdateEntity.Deps updateDeps;

  @BeforeEach
  void setUp() {
    key = new JobKey("www-data", "prod", "upd" + nextJob.getAndIncrement());
    oldTask = TaskConfig.simple(key, true, Resources.of(1, 128, 128, "http"));
    newTask = TaskConfig.simple(key, true, Resources.of(2, 128, 128, "http"));
    TestProbe<PlacementEngine.Command> placement = testKit.createTestProbe();
    TestProbe<ResourceBackend.Command> backend = testKit.createTestProbe();
    LocalInstanceChanges changes = new LocalInstanceChanges();
    for (int i = 0; i < 6; i++) {
      AtomicLong uuids = new AtomicLong(1);
      TaskInstanceEntity.Deps deps =
          new TaskInstanceEntity.Deps(
              clock,
              () -> new UUID(0, uuids.getAndIncrement()),
              new Random(i),
              TaskSettings.DEFAULT,
              placement.ref(),
              backend.ref(),
              EventFeed.NONE,
              Tags.SINGLE,
              changes);
      instances.put(
          i, testKit.spawn(TaskInstanceEntity.create(key.instance(i), deps, Optional.empty())));
    }
    job =
        testKit.spawn(
            JobEntity.create(
                key,
                new JobEntity.Deps(
                    clock,
                    k -> instances.get(k.instanceId()),
                    ASK,
                    100,
                    SnapshotPolicy.every(100),
                    Duration.ofMinutes(2),
                    (pid, seqNr, events) ->
                        events.forEach(
                            e -> {
                              if (e instanceof JobEvent.UpdateUnlocked u) {
                                unlocks.add(u);
                              }
                            }),
                    Tags.SINGLE,
                    (j, id) ->
                        org.apache.pekko.actor.typed.javadsl.AskPattern.ask(
                            update(new UpdateKey(j, id)),
                            JobUpdateEntity.IsActive::new,
                            ASK,
                            testKit.system().scheduler())),
                Optional.empty()));
    updateDeps =
        new JobUpdateEntity.Deps(
            clock,
            new UpdateEngine(UpdateEngine.Settings.DEFAULT),
            k -> instances.get(k.instanceId()),
            k -> job,
            this::update,
            changes,
            (policy, instance, taskId, config) ->
                java.util.concurrent.CompletableFuture.completedFuture(true),
            ASK,
            SnapshotPolicy.every(100),
            Duration.ofMinutes(2),
            (pid, seqNr, events) -> events.forEach(e -> fed.add((UpdateEvent) e)),
            Tags.SINGLE);
  }

  private ActorRef<JobUpdateEntity.Command> update(UpdateKey k) {
    return updates.computeIfAbsent(
        k,
        x ->
            testKit.spawn(
                org.apache.pekko.actor.typed.javadsl.Behaviors.withMdc(
                    JobUpdateEntity.Command.class,
                    JobUpdateEntity.updateMdc(x),
                    JobUpdateEntity.create(x, updateDeps, Optional.empty()))));
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void rollsForwardOneInstanceAtATimeAndGivesTheJobBack() {
    createRunning(3);
    UpdateKey id = new UpdateKey(key, "u1");

    JobUpdateEntity.Started started = start(id, proposed(3, settings(1, 1)));
    assertThat(started.status()).contains(UpdateStatus.ROLLING_FORWARD);

    // While the update runs, the job refuses a kill and names the update.
    StatusReply<JobEntity.Killed> refused = killAll();
    assertThat(refused.isError()).isTrue();
    assertThat(refused.getError()).isInstanceOf(Rejection.UpdateActive.class);
    assertThat(((Rejection.UpdateActive) refused.getError()).updateId()).isEqualTo("u1");

    for (int i = 0; i < 3; i++) {
      replace(i, "u1");
      // Not done before the watch time has passed.
      assertThat(status(id)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
      watch(Duration.ofSeconds(1));
    }
    awaitStatus(id, UpdateStatus.ROLLED_FORWARD);
    assertThat(instanceEvents())
        .containsExactly(
            "0 INSTANCE_UPDATING",
            "0 INSTANCE_UPDATED",
            "1 INSTANCE_UPDATING",
            "1 INSTANCE_UPDATED",
            "2 INSTANCE_UPDATING",
            "2 INSTANCE_UPDATED");
    for (int i = 0; i < 3; i++) {
      assertThat(latest(i).config()).isEqualTo(newTask);
      assertThat(latest(i).status()).isEqualTo(ScheduleStatus.RUNNING);
    }
    // The job is free again, and runs the new task from now on.
    awaitCond(
        java.time.Duration.ofSeconds(5),
        java.time.Duration.ofMillis(50),
        "the job accepts a kill again",
        () -> killAll().isSuccess());
    assertThat(unlocks)
        .extracting(JobEvent.UpdateUnlocked::task)
        .containsExactly(Optional.of(newTask));
  }

  @Test
  void anUpdateOfSomeInstancesLeavesTheJobItsTask() {
    // Found through the API: after a canary of instance 0 rolled forward, the job's configuration
    // named the canary's task though instance 1 still ran the old one.
    createRunning(2);
    UpdateKey id = new UpdateKey(key, "canary");
    start(id, proposed(2, settings(1, 1)), Set.of(0));
    replace(0, "canary");
    watch(Duration.ofSeconds(1));
    awaitStatus(id, UpdateStatus.ROLLED_FORWARD);
    awaitCond(
        java.time.Duration.ofSeconds(5),
        java.time.Duration.ofMillis(50),
        "the job is given back",
        () -> !unlocks.isEmpty());
    assertThat(unlocks).extracting(JobEvent.UpdateUnlocked::task).containsExactly(Optional.empty());
    assertThat(latest(1).config()).isEqualTo(oldTask);
  }

  @Test
  void failingNewTasksRollBackInReverseOrder() {
    createRunning(3);
    UpdateKey id = new UpdateKey(key, "u2");
    Map<String, Long> before = Metrics.of(testKit.system()).snapshot();
    start(id, proposed(3, settings(1, 1)));

    // Instance 0 updates fine; instance 1's new task fails: the update rolls back 1, then 0.
    replace(0, "u2");
    watch(Duration.ofSeconds(1));
    killedFor(1, "u2");
    ScheduledTask fresh = awaitNewTask(1, newTask);
    runs(1, fresh.taskId());
    status(instances.get(1), fresh.taskId(), ScheduleStatus.FAILED);

    // Rolling back: instance 1 gets its old configuration back, then instance 0.
    awaitStatus(id, UpdateStatus.ROLLING_BACK);
    ScheduledTask back1 = awaitNewTask(1, oldTask);
    runs(1, back1.taskId());
    watch(Duration.ofSeconds(1));
    killedFor(0, "u2");
    ScheduledTask back0 = awaitNewTask(0, oldTask);
    runs(0, back0.taskId());
    watch(Duration.ofSeconds(1));
    awaitStatus(id, UpdateStatus.ROLLED_BACK);
    assertThat(instanceEvents())
        .containsExactly(
            "0 INSTANCE_UPDATING",
            "0 INSTANCE_UPDATED",
            "1 INSTANCE_UPDATING",
            "1 INSTANCE_UPDATE_FAILED",
            "1 INSTANCE_ROLLING_BACK",
            "1 INSTANCE_ROLLED_BACK",
            "0 INSTANCE_ROLLING_BACK",
            "0 INSTANCE_ROLLED_BACK");
    // Aurora's counters of recorded transitions (§4.3) moved by exactly what was recorded.
    Map<String, Long> after = Metrics.of(testKit.system()).snapshot();
    Map<String, Long> moved = new java.util.TreeMap<>();
    after.forEach(
        (name, value) -> {
          long delta = value - before.getOrDefault(name, 0L);
          if (name.startsWith("update_") && delta != 0) {
            moved.put(name, delta);
          }
        });
    assertThat(moved)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "update_transition_ROLLING_FORWARD", 1L,
                "update_transition_ROLLING_BACK", 1L,
                "update_transition_ROLLED_BACK", 1L,
                "update_instance_transition_INSTANCE_UPDATING", 2L,
                "update_instance_transition_INSTANCE_UPDATED", 1L,
                "update_instance_transition_INSTANCE_UPDATE_FAILED", 1L,
                "update_instance_transition_INSTANCE_ROLLING_BACK", 2L,
                "update_instance_transition_INSTANCE_ROLLED_BACK", 2L));
  }

  @Test
  void everyUpdateCounterIsRegisteredAtZero() {
    Metrics metrics = Metrics.standalone();
    JobUpdateEntity.registerMetrics(metrics);
    assertThat(metrics.snapshot().keySet())
        .hasSize(UpdateStatus.values().length + InstanceAction.values().length)
        .contains(
            "update_transition_ROLL_BACK_AWAITING_PULSE",
            "update_transition_ERROR",
            "update_instance_transition_INSTANCE_ROLLBACK_FAILED");
    assertThat(metrics.snapshot().values()).containsOnly(0L);
  }

  @Test
  void anUnchangedJobCreatesNoUpdateAndARepeatedStartIsTheSameUpdate() {
    createRunning(2);
    JobUpdateEntity.Started same =
        start(new UpdateKey(key, "noop"), proposedWith(oldTask, 2, settings(1, 1)));
    assertThat(same.created()).isFalse();
    assertThat(same.message()).isEqualTo("Job is unchanged by proposed update.");
    // The job was not left held.
    assertThat(killAllOf(List.of()).isSuccess()).isTrue();

    UpdateKey id = new UpdateKey(key, "again");
    JobUpdateEntity.Started first = start(id, proposed(2, settings(1, 1)));
    JobUpdateEntity.Started second = start(id, proposed(2, settings(1, 1)));
    assertThat(second.status()).isEqualTo(first.status());
    StatusReply<JobUpdateEntity.Started> other = startReply(id, proposed(2, settings(2, 1)));
    assertThat(other.getError()).isInstanceOf(Rejection.Conflict.class);

    // A second update of the same job waits its turn.
    StatusReply<JobUpdateEntity.Started> second2 =
        startReply(new UpdateKey(key, "other"), proposed(2, settings(1, 1)));
    assertThat(second2.getError()).isInstanceOf(Rejection.UpdateActive.class);
  }

  @Test
  void aFinishedUpdateRollsBackEvenWhenAnInstanceItAddedWasKilledSince() {
    // Found trying the CLI: rolling back an update that had added instances, one of which was
    // killed afterwards, was refused ("these are not: 2") instead of rolling back the rest.
    createRunning(2);
    UpdateKey id = new UpdateKey(key, "grow");
    start(id, proposed(3, settings(1, 1)));
    // Instances are added first: instance 2 gets a task, then the update is aborted.
    awaitNewTask(2, newTask);
    assertThat(act(id, OperatorAction.ABORT).status()).isEqualTo(UpdateStatus.ABORTED);
    awaitCond(
        java.time.Duration.ofSeconds(5),
        java.time.Duration.ofMillis(50),
        "the job lets instance 2 be killed",
        () -> killAllOf(List.of(2)).isSuccess());

    JobUpdateEntity.Acted rolledBack = act(id, OperatorAction.ROLLBACK);

    assertThat(rolledBack).as("the rollback is refused").isNotNull();
    assertThat(rolledBack.status()).isEqualTo(UpdateStatus.ABORTED);
    // Instances 0 and 1 never left the old configuration: nothing to roll back there either.
    assertThat(latest(0).config()).isEqualTo(oldTask);
    assertThat(latest(1).config()).isEqualTo(oldTask);
  }

  @Test
  void everyStatusChangeIsLoggedWithTheUpdateAndItsJob() {
    createRunning(1);
    UpdateKey id = new UpdateKey(key, "logged");
    Map<String, String> mdc = Map.of("update_id", "logged", "job", key.toString());

    org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit.info(
            "Update logged of " + key + " started by bob: ROLLING_FORWARD")
        .withMdc(mdc)
        .expect(testKit.system(), () -> start(id, proposed(1, settings(1, 1))));
    org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit.info(
            "Update logged of " + key + ": ROLLING_FORWARD -> ROLL_FORWARD_PAUSED by bob")
        .withMdc(mdc)
        .expect(testKit.system(), () -> act(id, OperatorAction.PAUSE));
  }

  @Test
  void pausedUpdatesHoldAndResumeContinues() {
    createRunning(2);
    UpdateKey id = new UpdateKey(key, "p");
    start(id, proposed(2, settings(1, 1)));
    replace(0, "p");
    assertThat(act(id, OperatorAction.PAUSE).status()).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    watch(Duration.ofSeconds(5));
    assertThat(latest(1).config()).isEqualTo(oldTask);
    assertThat(latest(1).status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(act(id, OperatorAction.RESUME).status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    // Instance 0 ran long enough meanwhile; instance 1 is next.
    replace(1, "p");
    watch(Duration.ofSeconds(1));
    awaitStatus(id, UpdateStatus.ROLLED_FORWARD);
    assertThat(act(id, OperatorAction.PAUSE)).isNull();
  }

  // ---------------------------------------------------------------------------------------------
  // Driving the instances as placement and an agent would

  private void createRunning(int n) {
    TestProbe<StatusReply<JobEntity.Created>> created = testKit.createTestProbe();
    job.tell(new JobEntity.Create(proposedWith(oldTask, n, settings(1, 1)), "bob", created.ref()));
    assertThat(created.receiveMessage(ASK).isSuccess()).isTrue();
    for (int i = 0; i < n; i++) {
      runs(i, latest(i).taskId());
    }
  }

  private void runs(int instance, String taskId) {
    TestProbe<StatusReply<Done>> assigned = testKit.createTestProbe();
    instances.get(instance).tell(new TaskInstanceEntity.Assign(taskId, AGENT, assigned.ref()));
    assertThat(assigned.receiveMessage(ASK).isSuccess()).isTrue();
    status(instances.get(instance), taskId, ScheduleStatus.RUNNING);
  }

  private void status(ActorRef<TaskInstanceEntity.Command> ref, String taskId, ScheduleStatus s) {
    TestProbe<Done> ack = testKit.createTestProbe();
    ref.tell(
        new TaskInstanceEntity.ApplyStatus(
            taskId, s, Optional.empty(), Optional.empty(), ack.ref()));
    ack.receiveMessage(ASK);
  }

  /** The update kills the instance's task for itself; the agent confirms; a new task runs. */
  private void replace(int instance, String updateId) {
    killedFor(instance, updateId);
    runs(instance, awaitNewTask(instance, newTask).taskId());
  }

  private void killedFor(int instance, String updateId) {
    ScheduledTask killing =
        await(
            instance,
            t -> t.status() == ScheduleStatus.KILLING,
            "instance " + instance + " KILLING");
    TaskEvent last = killing.events().get(killing.events().size() - 1);
    assertThat(last.message()).contains("Killed for job update " + updateId);
    status(instances.get(instance), killing.taskId(), ScheduleStatus.KILLED);
  }

  private ScheduledTask awaitNewTask(int instance, TaskConfig config) {
    return await(
        instance,
        t -> t.status() == ScheduleStatus.PENDING && t.config().equals(config),
        "instance " + instance + " PENDING with the expected configuration");
  }

  private ScheduledTask await(
      int instance, java.util.function.Predicate<ScheduledTask> test, String what) {
    AtomicReference<ScheduledTask> found = new AtomicReference<>();
    awaitCond(
        Duration.ofSeconds(5),
        Duration.ofMillis(20),
        what,
        () -> {
          // An instance may have no task for a moment (a PENDING task killed is deleted).
          Optional<ScheduledTask> t = latestIfAny(instance);
          if (t.isPresent() && test.test(t.get())) {
            found.set(t.get());
            return true;
          }
          return false;
        });
    return found.get();
  }

  private void watch(Duration d) {
    clock.now.updateAndGet(t -> t.plus(d));
    manualTime.timePasses(d);
  }

  private ScheduledTask latest(int instance) {
    return latestIfAny(instance).orElseThrow();
  }

  private Optional<ScheduledTask> latestIfAny(int instance) {
    TestProbe<InstanceSummary> probe = testKit.createTestProbe();
    instances.get(instance).tell(new TaskInstanceEntity.Describe(probe.ref()));
    return probe.receiveMessage(ASK).latest();
  }

  // ---------------------------------------------------------------------------------------------
  // The update and the job

  private JobUpdateEntity.Started start(UpdateKey id, JobConfiguration proposed) {
    return start(id, proposed, Set.of());
  }

  private JobUpdateEntity.Started start(
      UpdateKey id, JobConfiguration proposed, Set<Integer> scope) {
    StatusReply<JobUpdateEntity.Started> reply = startReply(id, proposed, scope);
    assertThat(reply.isSuccess()).as("start: %s", reply).isTrue();
    return reply.getValue();
  }

  private StatusReply<JobUpdateEntity.Started> startReply(UpdateKey id, JobConfiguration proposed) {
    return startReply(id, proposed, Set.of());
  }

  private StatusReply<JobUpdateEntity.Started> startReply(
      UpdateKey id, JobConfiguration proposed, Set<Integer> scope) {
    TestProbe<StatusReply<JobUpdateEntity.Started>> probe = testKit.createTestProbe();
    update(id)
        .tell(
            new JobUpdateEntity.Start(
                proposed, scope, "bob", Map.of(), Optional.empty(), probe.ref()));
    return probe.receiveMessage(ASK);
  }

  /** The status, by repeating the start (which answers the existing update). */
  private UpdateStatus status(UpdateKey id) {
    return fed.stream()
        .filter(e -> e.updateId().equals(id.id()))
        .reduce(
            null,
            (s, e) ->
                e instanceof UpdateEvent.UpdateStarted st
                    ? st.status()
                    : e instanceof UpdateEvent.StatusChanged c ? c.to() : s,
            (a, b) -> b);
  }

  private void awaitStatus(UpdateKey id, UpdateStatus wanted) {
    awaitCond(
        Duration.ofSeconds(5),
        Duration.ofMillis(20),
        "update " + id + " " + wanted + " (is " + status(id) + ")",
        () -> status(id) == wanted);
  }

  /** The result of an action, or null when it was refused. */
  private JobUpdateEntity.Acted act(UpdateKey id, OperatorAction action) {
    TestProbe<StatusReply<JobUpdateEntity.Acted>> probe = testKit.createTestProbe();
    update(id).tell(new JobUpdateEntity.Act(action, "bob", Optional.empty(), probe.ref()));
    StatusReply<JobUpdateEntity.Acted> reply = probe.receiveMessage(ASK);
    return reply.isSuccess() ? reply.getValue() : null;
  }

  private List<String> instanceEvents() {
    List<String> result = new ArrayList<>();
    for (UpdateEvent e : fed) {
      if (e instanceof UpdateEvent.InstanceTransitioned t) {
        result.add(t.instance() + " " + t.action());
      }
    }
    return result;
  }

  private StatusReply<JobEntity.Killed> killAll() {
    TestProbe<StatusReply<JobEntity.Killed>> probe = testKit.createTestProbe();
    job.tell(new JobEntity.Kill(Optional.empty(), "bob", Optional.empty(), probe.ref()));
    return probe.receiveMessage(ASK);
  }

  private StatusReply<JobEntity.Killed> killAllOf(List<Integer> ids) {
    TestProbe<StatusReply<JobEntity.Killed>> probe = testKit.createTestProbe();
    job.tell(new JobEntity.Kill(Optional.of(ids), "bob", Optional.empty(), probe.ref()));
    return probe.receiveMessage(ASK);
  }

  private JobConfiguration proposed(int instances, UpdateSettings settings) {
    return proposedWith(newTask, instances, settings);
  }

  private JobConfiguration proposedWith(TaskConfig task, int instances, UpdateSettings settings) {
    return new JobConfiguration(
        key, instances, task, settings, Optional.empty(), CronCollisionPolicy.KILL_EXISTING);
  }

  private static UpdateSettings settings(int batch, int watchSecs) {
    return new UpdateSettings(
        batch,
        watchSecs,
        0,
        0,
        true,
        false,
        Optional.empty(),
        false,
        Optional.empty(),
        new UpdateStrategy.Queue(batch));
  }

  /** Waits (in real time, at most {@code max}) until {@code condition} holds. */
  private static void awaitCond(
      Duration max,
      Duration interval,
      String what,
      java.util.function.Supplier<Boolean> condition) {
    testKit
        .createTestProbe()
        .awaitAssert(
            max,
            interval,
            () -> {
              assertThat(condition.get()).as(what).isTrue();
              return null;
            });
  }
}
