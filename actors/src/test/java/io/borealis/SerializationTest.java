package io.borealis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.ConfigFactory;
import io.borealis.backend.LaunchTask;
import io.borealis.backend.Offer;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.PortRange;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.StatusUpdate;
import io.borealis.backend.TaskRef;
import io.borealis.common.Rejection;
import io.borealis.job.JobDiff;
import io.borealis.job.JobEntity;
import io.borealis.job.JobEvent;
import io.borealis.job.JobState;
import io.borealis.maintenance.DrainRequest;
import io.borealis.maintenance.MaintenanceEntity;
import io.borealis.maintenance.MaintenanceState;
import io.borealis.model.Assignment;
import io.borealis.model.Constraint;
import io.borealis.model.Container;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.HealthCheck;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.PartitionPolicy;
import io.borealis.model.ProcessConfig;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import io.borealis.placement.PlacementEngine;
import io.borealis.quota.QuotaEntity;
import io.borealis.quota.ResourceAggregate;
import io.borealis.task.InstanceEvent;
import io.borealis.task.InstanceState;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskIds;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskState;
import io.borealis.update.InstanceAction;
import io.borealis.update.InstanceProgress;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateInstructions;
import io.borealis.update.UpdateRun;
import io.borealis.update.UpdateStatus;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every event, state, command and reply that Pekko may serialize (to the journal, into a snapshot
 * or to another node) survives a round trip through the configured serializer unchanged. The
 * samples carry realistic nested content: every kind of constraint, container, SLA policy, health
 * check and update strategy. A coverage test fails when a new serializable class has no sample.
 */
class SerializationTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(ConfigFactory.load("application-test"));

  private static final SerializationTestKit serialization = testKit.serializationTestKit();

  @AfterAll
  static void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  private static final JobKey JOB = new JobKey("www-data", "prod", "hello");
  private static final InstanceKey INSTANCE = JOB.instance(3);
  private static final Instant T0 = Instant.parse("2024-05-01T12:00:00.123456789Z");
  private static final String TASK_ID = TaskIds.of(INSTANCE, new UUID(0, 2));
  private static final String ANCESTOR_ID = TaskIds.of(INSTANCE, new UUID(0, 1));
  private static final Assignment AGENT =
      new Assignment("agent-1", "host-1.example.com", Map.of("http", 31000, "health", 31001));

  // ---------------------------------------------------------------------------------------------
  // Nested content
  // ---------------------------------------------------------------------------------------------

  private static final DrainRequest FORCED_DRAIN = DrainRequest.forced("h1", T0);
  private static final DrainRequest SLA_DRAIN =
      new DrainRequest("h2", new SlaPolicy.Percentage(80, 300), 3600, T0);
  private static final MaintenanceState MAINTENANCE =
      MaintenanceState.EMPTY
          .scheduled(List.of("h3"))
          .draining(List.of(FORCED_DRAIN, SLA_DRAIN))
          .drained(List.of("h1"));

  private static final List<ProcessConfig> PROCESSES =
      List.of(
          new ProcessConfig("install", "cp -r /pkg .", 1, false, true, 0, false, Map.of()),
          new ProcessConfig(
              "server",
              "./server --port {{thermos.ports[http]}}",
              3,
              true,
              false,
              15,
              false,
              Map.of("LOG_LEVEL", "info", "GOMAXPROCS", "2")),
          new ProcessConfig("flush", "./flush-logs", 1, false, false, 0, true, Map.of()));

  private static final Map<String, Constraint> CONSTRAINTS =
      Map.of(
          "host", new Constraint.Limit("host", 1),
          "rack", new Constraint.Value("rack", false, List.of("rack-a", "rack-b")),
          "zone", new Constraint.Value("zone", true, List.of("us-east-1c")),
          "dedicated", new Constraint.Value("dedicated", false, List.of("www-data/hello")));

  /** A production service with everything: HTTP health check, percentage SLA, Docker. */
  private static final TaskConfig FULL =
      new TaskConfig(
          JOB,
          "hello",
          true,
          "preferred",
          true,
          10,
          -1,
          new Resources(1.5, 2048, 4096, List.of("http", "health"), 1),
          PROCESSES,
          List.of(List.of("install", "server"), List.of("install", "flush")),
          CONSTRAINTS,
          Optional.of(
              new HealthCheck(
                  HealthCheck.Type.HTTP, "/health", Optional.empty(), "ok", 200, 15, 10, 1, 3, 1)),
          new PartitionPolicy(true, 60),
          Optional.of(new SlaPolicy.Percentage(95.5, 1800)),
          Optional.of(
              new Container.Docker(
                  "nginx:1.25",
                  List.of(
                      new Container.Parameter("env", "MODE=prod"),
                      new Container.Parameter("label", "team=web")))),
          Optional.of("web-team@example.com"),
          Map.of("owner", "web", "tracking", "JIRA-123"));

  /** A shell health check, count SLA and the Mesos containerizer with an image. */
  private static final TaskConfig COUNT_SLA_ON_MESOS =
      new TaskConfig(
          JOB,
          "hello",
          true,
          "preferred",
          true,
          0,
          1,
          Resources.of(0.5, 256, 512, "http"),
          PROCESSES,
          List.of(),
          Map.of("host", new Constraint.Limit("host", 2)),
          Optional.of(
              new HealthCheck(
                  HealthCheck.Type.SHELL,
                  "",
                  Optional.of("curl -sf localhost:{{thermos.ports[http]}}/health"),
                  "",
                  0,
                  30,
                  10,
                  5,
                  2,
                  2)),
          new PartitionPolicy(false, 0),
          Optional.of(new SlaPolicy.Count(18, 600)),
          Optional.of(new Container.Mesos(Optional.of("debian:12"))),
          Optional.empty(),
          Map.of());

  /** A batch task with a coordinator SLA and a bare Mesos container. */
  private static final TaskConfig COORDINATED_BATCH =
      new TaskConfig(
          JOB,
          "hello",
          false,
          "preemptible",
          false,
          0,
          3,
          Resources.of(1, 128, 128),
          PROCESSES.subList(0, 1),
          List.of(),
          Map.of(),
          Optional.empty(),
          PartitionPolicy.DEFAULT,
          Optional.of(new SlaPolicy.Coordinator("http://coordinator.example.com/sla", "drain")),
          Optional.of(new Container.Mesos(Optional.empty())),
          Optional.empty(),
          Map.of());

  private static final List<TaskConfig> TASK_CONFIGS =
      List.of(FULL, COUNT_SLA_ON_MESOS, COORDINATED_BATCH);

  private static JobConfiguration job(UpdateStrategy strategy, Optional<String> cron) {
    return new JobConfiguration(
        JOB,
        3,
        FULL,
        new UpdateSettings(
            2,
            30,
            1,
            2,
            true,
            strategy instanceof UpdateStrategy.Batch,
            Optional.of(60L),
            true,
            Optional.of(900L),
            strategy),
        cron,
        cron.isPresent() ? CronCollisionPolicy.CANCEL_NEW : CronCollisionPolicy.KILL_EXISTING);
  }

  private static final List<JobConfiguration> JOB_CONFIGS =
      List.of(
          job(new UpdateStrategy.Queue(2), Optional.empty()),
          job(new UpdateStrategy.Batch(3, true), Optional.empty()),
          job(new UpdateStrategy.VariableBatch(List.of(1, 2, 5), false), Optional.of("0 4 * * *")),
          new JobConfiguration(
              JOB,
              1,
              COORDINATED_BATCH,
              UpdateSettings.DEFAULT,
              Optional.empty(),
              CronCollisionPolicy.KILL_EXISTING));

  /** A task with a long history: ancestor, failures, a partition cycle, an assignment. */
  private static final ScheduledTask TASK =
      ScheduledTask.created(
              TASK_ID,
              INSTANCE,
              FULL,
              2,
              Optional.of(ANCESTOR_ID),
              ScheduleStatus.PENDING,
              T0,
              Optional.of("Rescheduled"))
          .assigned(AGENT, T0.plusSeconds(1))
          .withStatus(ScheduleStatus.STARTING, T0.plusSeconds(2), Optional.empty(), 2)
          .withStatus(ScheduleStatus.RUNNING, T0.plusSeconds(3), Optional.empty(), 2)
          .withStatus(
              ScheduleStatus.PARTITIONED, T0.plusSeconds(60), Optional.of("Agent unreachable."), 2)
          .withStatus(ScheduleStatus.RUNNING, T0.plusSeconds(70), Optional.empty(), 2);

  private static final ScheduledTask ANCESTOR =
      ScheduledTask.created(
              ANCESTOR_ID,
              INSTANCE,
              FULL,
              1,
              Optional.empty(),
              ScheduleStatus.PENDING,
              T0.minusSeconds(600),
              Optional.empty())
          .assigned(AGENT, T0.minusSeconds(590))
          .withStatus(
              ScheduleStatus.FAILED, T0.minusSeconds(1), Optional.of("Exited with status 1"), 2);

  /** A rescheduled task waiting out its flapping penalty. */
  private static final ScheduledTask THROTTLED =
      ScheduledTask.created(
              TASK_ID,
              INSTANCE,
              FULL,
              2,
              Optional.of(ANCESTOR_ID),
              ScheduleStatus.THROTTLED,
              T0,
              Optional.of("Rescheduled, penalized for 41234 ms for flapping"))
          .withPenalty(41_234);

  private static final Offer OFFER =
      new Offer(
          "offer-1",
          "agent-1",
          "host-1.example.com",
          Map.of("rack", Set.of("rack-a"), "dedicated", Set.of("www-data/hello", "*/batch")),
          8.0,
          16384,
          100_000,
          2,
          List.of(new PortRange(31000, 31999), new PortRange(33000, 33000)));

  private static final LaunchTask LAUNCH = new LaunchTask(TASK_ID, INSTANCE, FULL, AGENT);

  private static final TaskRef TASK_REF = new TaskRef(TASK_ID, INSTANCE, Optional.of("agent-1"));

  private static <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().ref();
  }

  private static final String UPDATE_ID = "rollout-2024-05-01";

  /** An update replacing two configurations, with every kind of update event. */
  private static final List<UpdateEvent> UPDATE_EVENTS =
      List.of(
          new UpdateEvent.UpdateStarted(
              UPDATE_ID,
              JOB,
              new UpdateInstructions(
                  List.of(
                      new JobDiff.Group(COUNT_SLA_ON_MESOS, List.of(0, 2)),
                      new JobDiff.Group(COORDINATED_BATCH, List.of(4))),
                  Optional.of(new JobDiff.Group(FULL, List.of(0, 1, 2, 3))),
                  JOB_CONFIGS.get(1).updateConfig()),
              "bob",
              Map.of("ticket", "JIRA-7"),
              Optional.of("rollout-2024-04-30"),
              UpdateStatus.ROLLING_FORWARD,
              Optional.of("Deploying 2.0"),
              T0),
          new UpdateEvent.BatchSeen(UPDATE_ID, List.of(1, 3), T0),
          new UpdateEvent.InstanceTransitioned(
              UPDATE_ID, 1, InstanceAction.INSTANCE_UPDATING, Optional.empty(), T0),
          new UpdateEvent.InstancesSettled(
              UPDATE_ID, List.of(3), InstanceProgress.SUCCEEDED, T0.plusSeconds(1)),
          new UpdateEvent.SlaCheckStarted(
              UPDATE_ID, 1, InstanceAction.INSTANCE_UPDATING, T0.plusSeconds(1)),
          new UpdateEvent.SlaCheckDeferred(UPDATE_ID, 1, 1, T0.plusSeconds(1)),
          new UpdateEvent.SlaCheckPassed(
              UPDATE_ID, 1, InstanceAction.INSTANCE_UPDATING, T0.plusSeconds(61)),
          new UpdateEvent.FailureObserved(UPDATE_ID, 1, 1, T0.plusSeconds(90)),
          new UpdateEvent.InstanceTransitioned(
              UPDATE_ID,
              1,
              InstanceAction.INSTANCE_UPDATE_FAILED,
              Optional.of("instance 1 ended FAILED: Exited with status 1"),
              T0.plusSeconds(95)),
          new UpdateEvent.Pulsed(UPDATE_ID, T0.plusSeconds(96)),
          new UpdateEvent.StatusChanged(
              UPDATE_ID,
              UpdateStatus.ROLLING_FORWARD,
              UpdateStatus.ROLLING_BACK,
              Optional.empty(),
              Optional.of("Latest failure: instance 1 exited."),
              T0.plusSeconds(95)),
          new UpdateEvent.InstanceTransitioned(
              UPDATE_ID, 4, InstanceAction.INSTANCE_ROLLING_BACK, Optional.empty(), T0));

  private static UpdateRun updateRun(int events) {
    UpdateRun run = UpdateRun.started((UpdateEvent.UpdateStarted) UPDATE_EVENTS.get(0));
    for (UpdateEvent e : UPDATE_EVENTS.subList(1, events)) {
      run = run.apply(e);
    }
    return run;
  }

  // ---------------------------------------------------------------------------------------------
  // Samples
  // ---------------------------------------------------------------------------------------------

  static Stream<Named<Object>> events() {
    List<Object> events = new ArrayList<>();
    for (TaskConfig config : TASK_CONFIGS) {
      ScheduledTask created =
          ScheduledTask.created(
              TASK_ID,
              INSTANCE,
              config,
              0,
              Optional.empty(),
              ScheduleStatus.PENDING,
              T0,
              Optional.empty());
      events.add(new InstanceEvent.TaskCreated(INSTANCE, created, "www-data/prod/hello#1"));
    }
    events.add(new InstanceEvent.TaskCreated(INSTANCE, TASK, "www-data/prod/hello#2"));
    events.add(new InstanceEvent.TaskCreated(INSTANCE, THROTTLED, "www-data/prod/hello#2"));
    events.add(new InstanceEvent.TaskAssigned(INSTANCE, TASK_ID, AGENT, T0));
    events.add(
        new InstanceEvent.TaskStateChanged(
            INSTANCE,
            TASK_ID,
            ScheduleStatus.RUNNING,
            ScheduleStatus.FAILED,
            T0,
            Optional.of("Exited with status 1"),
            3));
    events.add(
        new InstanceEvent.TaskStateChanged(
            INSTANCE,
            TASK_ID,
            ScheduleStatus.ASSIGNED,
            ScheduleStatus.STARTING,
            T0,
            Optional.empty(),
            0));
    events.add(new InstanceEvent.TaskDeleted(INSTANCE, TASK_ID, T0));
    events.add(new InstanceEvent.TasksPruned(INSTANCE, List.of(ANCESTOR_ID, "older-task")));
    for (JobConfiguration config : JOB_CONFIGS) {
      events.add(
          new JobEvent.JobCreated(
              JOB, config, List.of(0, 1, 2), "www-data/prod/hello#1", T0, "bob"));
    }
    events.add(
        new JobEvent.InstancesAdded(JOB, FULL, List.of(3, 4), "www-data/prod/hello#2", T0, "bob"));
    events.add(new JobEvent.InstancesScheduled(JOB, "www-data/prod/hello#2", List.of(3)));
    events.add(new JobEvent.UpdateLocked(JOB, "u-1", List.of(0, 1, 2, 3), T0, "bob"));
    events.add(new JobEvent.UpdateUnlocked(JOB, "u-1", "ROLLED_FORWARD", Optional.of(FULL), T0));
    events.add(new JobEvent.UpdateUnlocked(JOB, "u-2", "GONE", Optional.empty(), T0));
    // A committed recovery: the backup's state, or the entity erased.
    events.add(
        new JobEvent.JobRestored(
            JOB, Optional.of(JOB_CONFIGS.get(0)), List.of(0, 1), Optional.of(T0), T0, "recovery"));
    events.add(
        new JobEvent.JobRestored(JOB, Optional.empty(), List.of(), Optional.empty(), T0, "r"));
    events.add(new InstanceEvent.InstanceRestored(INSTANCE, List.of(TASK, ANCESTOR), T0));
    events.add(new InstanceEvent.InstanceRestored(INSTANCE, List.of(), T0));
    events.addAll(UPDATE_EVENTS);
    events.add(
        new QuotaEntity.QuotaSet(
            "www-data",
            new ResourceAggregate(10.5, 20_480, 102_400),
            ResourceAggregate.ZERO,
            "bob",
            T0));
    // Maintenance.
    events.add(new MaintenanceEntity.MaintenanceScheduled(List.of("h1", "h2"), T0));
    events.add(new MaintenanceEntity.DrainRequested(List.of(FORCED_DRAIN, SLA_DRAIN)));
    events.add(new MaintenanceEntity.HostsDrained(List.of("h1"), T0));
    events.add(new MaintenanceEntity.MaintenanceEnded(List.of("h1", "h2"), T0));
    return named(events);
  }

  static Stream<Named<Object>> states() {
    return named(
        List.of(
            new InstanceState.Empty(),
            new InstanceState.Idle(Optional.empty(), List.of(), "www-data/prod/hello#1"),
            new InstanceState.Idle(Optional.of(ANCESTOR), List.of(), "www-data/prod/hello#1"),
            new InstanceState.Active(TASK, List.of(ANCESTOR), "www-data/prod/hello#1"),
            new JobState.Empty(),
            new JobState.Existing(
                JOB_CONFIGS.get(2),
                List.of(0, 1, 2, 3, 4),
                2,
                List.of(
                    new JobState.ScheduleBatch("www-data/prod/hello#1", FULL, List.of(1)),
                    new JobState.ScheduleBatch(
                        "www-data/prod/hello#2", COUNT_SLA_ON_MESOS, List.of(3, 4))),
                T0),
            new JobState.Existing(
                JOB_CONFIGS.get(0), List.of(0, 1), 1, List.of(), T0, Optional.of("u-1")),
            new JobState.ScheduleBatch("www-data/prod/hello#1", COORDINATED_BATCH, List.of(0)),
            TASK,
            new io.borealis.update.JobUpdateEntity.State(Optional.empty()),
            new io.borealis.update.JobUpdateEntity.State(Optional.of(updateRun(10))),
            updateRun(1),
            updateRun(10),
            updateRun(UPDATE_EVENTS.size()),
            new QuotaEntity.State(new ResourceAggregate(0.25, 512, 1024)),
            MaintenanceState.EMPTY,
            MAINTENANCE,
            MAINTENANCE.hosts().get("h2")));
  }

  static Stream<Named<Object>> messages() {
    return named(
        List.of(
            // Quota: commands and the reply.
            new QuotaEntity.SetQuota(new ResourceAggregate(2, 4096, 8192), "bob", ref()),
            new QuotaEntity.GetQuota(ref()),
            new ResourceAggregate(2, 4096, 8192),
            // Task instance: commands (timers included) and replies.
            new TaskInstanceEntity.Schedule(FULL, "www-data/prod/hello#1", ref()),
            new TaskInstanceEntity.Assign(TASK_ID, AGENT, ref()),
            new TaskInstanceEntity.ApplyStatus(
                TASK_ID,
                ScheduleStatus.RUNNING,
                Optional.of("Task is healthy."),
                Optional.of("agent-1"),
                ref()),
            new TaskInstanceEntity.Kill("bob", Optional.of("Decommissioned."), ref()),
            new TaskInstanceEntity.Restart("bob", ref()),
            new TaskInstanceEntity.Interrupt(
                TASK_ID, TaskState.PREEMPTING, "Preempting in favor of another", ref()),
            new TaskInstanceEntity.Prune(List.of(TASK_ID), ref()),
            new TaskInstanceEntity.Describe(ref()),
            new TaskInstanceEntity.TransientTimeout(TASK_ID, ScheduleStatus.ASSIGNED),
            new TaskInstanceEntity.RetryKill(TASK_ID, 15_000),
            new TaskInstanceEntity.ReleaseThrottle(TASK_ID),
            new TaskInstanceEntity.PartitionTimeout(TASK_ID, T0),
            new TaskInstanceEntity.RefreshPending(TASK_ID),
            new TaskInstanceEntity.IdleCheck(),
            new TaskInstanceEntity.Scheduled(TASK_ID, true),
            new TaskInstanceEntity.KillResult(INSTANCE, Optional.of(TASK_ID)),
            new TaskInstanceEntity.KillResult(INSTANCE, Optional.empty()),
            new TaskInstanceEntity.RestartResult(INSTANCE, true),
            new TaskInstanceEntity.InstanceSummary(INSTANCE, Optional.of(TASK)),
            new TaskInstanceEntity.InstanceSummary(INSTANCE, Optional.empty()),
            new TaskInstanceEntity.KillTask(TASK_ID, "Killed for job update u-1", ref()),
            new TaskInstanceEntity.Interrupt(
                TASK_ID,
                io.borealis.task.TaskState.PREEMPTING,
                "Preempting in favor of " + TASK_ID,
                ref()),
            // Reconciliation: the admin triggers reach the cluster's reconciler from any node.
            new io.borealis.host.Reconciler.Trigger(
                io.borealis.host.Reconciler.Kind.EXPLICIT, Optional.of(50)),
            new io.borealis.host.Reconciler.Trigger(
                io.borealis.host.Reconciler.Kind.IMPLICIT, Optional.empty()),
            new io.borealis.task.InstanceChange(
                INSTANCE, List.of(ANCESTOR, TASK), Optional.of(TASK)),
            new io.borealis.task.InstanceChange(INSTANCE, List.of(), Optional.empty()),
            new JobEntity.LockForUpdate("u-1", 4, Set.of(5, 6), "bob", ref()),
            new JobEntity.Locked(List.of(0, 1, 2), JOB_CONFIGS.get(0)),
            new JobEntity.Unlock("u-1", "ROLLED_FORWARD", Optional.of(FULL), ref()),
            new JobEntity.Unlock("u-1", "ABORTED", Optional.empty(), ref()),
            new JobEntity.Restore(
                Optional.of(JOB_CONFIGS.get(0)), List.of(0, 1), Optional.of(T0), "recovery", ref()),
            new JobEntity.Restore(Optional.empty(), List.of(), Optional.empty(), "r", ref()),
            new TaskInstanceEntity.Restore(List.of(TASK, ANCESTOR), ref()),
            new TaskInstanceEntity.Restore(List.of(), ref()),
            new io.borealis.update.JobUpdateEntity.Start(
                JOB_CONFIGS.get(0),
                Set.of(0, 1),
                "bob",
                Map.of("ticket", "OPS-1"),
                Optional.of("go"),
                Optional.of("u-0"),
                ref()),
            new io.borealis.update.JobUpdateEntity.Started(
                new io.borealis.update.UpdateKey(JOB, "u-1"),
                Optional.of(io.borealis.update.UpdateStatus.ROLLING_FORWARD),
                "started"),
            new io.borealis.update.JobUpdateEntity.Started(
                new io.borealis.update.UpdateKey(JOB, "u-1"),
                Optional.empty(),
                "Job is unchanged by proposed update."),
            new io.borealis.update.JobUpdateEntity.Act(
                io.borealis.update.OperatorAction.PAUSE, "bob", Optional.of("hold"), ref()),
            new io.borealis.update.JobUpdateEntity.Acted(
                new io.borealis.update.UpdateKey(JOB, "u-1"),
                io.borealis.update.UpdateStatus.ROLLED_FORWARD,
                Optional.of(new io.borealis.update.UpdateKey(JOB, "u-2"))),
            new io.borealis.update.JobUpdateEntity.PulseIt("bob", ref()),
            new io.borealis.update.JobUpdateEntity.IsActive(ref()),
            // Job: commands and replies.
            new JobEntity.Create(JOB_CONFIGS.get(0), "bob", ref()),
            new JobEntity.Kill(Optional.of(List.of(0, 2)), "bob", Optional.of("Bye."), ref()),
            new JobEntity.Kill(Optional.empty(), "bob", Optional.empty(), ref()),
            new JobEntity.Restart(Optional.of(List.of(1)), "bob", ref()),
            new JobEntity.Restart(Optional.empty(), "bob", ref()),
            new JobEntity.AddInstances(0, 2, "bob", ref()),
            new JobEntity.Created(JOB, 3, "3 new tasks pending for job www-data/prod/hello"),
            new JobEntity.Killed(List.of(0, 2), "Killed instances 0,2 (2 tasks)"),
            new JobEntity.Restarted(List.of(1), "Restarting instances 1 of www-data/prod/hello"),
            new JobEntity.Added(List.of(3, 4), "2 new tasks pending for job www-data/prod/hello"),
            // Placement.
            new PlacementEngine.TaskPending(TASK_ID, INSTANCE, FULL),
            new PlacementEngine.TaskPending(
                TASK_ID,
                INSTANCE,
                FULL,
                Optional.of(java.time.Instant.parse("2024-05-01T12:00:00Z"))),
            new PlacementEngine.TaskGone(TASK_ID),
            new PlacementEngine.TaskPlaced(
                new io.borealis.placement.PlacedTask(
                    TASK_ID, INSTANCE, FULL, "agent-1", "host-1.example.com")),
            new PlacementEngine.HostModes(
                Map.of(
                    "host-1.example.com", io.borealis.model.MaintenanceMode.DRAINING,
                    "host-2.example.com", io.borealis.model.MaintenanceMode.DRAINED)),
            new PlacementEngine.FromBackend(new OfferEvent.OfferReceived(OFFER)),
            new PlacementEngine.FromBackend(new OfferEvent.OfferRescinded("offer-1")),
            new PlacementEngine.FromBackend(new OfferEvent.OffersReset()),
            new PlacementEngine.GetStats(ref()),
            new PlacementEngine.Stats(12, 3, 1, 4096),
            new PlacementEngine.TaskPlaced(
                new io.borealis.placement.PlacedTask(
                    TASK_ID, INSTANCE, FULL, AGENT.agentId(), AGENT.host())),
            new PlacementEngine.HostModes(MAINTENANCE.modes()),
            new TaskInstanceEntity.Interrupt(
                TASK_ID, TaskState.DRAINING, "Draining machine for maintenance.", ref()),
            // Maintenance.
            new MaintenanceEntity.Start(List.of("h1"), "alice", ref()),
            new MaintenanceEntity.Drain(List.of("h1", "h2"), "alice", ref()),
            new MaintenanceEntity.SlaDrain(
                List.of("h1"), new SlaPolicy.Count(2, 60), 3600, "alice", ref()),
            new MaintenanceEntity.SlaDrain(
                List.of("h1"), new SlaPolicy.Percentage(80, 0), 0, "alice", ref()),
            new MaintenanceEntity.End(List.of("h1"), "alice", ref()),
            new MaintenanceEntity.GetStatus(ref()),
            new MaintenanceEntity.HostStatus("h1", MaintenanceMode.DRAINING),
            new MaintenanceEntity.HostStatuses(
                List.of(
                    new MaintenanceEntity.HostStatus("h1", MaintenanceMode.DRAINED),
                    new MaintenanceEntity.HostStatus("h2", MaintenanceMode.NONE))),
            SLA_DRAIN,
            new PlacementEngine.GetPendingReasons(JOB, ref()),
            new PlacementEngine.PendingReasons(
                List.of(
                    new PlacementEngine.PendingReason(TASK_ID, 3, "Limit not satisfied: host"))),
            new PlacementEngine.PendingReason(
                TASK_ID, 3, "Insufficient: RAM (needs 2048 MB, largest free 1024 MB)"),
            // Backend.
            new ResourceBackend.Launch(
                "offer-1",
                "agent-1",
                List.of(
                    LAUNCH,
                    new LaunchTask(
                        TaskIds.of(JOB.instance(4), new UUID(0, 1)),
                        JOB.instance(4),
                        COUNT_SLA_ON_MESOS,
                        new Assignment("agent-1", "host-1.example.com", Map.of())))),
            new ResourceBackend.Decline("offer-1"),
            new ResourceBackend.Kill(TASK_ID, Optional.of("agent-1")),
            new ResourceBackend.Kill(TASK_ID, Optional.empty()),
            new ResourceBackend.Acknowledge(TASK_ID, "update-7"),
            new ResourceBackend.Reconcile(List.of(TASK_REF)),
            new ResourceBackend.Reconcile(List.of()),
            new ResourceBackend.ReviveOffers(),
            new io.borealis.host.BackendHost.Ping(ref()),
            new io.borealis.host.BackendHost.Pong("sim", "pekko://borealis@127.0.0.1:2552"),
            // The simulated fleet's behaviour, a reply that crosses nodes.
            new io.borealis.backend.FleetControl.Behaviour(true, 20, 0.1, 42),
            new StatusUpdate(
                "update-7",
                TASK_ID,
                Optional.of(INSTANCE),
                Optional.of("agent-1"),
                ScheduleStatus.RUNNING,
                Optional.of("Task is healthy."),
                T0),
            new StatusUpdate(
                "update-8",
                "unknown-task",
                Optional.empty(),
                Optional.empty(),
                ScheduleStatus.LOST,
                Optional.empty(),
                T0),
            OFFER,
            new OfferEvent.OfferReceived(OFFER),
            new OfferEvent.OfferRescinded("offer-1"),
            new OfferEvent.OffersReset(),
            LAUNCH,
            TASK_REF));
  }

  private static Stream<Named<Object>> named(List<Object> samples) {
    return samples.stream().map(s -> Named.of(s.getClass().getName(), s));
  }

  // ---------------------------------------------------------------------------------------------
  // Round trips
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("events")
  void everyEventRoundTripsUnchanged(Object event) {
    assertThat(serialization.verifySerialization(event, true)).isEqualTo(event);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void everyStateRoundTripsUnchanged(Object state) {
    assertThat(serialization.verifySerialization(state, true)).isEqualTo(state);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void everyCommandAndReplyRoundTripsUnchanged(Object message) {
    assertThat(serialization.verifySerialization(message, true)).isEqualTo(message);
  }

  @Test
  void successfulStatusRepliesRoundTripUnchanged() {
    for (StatusReply<?> reply :
        List.of(
            StatusReply.success(new TaskInstanceEntity.Scheduled(TASK_ID, false)),
            StatusReply.success(new JobEntity.Created(JOB, 3, "3 new tasks pending")),
            StatusReply.ack())) {
      assertThat(serialization.verifySerialization(reply, true)).isEqualTo(reply);
    }
  }

  /**
   * Refusals cross nodes inside {@code StatusReply.error}; the job and the HTTP edge tell them
   * apart by class, so the class and the sentence must both survive.
   */
  @Test
  void rejectionsKeepTheirKindAndSentence() {
    for (Rejection rejection :
        List.of(
            new Rejection.Conflict("Instance ID collision detected."),
            new Rejection.Invalid("Not all requested shards are active."),
            new Rejection.NotFound("Job www-data/prod/hello not found"),
            new Rejection.Unavailable("instances 1-2 did not answer in time; try again"),
            new Rejection.UpdateActive("u-1"))) {
      StatusReply<?> back = serialization.verifySerialization(StatusReply.error(rejection), false);
      assertThat(back.isError()).isTrue();
      assertThat(back.getError())
          .isExactlyInstanceOf(rejection.getClass())
          .hasMessage(rejection.getMessage());
    }
  }

  @Test
  void aTaskJournaledBeforeThePenaltyWasKeptReadsWithoutOne() throws IOException {
    var event = new InstanceEvent.TaskCreated(INSTANCE, THROTTLED, "www-data/prod/hello#2");
    Serialization pekko = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    Serializer serializer = pekko.findSerializerFor(event);
    String manifest = Serializers.manifestFor(serializer, event);
    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    ObjectNode tree = (ObjectNode) cbor.readTree(pekko.serialize(event).get());
    ((ObjectNode) tree.get("task")).remove("penaltyMs");

    Object old =
        pekko.deserialize(cbor.writeValueAsBytes(tree), serializer.identifier(), manifest).get();

    assertThat(old)
        .isEqualTo(
            new InstanceEvent.TaskCreated(
                INSTANCE, THROTTLED.withPenalty(0), "www-data/prod/hello#2"));
  }

  // ---------------------------------------------------------------------------------------------
  // Coverage of the samples
  // ---------------------------------------------------------------------------------------------

  @Test
  void everySerializableClassOfTheModuleHasASample() throws IOException, URISyntaxException {
    Set<Class<?>> sampled =
        Stream.of(events(), states(), messages())
            .flatMap(s -> s)
            .map(n -> n.getPayload().getClass())
            .collect(Collectors.toSet());

    Set<Class<?>> serializable = publicSerializableClasses();
    assertThat(serializable)
        .contains(InstanceEvent.TaskCreated.class, JobState.Existing.class, ScheduledTask.class);
    assertThat(sampled).containsAll(serializable);
  }

  @Test
  void theSamplesUseEveryKindOfPolymorphicContent() {
    Set<Class<?>> kinds =
        Stream.concat(
                TASK_CONFIGS.stream()
                    .flatMap(
                        c ->
                            Stream.concat(
                                c.constraints().values().stream(),
                                Stream.of(c.slaPolicy(), c.container()).flatMap(Optional::stream))),
                JOB_CONFIGS.stream().map(j -> j.updateConfig().strategy()))
            .map(Object::getClass)
            .collect(Collectors.toSet());
    Set<HealthCheck.Type> healthChecks =
        TASK_CONFIGS.stream()
            .flatMap(c -> c.healthCheck().stream())
            .map(HealthCheck::type)
            .collect(Collectors.toSet());

    for (Class<?> sealed :
        List.of(Constraint.class, Container.class, SlaPolicy.class, UpdateStrategy.class)) {
      assertThat(kinds).as(sealed.getSimpleName()).contains(sealed.getPermittedSubclasses());
    }
    assertThat(healthChecks).containsExactlyInAnyOrder(HealthCheck.Type.values());
  }

  /** Every public class of the module's main code that Pekko would serialize. */
  private static Set<Class<?>> publicSerializableClasses() throws IOException, URISyntaxException {
    Path root =
        Path.of(CborSerializable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".class"))
          .map(p -> root.relativize(p).toString())
          .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
          .map(SerializationTest::load)
          .filter(
              c ->
                  CborSerializable.class.isAssignableFrom(c)
                      && !c.isInterface()
                      && Modifier.isPublic(c.getModifiers()))
          .collect(Collectors.toSet());
    }
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, SerializationTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
