package io.borealis.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.EventFeed;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.job.JobEntity.AddInstances;
import io.borealis.job.JobEntity.Added;
import io.borealis.job.JobEntity.Command;
import io.borealis.job.JobEntity.Create;
import io.borealis.job.JobEntity.Created;
import io.borealis.job.JobEntity.Kill;
import io.borealis.job.JobEntity.Killed;
import io.borealis.job.JobEntity.Restart;
import io.borealis.job.JobEntity.Restarted;
import io.borealis.job.JobEvent.InstancesAdded;
import io.borealis.job.JobEvent.InstancesScheduled;
import io.borealis.job.JobEvent.JobCreated;
import io.borealis.job.JobState.Existing;
import io.borealis.job.JobState.ScheduleBatch;
import io.borealis.model.Assignment;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import io.borealis.task.TaskIds;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskInstanceEntity.InstanceSummary;
import io.borealis.task.TaskSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job entity against real task-instance entities (each with its own journal in the persistence
 * testkit): what a job's commands reply, persist and leave behind, and what the instances end up
 * with. The scheduling rounds that must survive a crash are driven with probes standing in for the
 * instances, under manual time, so an instance that does not answer can be staged exactly.
 */
class JobEntityTest {

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

  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  /** JobEntity's (fixed) delay before it asks unconfirmed instances again. */
  private static final Duration SCHEDULE_RETRY = Duration.ofSeconds(5);

  private static final int MAX_TASKS_PER_JOB = 5;
  private static final Assignment AGENT =
      new Assignment("agent-1", "host-1.example.com", Map.of("http", 31000));
  private static final String USER = "bob";

  /** Each test gets its own job, hence its own persistence ids. */
  private static final AtomicInteger nextJob = new AtomicInteger();

  /** What the job told the read side: "persistenceId#sequenceNr". */
  private final List<String> jobFed = new java.util.concurrent.CopyOnWriteArrayList<>();

  private JobKey key;
  private TaskConfig task;
  private TestProbe<PlacementEngine.Command> placement;
  private TestProbe<ResourceBackend.Command> backend;
  private final Map<InstanceKey, ActorRef<TaskInstanceEntity.Command>> instances =
      new ConcurrentHashMap<>();
  private EventSourcedBehaviorTestKit<Command, JobEvent, JobState> job;

