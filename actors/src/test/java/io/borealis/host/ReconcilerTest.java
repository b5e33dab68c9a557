package io.borealis.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.TaskRef;
import io.borealis.common.Metrics;
import io.borealis.model.JobKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Periodic and requested reconciliation (aurora-semantics §6) under manual time: when runs start,
 * how an explicit run is cut into batches and paced, and the run counters.
 */
class ReconcilerTest {

  /** Short, distinct timings: first explicit at 60 s, first implicit at 90 s. */
  private static final Reconciler.Settings SETTINGS =
      new Reconciler.Settings(
          Duration.ofSeconds(60),
          Duration.ofMinutes(60),
          3,
          Duration.ofSeconds(5),
          Duration.ofMinutes(60),
          Duration.ofSeconds(30));

  private static final JobKey JOB = JobKey.parse("www-data/prod/hello");

  /** Each test has a system of its own, so the node-wide counters count its runs only. */
  private final ActorTestKit testKit =
      ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load("application-test")));

  private final ManualTime time = ManualTime.get(testKit.system());
  private final TestProbe<ResourceBackend.Command> backend = testKit.createTestProbe();

  /** The tasks on agents, as the read side would tell them; tests change it between runs. */
  private final List<TaskRef> onAgents = new CopyOnWriteArrayList<>(tasks(7));

  @AfterEach
  void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  @Test
  void theFirstExplicitRunComesAfterTheInitialDelayInPacedBatches() {
    spawn();

    time.timePasses(SETTINGS.initialDelay().minusMillis(1));
    backend.expectNoMessage(Duration.ofMillis(50));
    time.timePasses(Duration.ofMillis(1));

    // 7 tasks in batches of 3: one at once, one every 5 s.
    backend.expectMessage(new ResourceBackend.Reconcile(onAgents.subList(0, 3)));
    time.timePasses(Duration.ofSeconds(5).minusMillis(1));
    backend.expectNoMessage(Duration.ofMillis(50));
    time.timePasses(Duration.ofMillis(1));
    backend.expectMessage(new ResourceBackend.Reconcile(onAgents.subList(3, 6)));
    time.timePasses(Duration.ofSeconds(5));
    backend.expectMessage(new ResourceBackend.Reconcile(onAgents.subList(6, 7)));
    time.timePasses(Duration.ofSeconds(5));
    backend.expectNoMessage(Duration.ofMillis(50));
    metric(Reconciler.EXPLICIT_RUNS, 1);
    metric(Reconciler.IMPLICIT_RUNS, 0);
  }

  @Test
  void implicitRunsComeAfterTheSpreadAndThenEveryInterval() {
    spawn();
    onAgents.clear();
    time.timePasses(SETTINGS.initialDelay());
    // An explicit run with nothing on agents sends nothing, but it ran.
    backend.expectNoMessage(Duration.ofMillis(50));
    metric(Reconciler.EXPLICIT_RUNS, 1);

    time.timePasses(SETTINGS.scheduleSpread());
    backend.expectMessage(new ResourceBackend.Reconcile(List.of()));
    metric(Reconciler.IMPLICIT_RUNS, 1);

    time.timePasses(SETTINGS.implicitInterval().minus(SETTINGS.scheduleSpread()));
    metric(Reconciler.EXPLICIT_RUNS, 2);
    time.timePasses(SETTINGS.scheduleSpread());
    backend.expectMessage(new ResourceBackend.Reconcile(List.of()));
    metric(Reconciler.IMPLICIT_RUNS, 2);
  }

  @Test
  void aRequestedExplicitRunUsesItsOwnBatchSizeAndTheTasksAsTheyAreNow() {
    ActorRef<Reconciler.Command> reconciler = spawn();
    onAgents.add(new TaskRef("late", JOB.instance(99), Optional.empty()));

    reconciler.tell(new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.of(5)));

    backend.expectMessage(new ResourceBackend.Reconcile(onAgents.subList(0, 5)));
    time.timePasses(SETTINGS.explicitBatchInterval());
    backend.expectMessage(new ResourceBackend.Reconcile(onAgents.subList(5, 8)));
    metric(Reconciler.EXPLICIT_RUNS, 1);
  }

  @Test
  void aNewExplicitRunReplacesTheBatchesLeftOfTheOneInProgress() {
    ActorRef<Reconciler.Command> reconciler = spawn();
    reconciler.tell(new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.empty()));
    backend.expectMessage(new ResourceBackend.Reconcile(onAgents.subList(0, 3)));

    reconciler.tell(new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.of(10)));

    backend.expectMessage(new ResourceBackend.Reconcile(onAgents));
    time.timePasses(SETTINGS.explicitBatchInterval().multipliedBy(3));
    backend.expectNoMessage(Duration.ofMillis(50));
    metric(Reconciler.EXPLICIT_RUNS, 2);
  }

  @Test
  void aRequestedImplicitRunAsksForEverythingAtOnce() {
    ActorRef<Reconciler.Command> reconciler = spawn();

    reconciler.tell(new Reconciler.Trigger(Reconciler.Kind.IMPLICIT, Optional.empty()));

    backend.expectMessage(new ResourceBackend.Reconcile(List.of()));
    metric(Reconciler.IMPLICIT_RUNS, 1);
    metric(Reconciler.EXPLICIT_RUNS, 0);
  }

  @Test
  void aBatchSizeBelowOneIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.of(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private ActorRef<Reconciler.Command> spawn() {
    return testKit.spawn(Reconciler.create(backend.ref(), () -> List.copyOf(onAgents), SETTINGS));
  }

  /** A counter's value once it is {@code expected} (the reconciler bumps it on its own thread). */
  private long metric(String name, long expected) {
    return backend.awaitAssert(
        Duration.ofSeconds(3),
        () -> {
          assertThat(Metrics.of(testKit.system()).value(name)).isEqualTo(expected);
          return expected;
        });
  }

  private static List<TaskRef> tasks(int n) {
    List<TaskRef> refs = new ArrayList<>();
    IntStream.range(0, n)
        .forEach(
            i -> refs.add(new TaskRef("task-" + i, JOB.instance(i), Optional.of("agent-" + i))));
    return refs;
  }
}
