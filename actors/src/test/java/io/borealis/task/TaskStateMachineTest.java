package io.borealis.task;

import static io.borealis.task.SideEffect.DELETE;
import static io.borealis.task.SideEffect.INCREMENT_FAILURES;
import static io.borealis.task.SideEffect.KILL;
import static io.borealis.task.SideEffect.RESCHEDULE;
import static io.borealis.task.SideEffect.SAVE_STATE;
import static io.borealis.task.SideEffect.TRANSITION_TO_LOST;
import static io.borealis.task.StateChangeResult.ILLEGAL;
import static io.borealis.task.StateChangeResult.ILLEGAL_WITH_SIDE_EFFECTS;
import static io.borealis.task.StateChangeResult.INVALID_CAS_STATE;
import static io.borealis.task.StateChangeResult.NOOP;
import static io.borealis.task.StateChangeResult.SUCCESS;
import static io.borealis.task.TaskState.ASSIGNED;
import static io.borealis.task.TaskState.DELETED;
import static io.borealis.task.TaskState.DRAINING;
import static io.borealis.task.TaskState.FAILED;
import static io.borealis.task.TaskState.FINISHED;
import static io.borealis.task.TaskState.INIT;
import static io.borealis.task.TaskState.KILLED;
import static io.borealis.task.TaskState.KILLING;
import static io.borealis.task.TaskState.LOST;
import static io.borealis.task.TaskState.PARTITIONED;
import static io.borealis.task.TaskState.PENDING;
import static io.borealis.task.TaskState.PREEMPTING;
import static io.borealis.task.TaskState.RESTARTING;
import static io.borealis.task.TaskState.RUNNING;
import static io.borealis.task.TaskState.STARTING;
import static io.borealis.task.TaskState.THROTTLED;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.ScheduleStatus;
import io.borealis.task.TaskStateMachine.TaskFacts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The task state machine against aurora-semantics §2.1–§2.3 and the scenarios of §9.2.
 *
 * <p>The expected table below is transcribed from the spec, cell by cell; it is deliberately not
 * derived from {@link TaskStateMachine}'s own table. Cells whose side effects depend on the task
 * (service flag, failure limits, a KILLING in the history) are checked under every {@link Variant}.
 */
class TaskStateMachineTest {

  // ---------------------------------------------------------------------------------------------
  // The expected table (§2.3), written as spec-like cells.
  // ---------------------------------------------------------------------------------------------

  /** Aurora's execution order of side effects (§2.1), independent of the enum's declaration. */
  private static final List<SideEffect> AURORA_ORDER =
      List.of(INCREMENT_FAILURES, SAVE_STATE, RESCHEDULE, TRANSITION_TO_LOST, KILL, DELETE);

  /** The sources marked ☠ in §2.3: told to become ASSIGNED/STARTING/RUNNING, they get a KILL. */
  private static final Set<TaskState> ZOMBIE_SOURCES =
      EnumSet.of(
          PREEMPTING, RESTARTING, DRAINING, KILLING, FINISHED, FAILED, KILLED, LOST, DELETED);

  private static final Set<TaskState> START_TARGETS = EnumSet.of(ASSIGNED, STARTING, RUNNING);