  @BeforeEach
  void setUp() {
    key = new JobKey("www-data", "prod", "job" + nextJob.getAndIncrement());
    task = TaskConfig.simple(key, true, Resources.of(1, 128, 128, "http"));
    placement = testKit.createTestProbe();
    backend = testKit.createTestProbe();
    // First: creating a behaviour testkit empties the whole in-memory journal.
    job = jobKit(key, instances::get);
    for (int i = 0; i < MAX_TASKS_PER_JOB + 2; i++) {
      InstanceKey instance = key.instance(i);
      AtomicLong uuids = new AtomicLong(1);
      TaskInstanceEntity.Deps deps =
          new TaskInstanceEntity.Deps(
              CLOCK,
              () -> new UUID(0, uuids.getAndIncrement()),
              new Random(i),
              TaskSettings.DEFAULT,
              placement.ref(),
              backend.ref(),
              EventFeed.NONE);
      instances.put(
          instance, testKit.spawn(TaskInstanceEntity.create(instance, deps, Optional.empty())));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Create
  // ---------------------------------------------------------------------------------------------

  @Test
  void createOnANewJobSchedulesEveryInstance() {
    var result = create(config(3));

    String scheduleId = key + "#1";
    assertThat(result.reply().getValue())
        .isEqualTo(new Created(key, 3, "3 new tasks pending for job " + key));
    assertThat(result.events())
        .containsExactly(
            new JobCreated(key, config(3), List.of(0, 1, 2), scheduleId, NOW, USER),
            new InstancesScheduled(key, scheduleId, List.of(0, 1, 2)));
    assertThat(result.state())
        .isEqualTo(new Existing(config(3), List.of(0, 1, 2), 1, List.of(), NOW));
    assertThat(placement.receiveSeveralMessages(3))
        .containsExactlyInAnyOrder(pendingAt(0, 1), pendingAt(1, 1), pendingAt(2, 1));
    for (int i = 0; i < 3; i++) {
      ScheduledTask latest = describe(i).latest().orElseThrow();
      assertThat(latest.taskId()).isEqualTo(taskId(i, 1));
      assertThat(latest.status()).isEqualTo(ScheduleStatus.PENDING);
      assertThat(latest.config()).isEqualTo(task);
    }
    assertThat(describe(3).latest()).isEmpty();
    // Both events reached the read side, each with its sequence number, before the reply.
    assertThat(jobFed).containsExactly("job|" + key + "#1", "job|" + key + "#2");
  }

  @Test
  void createIsRefusedWhileAnInstanceIsActive() {
    var first = create(config(2));
    placement.receiveSeveralMessages(2);
    // Only one instance left active is enough.
    kill(Optional.of(List.of(0)), Optional.empty());
    placement.expectMessageClass(PlacementEngine.TaskGone.class);

    var again = create(config(2));

    assertThat(again.reply().isError()).isTrue();
    assertThat(again.reply().getError())
        .isInstanceOf(Rejection.Conflict.class)
        .hasMessage("Job " + key + " already exists");
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.state()).isEqualTo(first.state());
    placement.expectNoMessage(Duration.ofMillis(100));
    assertThat(describe(1).latest().map(ScheduledTask::taskId)).contains(taskId(1, 1));
  }

  @Test
  void createIsAllowedAgainOnceEveryInstanceEnded() {
    create(config(3));
    var killed = kill(Optional.empty(), Optional.empty());
    assertThat(killed.reply().getValue().instances()).containsExactly(0, 1, 2);
    placement.receiveSeveralMessages(6);

    var again = create(config(2));

    String scheduleId = key + "#2";
    assertThat(again.reply().getValue())
        .isEqualTo(new Created(key, 2, "2 new tasks pending for job " + key));
    assertThat(again.events())
        .containsExactly(
            new JobCreated(key, config(2), List.of(0, 1), scheduleId, NOW, USER),
            new InstancesScheduled(key, scheduleId, List.of(0, 1)));
    // Every instance id the job ever had is kept.
    assertThat(again.state())
        .isEqualTo(new Existing(config(2), List.of(0, 1, 2), 2, List.of(), NOW));
    assertThat(placement.receiveSeveralMessages(2))
        .containsExactlyInAnyOrder(pendingAt(0, 2), pendingAt(1, 2));
    assertThat(describe(0).latest().map(ScheduledTask::taskId)).contains(taskId(0, 2));
    assertThat(describe(2).latest()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Kill
  // ---------------------------------------------------------------------------------------------

  @Test
  void killingAllInstancesListsThemAndDeletesTheirPendingTasks() {
    var created = create(config(3));
    placement.receiveSeveralMessages(3);

    var result = kill(Optional.empty(), Optional.empty());

    assertThat(result.reply().getValue())
        .isEqualTo(new Killed(List.of(0, 1, 2), "Killed instances 0-2 (3 tasks)"));
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.state()).isEqualTo(created.state());
    assertThat(placement.receiveSeveralMessages(3))
        .containsExactlyInAnyOrder(
            new PlacementEngine.TaskGone(taskId(0, 1)),
            new PlacementEngine.TaskGone(taskId(1, 1)),
            new PlacementEngine.TaskGone(taskId(2, 1)));
    for (int i = 0; i < 3; i++) {
      assertThat(describe(i).active()).isFalse();
    }
  }

  @Test
  void killingSomeInstancesKillsOnlyThoseWithTheAuditMessage() {
    create(config(3));
    toRunning(1);

    var result = kill(Optional.of(List.of(1)), Optional.of("Decommissioned."));

    assertThat(result.reply().getValue())
        .isEqualTo(new Killed(List.of(1), "Killed instances 1 (1 task)"));
    assertThat(result.hasNoEvents()).isTrue();
    backend.expectMessage(new ResourceBackend.Kill(taskId(1, 1), Optional.of(AGENT.agentId())));
    ScheduledTask killing = describe(1).latest().orElseThrow();
    assertThat(killing.status()).isEqualTo(ScheduleStatus.KILLING);
    assertThat(killing.latestEvent().message()).contains("Killed by bob.\nDecommissioned.");
    assertThat(describe(0).latest().map(ScheduledTask::status)).contains(ScheduleStatus.PENDING);
    assertThat(describe(2).latest().map(ScheduledTask::status)).contains(ScheduleStatus.PENDING);
  }

  @Test
  void killingWhenNothingIsActiveSaysSo() {
    create(config(2));
    kill(Optional.empty(), Optional.empty());

    var result = kill(Optional.empty(), Optional.empty());

    assertThat(result.reply().getValue()).isEqualTo(new Killed(List.of(), "No tasks to kill."));
    assertThat(result.hasNoEvents()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // Restart
  // ---------------------------------------------------------------------------------------------

  @Test
  void restartOfInstancesTheJobDoesNotHaveNamesThem() {
    create(config(3));

    var result = restart(Optional.of(List.of(1, 5, 6)));

    assertThat(result.reply().getError())
        .isInstanceOf(Rejection.Invalid.class)
        .hasMessage("Not all requested shards are active. Instances 5-6 have no active task.");
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void restartIsRefusedUnlessEveryRequestedInstanceIsActive() {
    create(config(3));
    toRunning(1);
    kill(Optional.of(List.of(2)), Optional.empty());

    var result = restart(Optional.of(List.of(1, 2)));

    assertThat(result.reply().isError()).isTrue();
    assertThat(result.reply().getError())
        .isInstanceOf(Rejection.Invalid.class)
        .hasMessage("Not all requested shards are active. Instance 2 has no active task.");
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(describe(1).latest().map(ScheduledTask::status)).contains(ScheduleStatus.RUNNING);
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void restartingActiveInstancesKillsThemForAReschedule() {
    create(config(3));
    toRunning(0);
    toRunning(1);

    var result = restart(Optional.of(List.of(0, 1)));

    assertThat(result.reply().getValue())
        .isEqualTo(new Restarted(List.of(0, 1), "Restarting instances 0-1 of " + key));
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(backend.receiveSeveralMessages(2))
        .containsExactlyInAnyOrder(
            new ResourceBackend.Kill(taskId(0, 1), Optional.of(AGENT.agentId())),
            new ResourceBackend.Kill(taskId(1, 1), Optional.of(AGENT.agentId())));
    ScheduledTask restarting = describe(0).latest().orElseThrow();
    assertThat(restarting.status()).isEqualTo(ScheduleStatus.RESTARTING);
    assertThat(restarting.latestEvent())
        .isEqualTo(new TaskEvent(NOW, ScheduleStatus.RESTARTING, Optional.of("Restarted by bob")));
    assertThat(describe(2).latest().map(ScheduledTask::status)).contains(ScheduleStatus.PENDING);
  }

  // ---------------------------------------------------------------------------------------------
  // AddInstances
  // ---------------------------------------------------------------------------------------------

  @Test
  void addedInstancesFollowTheHighestActiveIdAndCopyTheTemplate() {
    create(config(3));
    placement.receiveSeveralMessages(3);
    kill(Optional.of(List.of(2)), Optional.empty());
    placement.expectMessage(new PlacementEngine.TaskGone(taskId(2, 1)));

    var result = add(0, 2);

    String scheduleId = key + "#2";
    assertThat(result.reply().getValue())
        .isEqualTo(
            new Added(List.of(2, 3), "2 new tasks pending for job " + key + " (instances 2-3)"));
    assertThat(result.events())
        .containsExactly(
            new InstancesAdded(key, task, List.of(2, 3), scheduleId, NOW, USER),
            new InstancesScheduled(key, scheduleId, List.of(2, 3)));
    assertThat(result.state())
        .isEqualTo(new Existing(config(3), List.of(0, 1, 2, 3), 2, List.of(), NOW));
    assertThat(placement.receiveSeveralMessages(2))
        .containsExactlyInAnyOrder(pendingAt(2, 2), pendingAt(3, 1));
    assertThat(describe(3).latest().map(ScheduledTask::config)).contains(task);
  }

  @Test
  void addingInstancesNeedsAnActiveTemplate() {
    var created = create(config(3));
    kill(Optional.of(List.of(2)), Optional.empty());

    var ended = add(2, 1);
    assertInvalid(ended, "No active task found for a given instance ID.");
    assertThat(ended.state()).isEqualTo(created.state());

    var unknown = add(MAX_TASKS_PER_JOB + 1, 1);
    assertInvalid(unknown, "No active task found for a given instance ID.");
    assertThat(describe(3).latest()).isEmpty();
  }

  @Test
  void addingInstancesNeedsAPositiveCountWithinTheJobLimit() {
    create(config(3));

    assertInvalid(add(0, 0), "count must be > 0");
    assertInvalid(
        add(0, MAX_TASKS_PER_JOB - 2),
        "Instance count " + (MAX_TASKS_PER_JOB + 1) + " exceeds the limit of 5 per job");
    assertThat(describe(3).latest()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // A job that does not exist
  // ---------------------------------------------------------------------------------------------

  @Test
  void commandsOnAJobThatDoesNotExistAreNotFound() {
    String notFound = "Job " + key + " not found";

    var killed = kill(Optional.empty(), Optional.empty());
    var restarted = restart(Optional.empty());
    var added = add(0, 1);

    assertThat(killed.reply().getError())
        .isInstanceOf(Rejection.NotFound.class)
        .hasMessage(notFound);
    assertThat(restarted.reply().getError())
        .isInstanceOf(Rejection.NotFound.class)
        .hasMessage(notFound);
    assertThat(added.reply().getError())
        .isInstanceOf(Rejection.NotFound.class)
        .hasMessage(notFound);
    for (var result : List.of(killed, restarted, added)) {
      assertThat(result.hasNoEvents()).isTrue();
      assertThat(result.state()).isEqualTo(new JobState.Empty());
    }
    placement.expectNoMessage(Duration.ofMillis(100));
    backend.expectNoMessage(Duration.ofMillis(100));
  }

  // ---------------------------------------------------------------------------------------------
  // Restore (a committed recovery from a backup)
  // ---------------------------------------------------------------------------------------------

  @Test
  void aRestoreReplacesTheJobAndEndsTheHoldOfAnUpdate() {
    create(config(3));
    var locked =
        job.runCommand(
            (ActorRef<StatusReply<JobEntity.Locked>> r) ->
                new JobEntity.LockForUpdate("u-1", 3, Set.of(), USER, r));
    assertThat(((Existing) locked.state()).activeUpdate()).contains("u-1");
    Instant created = NOW.minusSeconds(3600);
    int fedBefore = jobFed.size();

    var restored =
        job.runCommand(
            (ActorRef<StatusReply<Done>> r) ->
                new JobEntity.Restore(
                    Optional.of(config(2)), List.of(0, 1), Optional.of(created), "recovery", r));

    assertThat(restored.reply().isSuccess()).isTrue();
    assertThat(restored.events())
        .containsExactly(
            new JobEvent.JobRestored(
                key, Optional.of(config(2)), List.of(0, 1), Optional.of(created), NOW, "recovery"));
    assertThat(restored.state())
        .isEqualTo(new Existing(config(2), List.of(0, 1), 2, List.of(), created, Optional.empty()));
    // Fed to the read side before the reply, as every other event.
    assertThat(jobFed).hasSize(fedBefore + 1);
  }

  @Test
  void aRestoreWithoutConfigurationErasesTheJob() {
    create(config(2));

    var erased =
        job.runCommand(
            (ActorRef<StatusReply<Done>> r) ->
                new JobEntity.Restore(Optional.empty(), List.of(), Optional.empty(), "r", r));

    assertThat(erased.state()).isEqualTo(new JobState.Empty());
    assertThat(kill(Optional.empty(), Optional.empty()).reply().getError())
        .isInstanceOf(Rejection.NotFound.class);
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling rounds that instances do not confirm (probes stand in for the instances)
  // ---------------------------------------------------------------------------------------------

  @Test
  void recoveryAsksAgainTheInstancesThatNeverConfirmed() {
    var stage = stageUnconfirmedInstance();

    var restarted = stage.job.restart();

    assertThat(restarted.state()).isEqualTo(stage.stateAfterRound);
    TaskInstanceEntity.Schedule again =
        stage.probes.get(1).expectMessageClass(TaskInstanceEntity.Schedule.class);
    assertThat(again.scheduleId()).isEqualTo(stage.firstAsk.scheduleId());
    assertThat(again.config()).isEqualTo(stage.firstAsk.config());
    stage.probes.get(0).expectNoMessage(Duration.ofMillis(100));

    // Once it confirms, it is off the list, and a later recovery leaves it alone.
    again.replyTo().tell(StatusReply.success(new TaskInstanceEntity.Scheduled("t-1", false)));
    stage
        .probes
        .get(1)
        .awaitAssert(() -> assertThat(((Existing) stage.job.getState()).unscheduled()).hasSize(0));
    stage.job.restart();
    stage.probes.get(1).expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void unconfirmedInstancesAreAskedAgainAfterAWhileUntilTheyAnswerForGood() {
    var stage = stageUnconfirmedInstance();

    manualTime.timePasses(SCHEDULE_RETRY);

    TaskInstanceEntity.Schedule again =
        stage.probes.get(1).expectMessageClass(TaskInstanceEntity.Schedule.class);
    assertThat(again.scheduleId()).isEqualTo(stage.firstAsk.scheduleId());
    stage.probes.get(0).expectNoMessage(Duration.ofMillis(100));

    // A refusal is final (asking again would not change it): the instance is not asked again.
    again
        .replyTo()
        .tell(StatusReply.error(new Rejection.Conflict("Instance ID collision detected.")));
    stage
        .probes
        .get(1)
        .awaitAssert(() -> assertThat(((Existing) stage.job.getState()).unscheduled()).hasSize(0));
    manualTime.timePasses(SCHEDULE_RETRY);
    stage.probes.get(1).expectNoMessage(Duration.ofMillis(100));
  }

  /** A job whose creation reached instance 0 but not instance 1 (probes standing in for both). */
  private record UnconfirmedStage(
      EventSourcedBehaviorTestKit<Command, JobEvent, JobState> job,
      Map<Integer, TestProbe<TaskInstanceEntity.Command>> probes,
      TaskInstanceEntity.Schedule firstAsk,
      JobState stateAfterRound) {}

  private UnconfirmedStage stageUnconfirmedInstance() {
    // A job of its own, so no other actor shares its persistence id.
    key = new JobKey("www-data", "prod", "job" + nextJob.getAndIncrement());
    task = TaskConfig.simple(key, true, Resources.of(1, 128, 128, "http"));
    Map<Integer, TestProbe<TaskInstanceEntity.Command>> probes = new HashMap<>();
    probes.put(0, testKit.createTestProbe());
    probes.put(1, testKit.createTestProbe());
    var probeJob = jobKit(key, k -> probes.get(k.instanceId()).ref());
    TestProbe<StatusReply<Created>> replies = testKit.createTestProbe();
    String scheduleId = key + "#1";

    // The reply waits for the round: run the command without waiting for it.
    var result = probeJob.runCommand(new Create(config(2), USER, replies.ref()));

    assertThat(result.events())
        .containsExactly(new JobCreated(key, config(2), List.of(0, 1), scheduleId, NOW, USER));
    assertThat(result.state())
        .isEqualTo(
            new Existing(
                config(2),
                List.of(0, 1),
                1,
                List.of(new ScheduleBatch(scheduleId, task, List.of(0, 1))),
                NOW));
    TaskInstanceEntity.Schedule toFirst =
        probes.get(0).expectMessageClass(TaskInstanceEntity.Schedule.class);
    TaskInstanceEntity.Schedule toSecond =
        probes.get(1).expectMessageClass(TaskInstanceEntity.Schedule.class);
    assertThat(toFirst.scheduleId()).isEqualTo(scheduleId);
    assertThat(toSecond.scheduleId()).isEqualTo(scheduleId);
    assertThat(toSecond.config()).isEqualTo(task);
    toFirst.replyTo().tell(StatusReply.success(new TaskInstanceEntity.Scheduled("t-0", false)));

    // Instance 1 never answers: once its ask times out the caller hears back (the creation is
    // persisted), and only instance 1 is left to schedule.
    manualTime.timePasses(ASK_TIMEOUT);
    replies.expectMessage(
        StatusReply.success(new Created(key, 2, "2 new tasks pending for job " + key)));
    JobState after = probeJob.getState();
    assertThat(after)
        .isEqualTo(
            new Existing(
                config(2),
                List.of(0, 1),
                1,
                List.of(new ScheduleBatch(scheduleId, task, List.of(1))),
                NOW));
    return new UnconfirmedStage(probeJob, probes, toSecond, after);
  }

  // ---------------------------------------------------------------------------------------------
  // Instances that do not answer a survey or a fan-out (probes stand in for the instances)
  // ---------------------------------------------------------------------------------------------

  @Test
  void aKillThatAnInstanceDoesNotAnswerIsUnavailable() {
    var job = probeJob(2);
    TestProbe<StatusReply<Killed>> replies = testKit.createTestProbe();

    var result =
        job.kit().runCommand(new Kill(Optional.empty(), USER, Optional.empty(), replies.ref()));

    assertThat(result.hasNoEvents()).isTrue();
    TaskInstanceEntity.Kill toFirst =
        job.probe(0).expectMessageClass(TaskInstanceEntity.Kill.class);
    job.probe(1).expectMessageClass(TaskInstanceEntity.Kill.class);
    toFirst.replyTo().tell(new TaskInstanceEntity.KillResult(key.instance(0), Optional.of("t-0")));
    manualTime.timePasses(ASK_TIMEOUT);
    assertUnavailable(replies.receiveMessage(), "instances 1 did not answer in time; try again");
  }

  @Test
  void aRestartWhoseSurveyAnInstanceDoesNotAnswerIsUnavailable() {
    var job = probeJob(2);
    TestProbe<StatusReply<Restarted>> replies = testKit.createTestProbe();

    job.kit().runCommand(new Restart(Optional.empty(), USER, replies.ref()));

    describeAsked(job, 0).replyTo().tell(activeSummary(0));
    describeAsked(job, 1);
    manualTime.timePasses(ASK_TIMEOUT);
    assertUnavailable(replies.receiveMessage(), "instances 1 did not answer in time; try again");
    // Nothing is restarted on a partial picture.
    job.probe(0).expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRestartListsOnlyTheInstancesThatConfirmedIt() {
    var job = probeJob(2);
    TestProbe<StatusReply<Restarted>> replies = testKit.createTestProbe();

    job.kit().runCommand(new Restart(Optional.empty(), USER, replies.ref()));
    describeAsked(job, 0).replyTo().tell(activeSummary(0));
    describeAsked(job, 1).replyTo().tell(activeSummary(1));

    var toFirst = job.probe(0).expectMessageClass(TaskInstanceEntity.Restart.class);
    var toSecond = job.probe(1).expectMessageClass(TaskInstanceEntity.Restart.class);
    assertThat(toSecond.user()).isEqualTo(USER);
    toFirst.replyTo().tell(new TaskInstanceEntity.RestartResult(key.instance(0), true));
    manualTime.timePasses(ASK_TIMEOUT);
    assertThat(replies.receiveMessage())
        .isEqualTo(
            StatusReply.success(new Restarted(List.of(0), "Restarting instances 0 of " + key)));
  }

  @Test
  void aCreateWhoseSurveyAnInstanceDoesNotAnswerIsUnavailable() {
    var job = probeJob(2);
    JobState before = job.kit().getState();
    TestProbe<StatusReply<Created>> replies = testKit.createTestProbe();

    var result = job.kit().runCommand(new Create(config(2), USER, replies.ref()));

    assertThat(result.hasNoEvents()).isTrue();
    describeAsked(job, 0).replyTo().tell(endedSummary(0));
    describeAsked(job, 1);
    manualTime.timePasses(ASK_TIMEOUT);
    assertUnavailable(replies.receiveMessage(), "instances 1 did not answer in time; try again");
    assertThat(job.kit().getState()).isEqualTo(before);
    job.probe(0).expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aSecondCreateWaitsForTheFirstSurveyThenIsDecidedOnItsOwn() {
    var job = probeJob(2);
    TestProbe<StatusReply<Created>> first = testKit.createTestProbe();
    TestProbe<StatusReply<Created>> second = testKit.createTestProbe();

    job.kit().runCommand(new Create(config(2), USER, first.ref()));
    var firstAsks = List.of(describeAsked(job, 0), describeAsked(job, 1));
    job.kit().runCommand(new Create(config(1), USER, second.ref()));
    // The second waits: no survey of its own while the first is being decided.
    job.probe(0).expectNoMessage(Duration.ofMillis(100));

    firstAsks.get(0).replyTo().tell(activeSummary(0));
    firstAsks.get(1).replyTo().tell(endedSummary(1));
    StatusReply<Created> refused = first.receiveMessage();
    assertThat(refused.getError())
        .isInstanceOf(Rejection.Conflict.class)
        .hasMessage("Job " + key + " already exists");

    // Now the second is surveyed; every instance has ended, so it creates the job again.
    describeAsked(job, 0).replyTo().tell(endedSummary(0));
    describeAsked(job, 1).replyTo().tell(endedSummary(1));
    var schedule = job.probe(0).expectMessageClass(TaskInstanceEntity.Schedule.class);
    assertThat(schedule.scheduleId()).isEqualTo(key + "#2");
    schedule.replyTo().tell(StatusReply.success(new TaskInstanceEntity.Scheduled("t-0b", false)));
    assertThat(second.receiveMessage())
        .isEqualTo(StatusReply.success(new Created(key, 1, "1 new task pending for job " + key)));
    job.probe(1).expectNoMessage(Duration.ofMillis(100));
  }

  /** A job of its own whose instances are probes, created with every instance confirming. */
  private record ProbeJob(
      EventSourcedBehaviorTestKit<Command, JobEvent, JobState> kit,
      Map<Integer, TestProbe<TaskInstanceEntity.Command>> probes) {
    TestProbe<TaskInstanceEntity.Command> probe(int instanceId) {
      return probes.get(instanceId);
    }
  }

  private ProbeJob probeJob(int count) {
    key = new JobKey("www-data", "prod", "job" + nextJob.getAndIncrement());
    task = TaskConfig.simple(key, true, Resources.of(1, 128, 128, "http"));
    Map<Integer, TestProbe<TaskInstanceEntity.Command>> probes = new HashMap<>();
    for (int i = 0; i < count; i++) {
      probes.put(i, testKit.createTestProbe());
    }
    var kit = jobKit(key, k -> probes.get(k.instanceId()).ref());
    TestProbe<StatusReply<Created>> replies = testKit.createTestProbe();
    kit.runCommand(new Create(config(count), USER, replies.ref()));
    for (int i = 0; i < count; i++) {
      probes
          .get(i)
          .expectMessageClass(TaskInstanceEntity.Schedule.class)
          .replyTo()
          .tell(StatusReply.success(new TaskInstanceEntity.Scheduled("t-" + i, false)));
    }
    replies.expectMessage(
        StatusReply.success(new Created(key, count, count + " new tasks pending for job " + key)));
    return new ProbeJob(kit, probes);
  }

  private static TaskInstanceEntity.Describe describeAsked(ProbeJob job, int instanceId) {
    return job.probe(instanceId).expectMessageClass(TaskInstanceEntity.Describe.class);
  }

  private InstanceSummary activeSummary(int instanceId) {
    InstanceKey instance = key.instance(instanceId);
    return new InstanceSummary(
        instance,
        Optional.of(
            ScheduledTask.created(
                "t-" + instanceId,
                instance,
                task,
                0,
                Optional.empty(),
                ScheduleStatus.PENDING,
                NOW,
                Optional.empty())));
  }

  private InstanceSummary endedSummary(int instanceId) {
    return new InstanceSummary(key.instance(instanceId), Optional.empty());
  }

  private static <T> void assertUnavailable(StatusReply<T> reply, String message) {
    assertThat(reply.isError()).isTrue();
    assertThat(reply.getError()).isInstanceOf(Rejection.Unavailable.class).hasMessage(message);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------------

  private EventSourcedBehaviorTestKit<Command, JobEvent, JobState> jobKit(
      JobKey jobKey, Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instanceRefs) {
    JobEntity.Deps deps =
        new JobEntity.Deps(
            CLOCK,
            instanceRefs,
            ASK_TIMEOUT,
            MAX_TASKS_PER_JOB,
            SnapshotPolicy.every(1000),
            Duration.ofMinutes(2),
            (pid, seqNr, events) -> jobFed.add(pid + "#" + seqNr));
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        JobEntity.create(jobKey, deps, Optional.empty()),
        EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  private JobConfiguration config(int instanceCount) {
    return new JobConfiguration(
        key,
        instanceCount,
        task,
        UpdateSettings.DEFAULT,
        Optional.empty(),
        CronCollisionPolicy.KILL_EXISTING);
  }

  private String taskId(int instanceId, long generation) {
    return TaskIds.of(key.instance(instanceId), new UUID(0, generation));
  }

  private PlacementEngine.TaskPending pendingAt(int instanceId, long generation) {
    return new PlacementEngine.TaskPending(
        taskId(instanceId, generation), key.instance(instanceId), task, Optional.of(NOW));
  }

  private CommandResultWithReply<Command, JobEvent, JobState, StatusReply<Created>> create(
      JobConfiguration config) {
    return job.runCommand(replyTo -> new Create(config, USER, replyTo));
  }

  private CommandResultWithReply<Command, JobEvent, JobState, StatusReply<Killed>> kill(
      Optional<List<Integer>> which, Optional<String> message) {
    return job.runCommand(replyTo -> new Kill(which, USER, message, replyTo));
  }

  private CommandResultWithReply<Command, JobEvent, JobState, StatusReply<Restarted>> restart(
      Optional<List<Integer>> which) {
    return job.runCommand(replyTo -> new Restart(which, USER, replyTo));
  }

  private CommandResultWithReply<Command, JobEvent, JobState, StatusReply<Added>> add(
      int template, int count) {
    return job.runCommand(replyTo -> new AddInstances(template, count, USER, replyTo));
  }

  private InstanceSummary describe(int instanceId) {
    TestProbe<InstanceSummary> probe = testKit.createTestProbe();
    instances.get(key.instance(instanceId)).tell(new TaskInstanceEntity.Describe(probe.ref()));
    return probe.receiveMessage();
  }

  /** Places and starts the first task of an instance, as placement and the backend would. */
  private void toRunning(int instanceId) {
    ActorRef<TaskInstanceEntity.Command> instance = instances.get(key.instance(instanceId));
    TestProbe<StatusReply<Done>> assigned = testKit.createTestProbe();
    TestProbe<Done> acks = testKit.createTestProbe();
    String taskId = taskId(instanceId, 1);
    instance.tell(new TaskInstanceEntity.Assign(taskId, AGENT, assigned.ref()));
    assigned.expectMessage(StatusReply.ack());
    instance.tell(
        new TaskInstanceEntity.ApplyStatus(
            taskId, ScheduleStatus.RUNNING, Optional.empty(), Optional.empty(), acks.ref()));
    acks.expectMessage(Done.getInstance());
  }

  private static void assertInvalid(
      CommandResultWithReply<Command, JobEvent, JobState, StatusReply<Added>> result,
      String message) {
    assertThat(result.reply().isError()).isTrue();
    assertThat(result.reply().getError()).isInstanceOf(Rejection.Invalid.class).hasMessage(message);
    assertThat(result.hasNoEvents()).isTrue();
  }
}
