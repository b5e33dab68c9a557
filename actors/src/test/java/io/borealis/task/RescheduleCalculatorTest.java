package io.borealis.task;

import static io.borealis.model.ScheduleStatus.ASSIGNED;
import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.FINISHED;
import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.model.ScheduleStatus.LOST;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.PREEMPTING;
import static io.borealis.model.ScheduleStatus.RESTARTING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static io.borealis.model.ScheduleStatus.STARTING;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The flapping penalty of aurora-semantics §2.6 and scenario S9 of §9.3. */
class RescheduleCalculatorTest {

  private static final InstanceKey INSTANCE = new JobKey("www-data", "prod", "hello").instance(0);
  private static final TaskConfig CONFIG =
      TaskConfig.simple(INSTANCE.job(), true, Resources.of(1, 128, 128));
  private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
  private static final Duration THRESHOLD = Duration.ofMinutes(5);

  /** The backoff of S9: 0 → 100 → 200 → 300 → 300 (capped), recording what it is asked. */
  private static final class S9Backoff implements RescheduleCalculator.Backoff {
    private static final Map<Long, Long> NEXT =
        Map.of(0L, 100L, 100L, 200L, 200L, 300L, 300L, 300L);
    final List<Long> asked = new ArrayList<>();

    @Override
    public long next(long lastMs) {
      asked.add(lastMs);
      Long next = NEXT.get(lastMs);
      if (next == null) {
        throw new AssertionError("backoff asked for an unexpected previous value " + lastMs);
      }
      return next;
    }
  }

  /** Tasks by id, recording which ids the calculator looked up. */
  private static final class Store implements Function<String, Optional<ScheduledTask>> {
    final Map<String, ScheduledTask> tasks = new HashMap<>();
    final List<String> lookedUp = new ArrayList<>();

    Store with(ScheduledTask... added) {
      for (ScheduledTask t : added) {
        tasks.put(t.taskId(), t);
      }
      return this;
    }

    @Override
    public Optional<ScheduledTask> apply(String id) {
      lookedUp.add(id);
      return Optional.ofNullable(tasks.get(id));
    }
  }

  private final S9Backoff backoff = new S9Backoff();
  private final RescheduleCalculator calculator = new RescheduleCalculator(THRESHOLD, backoff);

  // ---------------------------------------------------------------------------------------------
  // S9
  // ---------------------------------------------------------------------------------------------

  @Test
  void aTaskWithoutAncestorHasNoPenalty() {
    ScheduledTask fresh = flapped("t1", Optional.empty());

    assertThat(calculator.penaltyMs(fresh, new Store().with(fresh))).isZero();
    assertThat(backoff.asked).isEmpty();
  }

  @Test
  void aTaskWhoseAncestorIsGoneHasNoPenalty() {
    ScheduledTask orphan = flapped("t2", Optional.of("t1"));

    assertThat(calculator.penaltyMs(orphan, new Store().with(orphan))).isZero();
    assertThat(backoff.asked).isEmpty();
  }

  @ParameterizedTest(name = "ancestor with {0} in its history")
  @EnumSource(
      value = ScheduleStatus.class,
      names = {"KILLING", "RESTARTING", "DRAINING"})
  void anInterruptedAncestorIsNeverPenalised(ScheduleStatus interruption) {
    // Dies 1 s after RUNNING: it would have flapped, but a user or operator interrupted it.
    ScheduledTask ancestor =
        task(
            "t1",
            Optional.empty(),
            event(0, PENDING),
            event(1, ASSIGNED),
            event(2, RUNNING),
            event(3, interruption),
            event(4, KILLED));
    ScheduledTask child = flapped("t2", Optional.of("t1"));

    assertThat(calculator.flapped(ancestor)).isFalse();
    assertThat(calculator.penaltyMs(child, new Store().with(ancestor, child))).isZero();
    assertThat(backoff.asked).isEmpty();
  }

  @Test
  void aPreemptedAncestorThatDiedQuicklyStillFlapped() {
    // Only RESTARTING, KILLING and DRAINING are interruptions in §2.6; PREEMPTING is not listed.
    ScheduledTask ancestor =
        task(
            "t1",
            Optional.empty(),
            event(0, PENDING),
            event(1, RUNNING),
            event(2, PREEMPTING),
            event(3, KILLED));

    assertThat(calculator.flapped(ancestor)).isTrue();
  }