  /**
   * Facts of a stored task that side effects may depend on, with what §2.2 says the failure rule
   * does for them (written by hand from the spec's examples, not computed by the rule).
   */
  private record Variant(
      String name,
      boolean service,
      int maxTaskFailures,
      int failureCount,
      boolean everKilling,
      boolean failureReschedules) {

    Variant withKillingInHistory() {
      return new Variant(
          name + ", KILLING in history",
          service,
          maxTaskFailures,
          failureCount,
          true,
          failureReschedules);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<Variant> BASE_VARIANTS =
      List.of(
          // §2.2: max=0 → never retried; max=1 → never retried.
          new Variant("batch, max 0, 0 failures", false, 0, 0, false, false),
          new Variant("batch, max 1, 0 failures", false, 1, 0, false, false),
          new Variant("batch, max 2, 0 failures", false, 2, 0, false, true),
          new Variant("batch, max 2, 1 failure", false, 2, 1, false, false),
          // §2.2: max=10, count=8 → reschedule; count=9 → stop.
          new Variant("batch, max 10, 8 failures", false, 10, 8, false, true),
          new Variant("batch, max 10, 9 failures", false, 10, 9, false, false),
          // §2.2: maxTaskFailures == -1 → always rescheduled.
          new Variant("batch, unlimited, 1000 failures", false, -1, 1000, false, true),
          // §2.2: services are always rescheduled.
          new Variant("service, max 0, 0 failures", true, 0, 0, false, true),
          new Variant("service, max 1, 5 failures", true, 1, 5, false, true),
          new Variant("service, max 10, 9 failures", true, 10, 9, false, true));

  private static final List<Variant> VARIANTS =
      Stream.concat(
              BASE_VARIANTS.stream(), BASE_VARIANTS.stream().map(Variant::withKillingInHistory))
          .toList();

  /** An outcome: the verdict and the side effects in Aurora's order. */
  private record Outcome(StateChangeResult result, List<SideEffect> effects) {
    static Outcome of(TransitionResult r) {
      // The actual iteration order is kept: it must be Aurora's.
      return new Outcome(r.result(), new ArrayList<>(r.sideEffects()));
    }
  }

  /** One cell of the table: the outcome for a task with the given facts. */
  private interface Cell extends Function<Variant, Outcome> {}

  private static List<SideEffect> inAuroraOrder(Iterable<SideEffect> effects) {
    List<SideEffect> list = new ArrayList<>();
    effects.forEach(list::add);
    list.sort(Comparator.comparingInt(AURORA_ORDER::indexOf));
    return list;
  }

  private static List<SideEffect> inAuroraOrder(SideEffect... effects) {
    return inAuroraOrder(Arrays.asList(effects));
  }

  /** Allowed, with exactly these side effects whatever the task. */
  private static Cell legalTransition(SideEffect... effects) {
    return v -> new Outcome(SUCCESS, inAuroraOrder(effects));
  }

  /** Allowed; "(+svc?)": RESCHEDULE is added for service tasks only. */
  private static Cell legalTransitionReschedulingServices(SideEffect... effects) {
    return v -> {
      List<SideEffect> list = new ArrayList<>(Arrays.asList(effects));
      if (v.service()) {
        list.add(RESCHEDULE);
      }
      return new Outcome(SUCCESS, inAuroraOrder(list));
    };
  }

  /** Allowed; "incr rule" of §2.2: INCREMENT_FAILURES always, RESCHEDULE per the rule. */
  private static Cell failureRule() {
    return v -> {
      List<SideEffect> list = new ArrayList<>(List.of(SAVE_STATE, INCREMENT_FAILURES));
      if (v.failureReschedules()) {
        list.add(RESCHEDULE);
      }
      return new Outcome(SUCCESS, inAuroraOrder(list));
    };
  }

  /** PARTITIONED → LOST: SAVE+KILL, plus RESCHEDULE only if the history never contained KILLING. */
  private static Cell partitionedToLost() {
    return v -> {
      List<SideEffect> list = new ArrayList<>(List.of(SAVE_STATE, KILL));
      if (!v.everKilling()) {
        list.add(RESCHEDULE);
      }
      return new Outcome(SUCCESS, inAuroraOrder(list));
    };
  }

  private static Cell noop() {
    return v -> new Outcome(NOOP, List.of());
  }

  private static Cell illegal() {
    return v -> new Outcome(ILLEGAL, List.of());
  }

  private static Cell illegalButKill() {
    return v -> new Outcome(ILLEGAL_WITH_SIDE_EFFECTS, List.of(KILL));
  }

  /** The allowed cells of §2.3, by source; everything else is filled in by {@link #expected}. */
  private static final Map<TaskState, Map<TaskState, Cell>> ALLOWED =
      new EnumMap<>(TaskState.class);

  private static Row from(TaskState from) {
    return new Row(ALLOWED.computeIfAbsent(from, s -> new EnumMap<>(TaskState.class)));
  }

  private record Row(Map<TaskState, Cell> cells) {
    Row to(TaskState to, Cell cell) {
      if (cells.put(to, cell) != null) {
        throw new IllegalStateException("cell written twice: " + to);
      }
      return this;
    }
  }

  static {
    // | INIT | PENDING: SAVE · THROTTLED: SAVE |
    from(INIT).to(PENDING, legalTransition(SAVE_STATE)).to(THROTTLED, legalTransition(SAVE_STATE));

    // | THROTTLED | PENDING: SAVE · KILLING: DELETE only |
    from(THROTTLED).to(PENDING, legalTransition(SAVE_STATE)).to(KILLING, legalTransition(DELETE));

    // | PENDING | ASSIGNED: SAVE · KILLING: DELETE only |
    from(PENDING).to(ASSIGNED, legalTransition(SAVE_STATE)).to(KILLING, legalTransition(DELETE));

    // | ASSIGNED | STARTING: SAVE · RUNNING: SAVE · FINISHED: SAVE (+svc?) · FAILED: incr rule ·
    //   RESTARTING / DRAINING / PREEMPTING / KILLING: SAVE+KILL · KILLED: SAVE+RESCHEDULE ·
    //   LOST: SAVE+RESCHEDULE+KILL. (No PARTITIONED.) |
    from(ASSIGNED)
        .to(STARTING, legalTransition(SAVE_STATE))
        .to(RUNNING, legalTransition(SAVE_STATE))
        .to(FINISHED, legalTransitionReschedulingServices(SAVE_STATE))
        .to(FAILED, failureRule())
        .to(RESTARTING, legalTransition(SAVE_STATE, KILL))
        .to(DRAINING, legalTransition(SAVE_STATE, KILL))
        .to(PREEMPTING, legalTransition(SAVE_STATE, KILL))
        .to(KILLING, legalTransition(SAVE_STATE, KILL))
        .to(KILLED, legalTransition(SAVE_STATE, RESCHEDULE))
        .to(LOST, legalTransition(SAVE_STATE, RESCHEDULE, KILL));

    // | STARTING | RUNNING: SAVE · FINISHED: SAVE (+svc?) · FAILED: incr rule ·
    //   RESTARTING / DRAINING / PREEMPTING / KILLING: SAVE+KILL · KILLED: SAVE+RESCHEDULE ·
    //   LOST: SAVE+RESCHEDULE (no KILL) · PARTITIONED: SAVE |
    from(STARTING)
        .to(RUNNING, legalTransition(SAVE_STATE))
        .to(FINISHED, legalTransitionReschedulingServices(SAVE_STATE))
        .to(FAILED, failureRule())
        .to(RESTARTING, legalTransition(SAVE_STATE, KILL))
        .to(DRAINING, legalTransition(SAVE_STATE, KILL))
        .to(PREEMPTING, legalTransition(SAVE_STATE, KILL))
        .to(KILLING, legalTransition(SAVE_STATE, KILL))
        .to(KILLED, legalTransition(SAVE_STATE, RESCHEDULE))
        .to(LOST, legalTransition(SAVE_STATE, RESCHEDULE))
        .to(PARTITIONED, legalTransition(SAVE_STATE));

    // | RUNNING | same as STARTING (minus RUNNING) |
    from(RUNNING)
        .to(FINISHED, legalTransitionReschedulingServices(SAVE_STATE))
        .to(FAILED, failureRule())
        .to(RESTARTING, legalTransition(SAVE_STATE, KILL))
        .to(DRAINING, legalTransition(SAVE_STATE, KILL))
        .to(PREEMPTING, legalTransition(SAVE_STATE, KILL))
        .to(KILLING, legalTransition(SAVE_STATE, KILL))
        .to(KILLED, legalTransition(SAVE_STATE, RESCHEDULE))
        .to(LOST, legalTransition(SAVE_STATE, RESCHEDULE))
        .to(PARTITIONED, legalTransition(SAVE_STATE));

    // | PARTITIONED | RUNNING / ASSIGNED / STARTING / FINISHED: SAVE (FINISHED does not
    //   reschedule even for svc) · FAILED: incr rule · LOST: SAVE+KILL, plus RESCHEDULE only if
    //   the history never contained KILLING · KILLING / RESTARTING / DRAINING / PREEMPTING:
    //   SAVE + TRANSITION_TO_LOST. (PARTITIONED→KILLED is illegal.) |
    from(PARTITIONED)
        .to(RUNNING, legalTransition(SAVE_STATE))
        .to(ASSIGNED, legalTransition(SAVE_STATE))
        .to(STARTING, legalTransition(SAVE_STATE))
        .to(FINISHED, legalTransition(SAVE_STATE))
        .to(FAILED, failureRule())
        .to(LOST, partitionedToLost())
        .to(KILLING, legalTransition(SAVE_STATE, TRANSITION_TO_LOST))
        .to(RESTARTING, legalTransition(SAVE_STATE, TRANSITION_TO_LOST))
        .to(DRAINING, legalTransition(SAVE_STATE, TRANSITION_TO_LOST))
        .to(PREEMPTING, legalTransition(SAVE_STATE, TRANSITION_TO_LOST));

    // | PREEMPTING, RESTARTING, DRAINING ☠ | FINISHED / FAILED / KILLED: SAVE+RESCHEDULE (no
    //   failure increment) · KILLING: SAVE · LOST: SAVE+RESCHEDULE+KILL ·
    //   PARTITIONED: SAVE+TRANSITION_TO_LOST |
    for (TaskState interrupted : List.of(PREEMPTING, RESTARTING, DRAINING)) {
      from(interrupted)
          .to(FINISHED, legalTransition(SAVE_STATE, RESCHEDULE))
          .to(FAILED, legalTransition(SAVE_STATE, RESCHEDULE))
          .to(KILLED, legalTransition(SAVE_STATE, RESCHEDULE))
          .to(KILLING, legalTransition(SAVE_STATE))
          .to(LOST, legalTransition(SAVE_STATE, RESCHEDULE, KILL))
          .to(PARTITIONED, legalTransition(SAVE_STATE, TRANSITION_TO_LOST));
    }

    // | KILLING ☠ | FINISHED / FAILED / KILLED / LOST: SAVE (never rescheduled) ·
    //   PARTITIONED: SAVE+TRANSITION_TO_LOST · DELETED: DELETE |
    from(KILLING)
        .to(FINISHED, legalTransition(SAVE_STATE))
        .to(FAILED, legalTransition(SAVE_STATE))
        .to(KILLED, legalTransition(SAVE_STATE))
        .to(LOST, legalTransition(SAVE_STATE))
        .to(PARTITIONED, legalTransition(SAVE_STATE, TRANSITION_TO_LOST))
        .to(DELETED, legalTransition(DELETE));

    // | FINISHED, FAILED, KILLED, LOST ☠ | DELETED: DELETE. All else illegal. |
    for (TaskState terminal : List.of(FINISHED, FAILED, KILLED, LOST)) {
      from(terminal).to(DELETED, legalTransition(DELETE));
    }

    // | DELETED (unknown id) ☠ | nothing allowed |
    from(DELETED);
  }

  /**
   * The expected cell for any pair: the allowed cells above; otherwise same state ⇒ NOOP (which
   * covers unknown→DELETED), ☠ source to ASSIGNED/STARTING/RUNNING ⇒ ILLEGAL_WITH_SIDE_EFFECTS
   * {KILL}, else ILLEGAL without effects (§9.2 T20).
   */
  private static Cell expected(TaskState from, TaskState to) {
    Cell allowed = ALLOWED.get(from).get(to);
    if (allowed != null) {
      return allowed;
    }
    if (from == to) {
      return noop();
    }
    if (ZOMBIE_SOURCES.contains(from) && START_TARGETS.contains(to)) {
      return illegalButKill();
    }
    return illegal();
  }

  private static Optional<TaskFacts> factsOf(TaskState from, Variant v) {
    if (from == DELETED) {
      return Optional.empty();
    }
    return Optional.of(
        new TaskFacts(
            ScheduleStatus.valueOf(from.name()),
            v.service(),
            v.maxTaskFailures(),
            v.failureCount(),
            v.everKilling()));
  }

  /** An unknown task has no facts, so one variant is enough for it. */
  private static List<Variant> variantsFor(TaskState from) {
    return from == DELETED ? List.of(BASE_VARIANTS.get(0)) : VARIANTS;
  }

  static Stream<Arguments> everyPair() {
    return Arrays.stream(TaskState.values())
        .flatMap(from -> Arrays.stream(TaskState.values()).map(to -> Arguments.of(from, to)));
  }

  // ---------------------------------------------------------------------------------------------
  // T20: the exhaustive matrix.
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("everyPair")
  @DisplayName("T20: every (from, to) pair yields the verdict and side effects of the §2.3 table")
  void everyTransitionMatchesTheAuroraTable(TaskState from, TaskState to) {
    SoftAssertions softly = new SoftAssertions();
    for (Variant v : variantsFor(from)) {
      Outcome expected = expected(from, to).apply(v);
      Outcome actual = Outcome.of(TaskStateMachine.transition(factsOf(from, v), to));
      softly
          .assertThat(actual)
          .as("%s -> %s for %s", from, to, from == DELETED ? "an unknown task" : v)
          .isEqualTo(expected);
    }
    softly.assertAll();
  }

  @Test
  void theMatrixCoversAllSixteenStatesIncludingDeleted() {
    assertThat(everyPair()).hasSize(16 * 16);
    assertThat(ALLOWED.keySet()).containsExactlyInAnyOrder(TaskState.values());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("everyPair")
  void aPairIsAllowedExactlyWhenTheTableListsIt(TaskState from, TaskState to) {
    assertThat(TaskStateMachine.isAllowed(from, to))
        .as("isAllowed(%s, %s)", from, to)
        .isEqualTo(ALLOWED.get(from).containsKey(to));
  }

  @Test
  void sideEffectsIterateInAuroraOrder() {
    TransitionResult r =
        TaskStateMachine.transition(
            Optional.of(new TaskFacts(ScheduleStatus.ASSIGNED, false, 0, 0, false)), LOST);
    assertThat(r.sideEffects()).containsExactly(SAVE_STATE, RESCHEDULE, KILL);

    TransitionResult failed =
        TaskStateMachine.transition(
            Optional.of(new TaskFacts(ScheduleStatus.RUNNING, true, 0, 0, false)), FAILED);
    assertThat(failed.sideEffects()).containsExactly(INCREMENT_FAILURES, SAVE_STATE, RESCHEDULE);
  }

  @Test
  @DisplayName("T20 notable cells, spelled out")
  void notableCellsOfTheMatrix() {
    verdict(attempt(batch(ASSIGNED, false), LOST)).isSuccessWith(SAVE_STATE, KILL, RESCHEDULE);
    verdict(attempt(batch(STARTING, false), LOST)).isSuccessWith(SAVE_STATE, RESCHEDULE);
    verdict(attempt(batch(RUNNING, false), LOST)).isSuccessWith(SAVE_STATE, RESCHEDULE);
    verdict(attempt(batch(STARTING, false), PARTITIONED)).isSuccessWith(SAVE_STATE);
    verdict(attempt(batch(RUNNING, false), PARTITIONED)).isSuccessWith(SAVE_STATE);
    for (TaskState interrupted : List.of(PREEMPTING, RESTARTING, DRAINING)) {
      verdict(attempt(batch(interrupted, false), FAILED)).isSuccessWith(SAVE_STATE, RESCHEDULE);
      verdict(attempt(batch(interrupted, false), KILLING)).isSuccessWith(SAVE_STATE);
      verdict(attempt(batch(interrupted, false), LOST)).isSuccessWith(SAVE_STATE, KILL, RESCHEDULE);
      verdict(attempt(batch(interrupted, false), PARTITIONED))
          .isSuccessWith(SAVE_STATE, TRANSITION_TO_LOST);
    }
    for (TaskState terminal : List.of(FINISHED, FAILED, KILLED, LOST)) {
      verdict(attempt(batch(KILLING, true), terminal)).isSuccessWith(SAVE_STATE);
    }
    verdict(attempt(batch(PARTITIONED, false), FAILED))
        .isSuccessWith(SAVE_STATE, INCREMENT_FAILURES);
    verdict(attempt(batch(PARTITIONED, false), LOST)).isSuccessWith(SAVE_STATE, KILL, RESCHEDULE);
  }

  // ---------------------------------------------------------------------------------------------
  // Fact-dependent cells, named.
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> FINISHED")
  @EnumSource(
      value = TaskState.class,
      names = {"ASSIGNED", "STARTING", "RUNNING"})
  void aFinishedServiceIsRescheduledButAFinishedBatchTaskIsNot(TaskState from) {
    verdict(attempt(facts(from, true, 0, 0, false), FINISHED))
        .isSuccessWith(SAVE_STATE, RESCHEDULE);
    verdict(attempt(facts(from, false, 0, 0, false), FINISHED)).isSuccessWith(SAVE_STATE);
  }

  @Test
  void aPartitionedServiceThatFinishesIsNotRescheduled() {
    verdict(attempt(facts(PARTITIONED, true, 0, 0, false), FINISHED)).isSuccessWith(SAVE_STATE);
  }

  @ParameterizedTest(name = "service={0}, max={1}, failures={2} ⇒ rescheduled={3}")
  @CsvSource({
    "false, 10, 8, true",
    "false, 10, 9, false",
    "false, 1, 0, false",
    "false, 0, 0, false",
    "false, -1, 1000, true",
    "false, 3, 1, true",
    "false, 3, 2, false",
    "true, 0, 0, true",
    "true, 1, 7, true"
  })
  void aFailureIsAlwaysCountedAndRescheduledPerTheFailureRule(
      boolean service, int max, int failures, boolean rescheduled) {
    for (TaskState from : List.of(ASSIGNED, STARTING, RUNNING, PARTITIONED)) {
      TransitionResult r = attempt(facts(from, service, max, failures, false), FAILED);
      assertThat(r.result()).as("%s -> FAILED", from).isEqualTo(SUCCESS);
      assertThat(r.sideEffects())
          .as("%s -> FAILED", from)
          .containsExactlyInAnyOrderElementsOf(
              rescheduled
                  ? List.of(INCREMENT_FAILURES, SAVE_STATE, RESCHEDULE)
                  : List.of(INCREMENT_FAILURES, SAVE_STATE));
    }
  }

  @ParameterizedTest(name = "service={0}")
  @CsvSource({"false", "true"})
  void aPartitionedTaskThatIsLostIsRescheduledOnlyIfItWasNeverKilling(boolean service) {
    verdict(attempt(facts(PARTITIONED, service, 0, 0, false), LOST))
        .isSuccessWith(SAVE_STATE, RESCHEDULE, KILL);
    verdict(attempt(facts(PARTITIONED, service, 0, 0, true), LOST)).isSuccessWith(SAVE_STATE, KILL);
  }

  @ParameterizedTest(name = "{0} -> FAILED")
  @EnumSource(
      value = TaskState.class,
      names = {"PREEMPTING", "RESTARTING", "DRAINING"})
  void anInterruptedTaskIsRescheduledWithoutAFailureEvenAtItsFailureLimit(TaskState from) {
    for (TaskState exit : List.of(FINISHED, FAILED, KILLED)) {
      verdict(attempt(facts(from, false, 1, 0, false), exit))
          .as("%s -> %s", from, exit)
          .isSuccessWith(SAVE_STATE, RESCHEDULE);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Scenarios T1–T19 of §9.2 (non-service, maxTaskFailures 0 unless stated).
  // ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("T1: a batch task runs to completion and is deleted")
  void t1BatchTaskRunsToCompletionAndIsDeleted() {
    Walk.batchTask()
        .saves(PENDING)
        .saves(ASSIGNED)
        .saves(STARTING)
        .saves(RUNNING)
        .saves(FINISHED)
        .then(DELETED, SUCCESS, DELETE)
        .then(DELETED, NOOP);
  }

  @Test
  @DisplayName("T2: a service that finishes is rescheduled")
  void t2FinishedServiceIsRescheduled() {
    Walk.serviceTask()
        .saves(PENDING)
        .saves(ASSIGNED)
        .saves(STARTING)
        .saves(RUNNING)
        .then(FINISHED, SUCCESS, SAVE_STATE, RESCHEDULE);
  }

  @Test
  @DisplayName("T3: a killed service that is partitioned is lost, killed and not rescheduled")
  void t3KillingThenPartitionedServiceIsLostWithoutReschedule() {
    Walk.serviceTask()
        .saves(PENDING)
        .saves(ASSIGNED)
        .saves(STARTING)
        .saves(RUNNING)
        .then(KILLING, SUCCESS, SAVE_STATE, KILL)
        .then(PARTITIONED, SUCCESS, SAVE_STATE, TRANSITION_TO_LOST)
        // The follow-up of TRANSITION_TO_LOST: the history contains KILLING.
        .then(LOST, SUCCESS, SAVE_STATE, KILL);
  }

  @ParameterizedTest(name = "RUNNING -> {0}")
  @EnumSource(
      value = TaskState.class,
      names = {"FAILED", "FINISHED", "KILLED", "LOST"})
  @DisplayName("T4: a running task reaches a terminal state, then stays there")
  void t4RunningTaskReachesATerminalStateAndStaysThere(TaskState terminal) {
    Map<TaskState, SideEffect[]> effects =
        Map.of(
            FAILED, new SideEffect[] {SAVE_STATE, INCREMENT_FAILURES},
            FINISHED, new SideEffect[] {SAVE_STATE},
            KILLED, new SideEffect[] {SAVE_STATE, RESCHEDULE},
            LOST, new SideEffect[] {SAVE_STATE, RESCHEDULE});
    Walk walk = Walk.batchTask().running().then(terminal, SUCCESS, effects.get(terminal));
    walk.then(terminal, NOOP);
    for (TaskState other : List.of(FAILED, FINISHED, KILLED, LOST)) {
      if (other != terminal) {
        walk.then(other, ILLEGAL);
      }
    }
  }

  @ParameterizedTest(name = "RUNNING -> {0} -> DELETED")
  @EnumSource(
      value = TaskState.class,
      names = {"FAILED", "FINISHED", "KILLED", "LOST"})
  @DisplayName("T5: a terminal task can be deleted")
  void t5TerminalTaskIsDeleted(TaskState terminal) {
    Walk.batchTask().running().succeeds(terminal).then(DELETED, SUCCESS, DELETE);
  }

  @ParameterizedTest(name = "unknown -> {0}")
  @EnumSource(
      value = TaskState.class,
      names = {"ASSIGNED", "STARTING", "RUNNING"})
  @DisplayName("T6: a status update for an unknown task kills it")
  void t6UnknownTaskReportedAliveIsKilled(TaskState target) {
    Walk.unknownTask().then(target, ILLEGAL_WITH_SIDE_EFFECTS, KILL);
  }

  @Test
  @DisplayName("T7: a lost running task is rescheduled")
  void t7LostRunningTaskIsRescheduled() {
    Walk.batchTask().running().then(LOST, SUCCESS, SAVE_STATE, RESCHEDULE);
  }

  @Test
  @DisplayName("T8: killing a pending task deletes it")
  void t8KillingAPendingTaskDeletesIt() {
    Walk.batchTask().saves(PENDING).then(KILLING, SUCCESS, DELETE).then(DELETED, NOOP);
  }

  @ParameterizedTest(name = "RUNNING -> {0} -> FINISHED")
  @EnumSource(
      value = TaskState.class,
      names = {"RESTARTING", "DRAINING"})
  @DisplayName("T9/T12: a restarted or drained task is killed, then rescheduled when it exits")
  void t9t12InterruptedTaskIsKilledThenRescheduled(TaskState interruption) {
    Walk.batchTask()
        .running()
        .then(interruption, SUCCESS, SAVE_STATE, KILL)
        .then(FINISHED, SUCCESS, SAVE_STATE, RESCHEDULE);
  }

  @ParameterizedTest(name = "{0} -> RUNNING")
  @EnumSource(
      value = TaskState.class,
      names = {"RESTARTING", "DRAINING"})
  @DisplayName("T10/T13: an interrupted task reported running again is killed again")
  void t10t13InterruptedTaskReportedRunningIsKilledAgain(TaskState interruption) {
    Walk.batchTask()
        .running()
        .succeeds(interruption)
        .then(RUNNING, ILLEGAL_WITH_SIDE_EFFECTS, KILL);
  }

  @ParameterizedTest(name = "PENDING -> {0}")
  @EnumSource(
      value = TaskState.class,
      names = {"RESTARTING", "DRAINING"})
  @DisplayName("T11/T14: a pending task cannot be restarted or drained")
  void t11t14PendingTaskCannotBeInterrupted(TaskState interruption) {
    Walk.batchTask().saves(PENDING).then(interruption, ILLEGAL);
  }

  @Test
  @DisplayName("T15: a task may skip STARTING and RUNNING")
  void t15TaskMaySkipStates() {
    Walk.batchTask().saves(PENDING).saves(ASSIGNED).saves(FINISHED);
    Walk.batchTask().saves(PENDING).saves(ASSIGNED).saves(STARTING).saves(FINISHED);
  }

  @Test
  @DisplayName("T16: a failing task is rescheduled until its failure limit")
  void t16FailureLimitStopsRescheduling() {
    Walk.task(false, 10, 8)
        .running()
        .then(FAILED, SUCCESS, SAVE_STATE, INCREMENT_FAILURES, RESCHEDULE);
    Walk.task(false, 10, 9).running().then(FAILED, SUCCESS, SAVE_STATE, INCREMENT_FAILURES);
  }

  @Test
  @DisplayName("T17: unlimited failures are always rescheduled")
  void t17UnlimitedFailuresAreAlwaysRescheduled() {
    Walk.task(false, -1, 1000)
        .running()
        .then(FAILED, SUCCESS, SAVE_STATE, INCREMENT_FAILURES, RESCHEDULE);
  }

  @Test
  @DisplayName("T18: a killed task is saved as KILLED and not rescheduled")
  void t18KillingThenKilledIsNotRescheduled() {
    Walk.batchTask().running().then(KILLING, SUCCESS, KILL, SAVE_STATE).saves(KILLED);
  }

  @Test
  @DisplayName("T19: a throttled task becomes pending")
  void t19ThrottledTaskBecomesPending() {
    Walk.batchTask().saves(THROTTLED).saves(PENDING);
  }

  @Test
  void aFailedTaskCountsOneMoreFailureAlongTheWalk() {
    // The walk itself follows INCREMENT_FAILURES: max 3 allows two reschedules (counts 0 and 1).
    Walk.task(false, 3, 0)
        .running()
        .then(FAILED, SUCCESS, SAVE_STATE, INCREMENT_FAILURES, RESCHEDULE)
        .assertFailureCount(1);
  }

  // ---------------------------------------------------------------------------------------------
  // Compare-and-set (§2.1).
  // ---------------------------------------------------------------------------------------------

  @Test
  void casFailsWhenTheTaskIsInAnotherStatus() {
    TransitionResult r =
        TaskStateMachine.transition(
            Optional.of(facts(RUNNING, false, 0, 0, false)),
            Optional.of(ScheduleStatus.ASSIGNED),
            LOST);
    assertThat(r.result()).isEqualTo(INVALID_CAS_STATE);
    assertThat(r.sideEffects()).isEmpty();
  }

  @Test
  void casFailsWhenTheTaskIsUnknownAndSendsNoKill() {
    TransitionResult r =
        TaskStateMachine.transition(Optional.empty(), Optional.of(ScheduleStatus.RUNNING), RUNNING);
    assertThat(r.result()).isEqualTo(INVALID_CAS_STATE);
    assertThat(r.sideEffects()).isEmpty();
  }

  @Test
  void casOnTheCurrentStatusBehavesLikeAPlainTransition() {
    TransitionResult r =
        TaskStateMachine.transition(
            Optional.of(facts(ASSIGNED, false, 0, 0, false)),
            Optional.of(ScheduleStatus.ASSIGNED),
            LOST);
    verdict(r).isSuccessWith(SAVE_STATE, RESCHEDULE, KILL);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("everyPair")
  void casWithAnyOtherExpectedStatusIsInvalidAndCasWithTheRightOneIsTheTable(
      TaskState from, TaskState to) {
    SoftAssertions softly = new SoftAssertions();
    Variant v = BASE_VARIANTS.get(0);
    Optional<TaskFacts> task = factsOf(from, v);
    for (ScheduleStatus expected : ScheduleStatus.values()) {
      TransitionResult r = TaskStateMachine.transition(task, Optional.of(expected), to);
      if (from != DELETED && expected.name().equals(from.name())) {
        softly
            .assertThat(Outcome.of(r))
            .as("CAS %s on %s -> %s", expected, from, to)
            .isEqualTo(expected(from, to).apply(v));
      } else {
        softly
            .assertThat(Outcome.of(r))
            .as("CAS %s on %s -> %s", expected, from, to)
            .isEqualTo(new Outcome(INVALID_CAS_STATE, List.of()));
      }
    }
    softly.assertAll();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers.
  // ---------------------------------------------------------------------------------------------

  private static TaskFacts facts(
      TaskState status, boolean service, int max, int failures, boolean everKilling) {
    return new TaskFacts(
        ScheduleStatus.valueOf(status.name()), service, max, failures, everKilling);
  }

  /** A non-service task with maxTaskFailures 0 and no failures, as in §9.2. */
  private static TaskFacts batch(TaskState status, boolean everKilling) {
    return facts(status, false, 0, 0, everKilling);
  }

  private static TransitionResult attempt(TaskFacts task, TaskState to) {
    return TaskStateMachine.transition(Optional.of(task), to);
  }

  private static TransitionResultAssert verdict(TransitionResult r) {
    return new TransitionResultAssert(r);
  }

  /** {@code verdict(result).isSuccessWith(effects...)}: SUCCESS and exactly those effects. */
  private static final class TransitionResultAssert {
    private final TransitionResult actual;
    private String description = "";

    TransitionResultAssert(TransitionResult actual) {
      this.actual = actual;
    }

    TransitionResultAssert as(String format, Object... args) {
      description = String.format(format, args);
      return this;
    }

    void isSuccessWith(SideEffect... effects) {
      assertThat(actual.result()).as(description).isEqualTo(SUCCESS);
      assertThat(actual.sideEffects()).as(description).containsExactlyInAnyOrder(effects);
    }
  }

  /**
   * A task walked through transitions as the entity would: each attempt is checked, and a
   * successful one moves the task (SAVE_STATE sets the status and, on INCREMENT_FAILURES, counts a
   * failure; DELETE removes it). TRANSITION_TO_LOST is not followed automatically; scenarios spell
   * the follow-up out.
   */
  private static final class Walk {
    private Optional<TaskFacts> task;

    private Walk(Optional<TaskFacts> task) {
      this.task = task;
    }

    static Walk task(boolean service, int max, int failures) {
      return new Walk(
          Optional.of(new TaskFacts(ScheduleStatus.INIT, service, max, failures, false)));
    }

    static Walk batchTask() {
      return task(false, 0, 0);
    }

    static Walk serviceTask() {
      return task(true, 0, 0);
    }

    static Walk unknownTask() {
      return new Walk(Optional.empty());
    }

    /** INIT → PENDING → ASSIGNED → STARTING → RUNNING, each a plain save. */
    Walk running() {
      return saves(PENDING).saves(ASSIGNED).saves(STARTING).saves(RUNNING);
    }

    Walk saves(TaskState to) {
      return then(to, SUCCESS, SAVE_STATE);
    }

    /** Any successful transition, whatever its side effects. */
    Walk succeeds(TaskState to) {
      TransitionResult r = TaskStateMachine.transition(task, to);
      assertThat(r.result()).as("%s -> %s", current(), to).isEqualTo(SUCCESS);
      move(to, r);
      return this;
    }

    Walk then(TaskState to, StateChangeResult result, SideEffect... effects) {
      TransitionResult r = TaskStateMachine.transition(task, to);
      String step = current() + " -> " + to;
      assertThat(r.result()).as(step).isEqualTo(result);
      assertThat(r.sideEffects()).as(step).containsExactlyInAnyOrder(effects);
      if (result == SUCCESS) {
        move(to, r);
      }
      return this;
    }

    void assertFailureCount(int expected) {
      assertThat(task.orElseThrow().failureCount()).isEqualTo(expected);
    }

    private TaskState current() {
      return task.map(f -> TaskState.valueOf(f.status().name())).orElse(DELETED);
    }

    private void move(TaskState to, TransitionResult r) {
      if (r.has(DELETE)) {
        task = Optional.empty();
      } else if (r.has(SAVE_STATE)) {
        TaskFacts f = task.orElseThrow();
        task =
            Optional.of(
                new TaskFacts(
                    ScheduleStatus.valueOf(to.name()),
                    f.service(),
                    f.maxTaskFailures(),
                    f.failureCount() + (r.has(INCREMENT_FAILURES) ? 1 : 0),
                    f.everKilling() || to == KILLING));
      }
    }
  }
}
