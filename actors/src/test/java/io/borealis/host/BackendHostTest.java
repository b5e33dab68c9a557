package io.borealis.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.backend.ResourceBackend;
import io.borealis.backend.StatusUpdate;
import io.borealis.common.Metrics;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.TaskInstanceEntity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The backend's host: how status updates reach their instances and are acknowledged. */
class BackendHostTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final InstanceKey INSTANCE = JobKey.parse("www-data/prod/hello").instance(0);

  @AfterAll
  static void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  private static StatusUpdate status(String updateId, String taskId) {
    return new StatusUpdate(
        updateId,
        taskId,
        Optional.of(INSTANCE),
        Optional.of("agent-1"),
        ScheduleStatus.RUNNING,
        Optional.empty(),
        Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Test
  void noMoreStatusesArePersistingAtOnceThanTheLimitAndEachIsAcknowledgedAfterItIs()
      throws Exception {
    TestProbe<ResourceBackend.Command> backend = testKit.createTestProbe();
    TestProbe<TaskInstanceEntity.Command> instance = testKit.createTestProbe();
    TestProbe<PlacementEngine.Command> placement = testKit.createTestProbe();
    CompletableFuture<ActorRef<StatusUpdate>> statuses = new CompletableFuture<>();
    ResourceBackend.Factory factory =
        ResourceBackend.Factory.of(
            "probe",
            listeners -> {
              statuses.complete(listeners.statuses());
              return Behaviors.monitor(
                  ResourceBackend.Command.class, backend.ref(), Behaviors.ignore());
            });
    testKit.spawn(
        BackendHost.create(
            factory,
            placement.ref(),
            key -> instance.ref(),
            taskId -> Optional.of(INSTANCE),
            Duration.ofSeconds(30),
            1));
    ActorRef<StatusUpdate> in = statuses.get(5, TimeUnit.SECONDS);
    Metrics metrics = Metrics.of(testKit.system());
    long receivedBefore = metrics.value(BackendHost.STATUS_UPDATES);

    in.tell(status("u1", "t1"));
    in.tell(status("u2", "t2"));
    var first = instance.expectMessageClass(TaskInstanceEntity.ApplyStatus.class);
    assertThat(first.taskId()).isEqualTo("t1");
    instance.expectNoMessage(Duration.ofMillis(200));
    // Both received; the second waits its turn.
    assertThat(metrics.value(BackendHost.STATUS_UPDATES)).isEqualTo(receivedBefore + 2);
    assertThat(metrics.value(BackendHost.STATUS_QUEUE)).isEqualTo(1);

    first.replyTo().tell(Done.getInstance());
    backend.expectMessage(new ResourceBackend.Acknowledge("t1", "u1"));
    var second = instance.expectMessageClass(TaskInstanceEntity.ApplyStatus.class);
    assertThat(second.taskId()).isEqualTo("t2");
    assertThat(metrics.value(BackendHost.STATUS_QUEUE)).isZero();
    second.replyTo().tell(Done.getInstance());
    backend.expectMessage(new ResourceBackend.Acknowledge("t2", "u2"));
  }

  @Test
  void aStatusForATaskNobodyOwnsGetsALiveTaskKilledAndIsAcknowledged() throws Exception {
    // What a reconciliation can bring back: a task the scheduler forgot (or never knew).
    TestProbe<ResourceBackend.Command> backend = testKit.createTestProbe();
    TestProbe<TaskInstanceEntity.Command> instance = testKit.createTestProbe();
    CompletableFuture<ActorRef<StatusUpdate>> statuses = new CompletableFuture<>();
    ResourceBackend.Factory factory =
        ResourceBackend.Factory.of(
            "probe",
            listeners -> {
              statuses.complete(listeners.statuses());
              return Behaviors.monitor(
                  ResourceBackend.Command.class, backend.ref(), Behaviors.ignore());
            });
    testKit.spawn(
        BackendHost.create(
            factory,
            testKit.<PlacementEngine.Command>createTestProbe().ref(),
            key -> instance.ref(),
            taskId -> Optional.empty(),
            Duration.ofSeconds(30),
            10));
    ActorRef<StatusUpdate> in = statuses.get(5, TimeUnit.SECONDS);
    Metrics metrics = Metrics.of(testKit.system());
    long illegalBefore = metrics.value(TaskInstanceEntity.ILLEGAL_TRANSITIONS);

    for (ScheduleStatus live :
        List.of(ScheduleStatus.ASSIGNED, ScheduleStatus.STARTING, ScheduleStatus.RUNNING)) {
      in.tell(unknown("u-" + live, "ghost-" + live, live));
      backend.expectMessage(new ResourceBackend.Kill("ghost-" + live, Optional.of("agent-1")));
      backend.expectMessage(new ResourceBackend.Acknowledge("ghost-" + live, "u-" + live));
    }
    // An ended task needs no kill; its status is only acknowledged.
    in.tell(unknown("u-f", "ghost-f", ScheduleStatus.FINISHED));
    backend.expectMessage(new ResourceBackend.Acknowledge("ghost-f", "u-f"));
    instance.expectNoMessage(Duration.ofMillis(100));
    // Each is an illegal transition of an unknown task, as Aurora counts it.
    assertThat(metrics.value(TaskInstanceEntity.ILLEGAL_TRANSITIONS)).isEqualTo(illegalBefore + 4);
  }

  private static StatusUpdate unknown(String updateId, String taskId, ScheduleStatus status) {
    return new StatusUpdate(
        updateId,
        taskId,
        Optional.empty(),
        Optional.of("agent-1"),
        status,
        Optional.empty(),
        Instant.parse("2026-01-01T00:00:00Z"));
  }
}