  @Test
  void aFlappyChainGrowsThePenaltyUntilTheBackoffStopsGrowing() {
    // t7 ← t6 ← … ← t1: every ancestor failed 10 s after it started running.
    Store store = new Store();
    Optional<String> parent = Optional.empty();
    for (int i = 1; i <= 6; i++) {
      store.with(flapped("t" + i, parent));
      parent = Optional.of("t" + i);
    }
    ScheduledTask latest = flapped("t7", parent);
    store.with(latest);

    assertThat(calculator.penaltyMs(latest, store)).isEqualTo(300);
    // The walk stops at the first value that does not grow: t3 gave 300 again.
    assertThat(backoff.asked).containsExactly(0L, 100L, 200L, 300L);
    assertThat(store.lookedUp).containsExactly("t6", "t5", "t4", "t3");
  }

  @Test
  void theWalkStopsAtTheFirstAncestorThatDidNotFlap() {
    ScheduledTask t1 = flapped("t1", Optional.empty());
    ScheduledTask t2 = ranFor("t2", Optional.of("t1"), THRESHOLD.plusSeconds(1));
    ScheduledTask t3 = flapped("t3", Optional.of("t2"));
    ScheduledTask t4 = flapped("t4", Optional.of("t3"));

    assertThat(calculator.penaltyMs(t4, new Store().with(t1, t2, t3, t4))).isEqualTo(100);
    assertThat(backoff.asked).containsExactly(0L);
  }

  @Test
  void anInterruptedAncestorResetsTheChain() {
    ScheduledTask t1 = flapped("t1", Optional.empty());
    ScheduledTask t2 =
        task(
            "t2",
            Optional.of("t1"),
            event(0, PENDING),
            event(1, RUNNING),
            event(2, RESTARTING),
            event(3, FINISHED));
    ScheduledTask t3 = flapped("t3", Optional.of("t2"));
    ScheduledTask t4 = flapped("t4", Optional.of("t3"));

    assertThat(calculator.penaltyMs(t4, new Store().with(t1, t2, t3, t4))).isEqualTo(100);
  }

  // ---------------------------------------------------------------------------------------------
  // What "flapped" means
  // ---------------------------------------------------------------------------------------------

  @Test
  void aTaskThatRanLongerThanTheThresholdDidNotFlap() {
    ScheduledTask longRun = ranFor("t1", Optional.empty(), THRESHOLD.plusSeconds(1));
    ScheduledTask child = flapped("t2", Optional.of("t1"));

    assertThat(calculator.flapped(longRun)).isFalse();
    assertThat(calculator.penaltyMs(child, new Store().with(longRun, child))).isZero();
    assertThat(backoff.asked).isEmpty();
  }

  @Test
  void aTaskThatRanExactlyTheThresholdDidNotFlap() {
    // §2.6: flapped iff terminal − last active < threshold (strictly).
    assertThat(calculator.flapped(ranFor("t1", Optional.empty(), THRESHOLD))).isFalse();
    assertThat(calculator.flapped(ranFor("t1", Optional.empty(), THRESHOLD.minusMillis(1))))
        .isTrue();
  }

  @Test
  void theClockStartsAtTheMostRecentActiveStatus() {
    // Pending for an hour, then placed and dead within seconds: that is a flap.
    ScheduledTask quickAfterLongWait =
        task(
            "t1",
            Optional.empty(),
            event(0, PENDING),
            event(3600, ASSIGNED),
            event(3601, STARTING),
            event(3605, LOST));

    assertThat(calculator.flapped(quickAfterLongWait)).isTrue();
  }

  @ParameterizedTest(name = "terminal {0}")
  @EnumSource(
      value = ScheduleStatus.class,
      names = {"FINISHED", "FAILED", "KILLED", "LOST"})
  void anyQuickTerminationIsAFlap(ScheduleStatus terminal) {
    ScheduledTask t =
        task("t1", Optional.empty(), event(0, PENDING), event(5, RUNNING), event(15, terminal));

    assertThat(calculator.flapped(t)).isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // Truncated binary backoff with jitter
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1L, 42L, 2024L, 987654321L})
  void truncatedBinaryBackoffStaysWithinInitialAndMax(long seed) {
    Duration initial = Duration.ofSeconds(30);
    Duration max = Duration.ofMinutes(5);
    RescheduleCalculator.Backoff b =
        RescheduleCalculator.truncatedBinary(initial, max, new Random(seed));

    long last = 0;
    for (int step = 0; step < 50; step++) {
      long base = last == 0 ? initial.toMillis() : last;
      long next = b.next(last);
      // next = min(max, base + rand[0,1)·base)
      assertThat(next)
          .as("step %d from %d", step, last)
          .isBetween(initial.toMillis(), max.toMillis())
          .isGreaterThanOrEqualTo(Math.min(base, max.toMillis()))
          .isLessThanOrEqualTo(Math.min(2 * base, max.toMillis()));
      last = next;
    }
    // After enough steps the backoff is capped, and a capped backoff no longer grows.
    assertThat(last).isEqualTo(max.toMillis());
    assertThat(b.next(max.toMillis())).isEqualTo(max.toMillis());
  }

  @Test
  void theFirstBackoffIsBetweenOnceAndTwiceTheInitialDelay() {
    Random random = new Random(7);
    RescheduleCalculator.Backoff b =
        RescheduleCalculator.truncatedBinary(Duration.ofSeconds(30), Duration.ofMinutes(5), random);
    for (int i = 0; i < 100; i++) {
      assertThat(b.next(0)).isBetween(30_000L, 60_000L);
    }
  }

  @Test
  void aSeededBackoffIsReproducible() {
    RescheduleCalculator.Backoff a =
        RescheduleCalculator.truncatedBinary(
            Duration.ofSeconds(30), Duration.ofMinutes(5), new Random(99));
    RescheduleCalculator.Backoff b =
        RescheduleCalculator.truncatedBinary(
            Duration.ofSeconds(30), Duration.ofMinutes(5), new Random(99));
    long la = 0;
    long lb = 0;
    for (int i = 0; i < 10; i++) {
      la = a.next(la);
      lb = b.next(lb);
      assertThat(la).isEqualTo(lb);
    }
  }

  @Test
  void aFlappyChainWithTheRealBackoffIsCappedAtTheMaximum() {
    RescheduleCalculator real =
        new RescheduleCalculator(
            THRESHOLD,
            RescheduleCalculator.truncatedBinary(
                Duration.ofSeconds(30), Duration.ofMinutes(5), new Random(3)));
    Store store = new Store();
    Optional<String> parent = Optional.empty();
    for (int i = 1; i <= 40; i++) {
      store.with(flapped("t" + i, parent));
      parent = Optional.of("t" + i);
    }
    ScheduledTask latest = flapped("t41", parent);

    assertThat(real.penaltyMs(latest, store)).isEqualTo(Duration.ofMinutes(5).toMillis());
    // It stopped once capped, long before reaching the root of the lineage.
    assertThat(store.lookedUp).doesNotContain("t1");
  }

  @Test
  void auroraDefaultsForFlapping() {
    assertThat(TaskSettings.DEFAULT.flappingThreshold()).isEqualTo(Duration.ofMinutes(5));
    assertThat(TaskSettings.DEFAULT.initialFlappingPenalty()).isEqualTo(Duration.ofSeconds(30));
    assertThat(TaskSettings.DEFAULT.maxFlappingPenalty()).isEqualTo(Duration.ofMinutes(5));
  }

  // ---------------------------------------------------------------------------------------------
  // Fixtures
  // ---------------------------------------------------------------------------------------------

  private static TaskEvent event(long secondsAfterT0, ScheduleStatus status) {
    return new TaskEvent(T0.plusSeconds(secondsAfterT0), status, Optional.empty());
  }

  private static ScheduledTask task(String id, Optional<String> ancestor, TaskEvent... events) {
    ScheduleStatus status = events[events.length - 1].status();
    return new ScheduledTask(
        id, INSTANCE, CONFIG, status, 0, 0, ancestor, Optional.empty(), List.of(events));
  }

  /** A task that failed 10 s after it started running. */
  private static ScheduledTask flapped(String id, Optional<String> ancestor) {
    return task(
        id,
        ancestor,
        event(0, PENDING),
        event(1, ASSIGNED),
        event(2, STARTING),
        event(3, RUNNING),
        event(13, FAILED));
  }

  /** A task that failed {@code ran} after it started running. */
  private static ScheduledTask ranFor(String id, Optional<String> ancestor, Duration ran) {
    TaskEvent running = event(3, RUNNING);
    return task(
        id,
        ancestor,
        event(0, PENDING),
        event(1, ASSIGNED),
        running,
        new TaskEvent(running.timestamp().plus(ran), FAILED, Optional.empty()));
  }
}
