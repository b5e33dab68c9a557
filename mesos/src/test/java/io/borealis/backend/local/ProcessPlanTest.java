package io.borealis.backend.local;

import static io.borealis.backend.local.ProcessPlan.Phase.DONE;
import static io.borealis.backend.local.ProcessPlan.Phase.FINALIZING;
import static io.borealis.backend.local.ProcessPlan.Phase.REGULAR;
import static io.borealis.backend.local.ProcessPlan.Phase.STOPPING;
import static io.borealis.backend.local.ProcessPlan.ProcessStatus.FAILED;
import static io.borealis.backend.local.ProcessPlan.ProcessStatus.KILLED;
import static io.borealis.backend.local.ProcessPlan.ProcessStatus.RUNNING;
import static io.borealis.backend.local.ProcessPlan.ProcessStatus.SUCCESS;
import static io.borealis.backend.local.ProcessPlan.ProcessStatus.WAITING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.borealis.backend.local.ProcessPlan.Action;
import io.borealis.backend.local.ProcessPlan.Failure;
import io.borealis.backend.local.ProcessPlan.ProcessState;
import io.borealis.backend.local.ProcessPlan.ProcessStatus;
import io.borealis.backend.local.ProcessPlan.Result;
import io.borealis.backend.local.ProcessPlan.Start;
import io.borealis.backend.local.ProcessPlan.StartAfter;
import io.borealis.backend.local.ProcessPlan.Terminate;
import io.borealis.model.ProcessConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The Thermos-like rules for one task's processes. Time is passed in, so every test spells out when
 * things happen; the actions the plan returns are records and are compared exactly.
 */
class ProcessPlanTest {

  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  // -------------------------------------------------------------------------------------------
  // The process state machine, against a table

  /** Every legal (from, to) pair of a process; everything else is illegal. */
  private static final Map<ProcessStatus, Set<ProcessStatus>> LEGAL =
      new EnumMap<>(ProcessStatus.class);

  static {
    legalTransitions(WAITING, RUNNING, KILLED);
    legalTransitions(RUNNING, WAITING, SUCCESS, FAILED, KILLED);
    legalTransitions(SUCCESS);
    legalTransitions(FAILED);
    legalTransitions(KILLED);
  }

  private static void legalTransitions(ProcessStatus from, ProcessStatus... to) {
    Set<ProcessStatus> next = EnumSet.noneOf(ProcessStatus.class);
    next.addAll(List.of(to));
    LEGAL.put(from, next);
  }

  @Test
  void allowsExactlyTheTransitionsOfTheTable() {
    assertThat(LEGAL.keySet()).containsExactlyInAnyOrder(ProcessStatus.values());
    for (ProcessStatus from : ProcessStatus.values()) {
      for (ProcessStatus to : ProcessStatus.values()) {
        boolean legal = LEGAL.get(from).contains(to);
        assertThat(from.canBecome(to)).as("%s -> %s", from, to).isEqualTo(legal);
        ProcessState state = new ProcessState("p", from, 2, Optional.of(T0));
        if (legal) {
          assertThat(state.to(to))
              .as("%s -> %s", from, to)
              .isEqualTo(new ProcessState("p", to, 2, Optional.of(T0)));
        } else {
          assertThatThrownBy(() -> state.to(to))
              .as("%s -> %s", from, to)
              .isInstanceOf(IllegalStateException.class)
              .hasMessageContaining("p cannot go from " + from + " to " + to);
        }
      }
    }
  }

  @Test
  void isTerminalExactlyWhenNothingFollows() {
    for (ProcessStatus status : ProcessStatus.values()) {
      assertThat(status.isTerminal()).as("%s", status).isEqualTo(LEGAL.get(status).isEmpty());
    }
    assertThat(EnumSet.allOf(ProcessStatus.class).stream().filter(ProcessStatus::isTerminal))
        .containsExactlyInAnyOrder(SUCCESS, FAILED, KILLED);
  }

  // -------------------------------------------------------------------------------------------
  // Starting and ordering

  @Test
  void startsIndependentProcessesTogether() {
    ProcessPlan plan = plan(List.of(), regular("a"), regular("b"), regular("c"));

    assertThat(plan.begin(T0)).containsExactly(start("a"), start("b"), start("c"));

    assertThat(statuses(plan))
        .containsExactly(entry("a", RUNNING), entry("b", RUNNING), entry("c", RUNNING));
    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", RUNNING, 0, Optional.of(T0)));
    assertThat(plan.running()).containsExactly("a", "b", "c");
    assertThat(plan.phase()).isEqualTo(REGULAR);
    assertThat(plan.result()).isEmpty();
    assertThat(plan.failure()).isEmpty();
  }

  @Test
  void holdsEachProcessOfAChainUntilEveryEarlierOneSucceeded() {
    ProcessPlan plan =
        plan(List.of(List.of("a", "b", "c")), regular("c"), regular("b"), regular("a"));

    assertThat(plan.begin(T0)).containsExactly(start("a"));
    assertThat(statuses(plan))
        .containsExactly(entry("c", WAITING), entry("b", WAITING), entry("a", RUNNING));

    assertThat(plan.exited("a", 0, at(1))).containsExactly(start("b"));
    assertThat(plan.state("b").lastStart()).contains(at(1));
    assertThat(plan.state("c").status()).isEqualTo(WAITING);

    assertThat(plan.exited("b", 0, at(2))).containsExactly(start("c"));
    assertThat(statuses(plan))
        .containsExactly(entry("c", RUNNING), entry("b", SUCCESS), entry("a", SUCCESS));
    assertThat(plan.phase()).isEqualTo(REGULAR);
  }

  @Test
  void holdsAProcessUntilThePredecessorsOfEveryOrderListSucceeded() {
    ProcessPlan plan =
        plan(
            List.of(List.of("a", "c"), List.of("b", "c")),
            regular("a"),
            regular("b"),
            regular("c"));

    assertThat(plan.begin(T0)).containsExactly(start("a"), start("b"));
    assertThat(plan.exited("a", 0, at(1))).isEmpty();
    assertThat(plan.state("c").status()).isEqualTo(WAITING);
    assertThat(plan.exited("b", 0, at(2))).containsExactly(start("c"));
    assertThat(plan.state("c").status()).isEqualTo(RUNNING);
  }

  @Test
  void ignoresOrderEntriesNamingNoProcess() {
    ProcessPlan plan = plan(List.of(List.of("ghost", "a", "phantom")), regular("a"));

    assertThat(plan.begin(T0)).containsExactly(start("a"));
  }

  // -------------------------------------------------------------------------------------------
  // Success and failure of regular processes

  @Test
  void finishesWhenEveryRequiredProcessSucceeded() {
    ProcessPlan plan = plan(List.of(), regular("a"), regular("b"));
    plan.begin(T0);

    assertThat(plan.exited("a", 0, at(1))).isEmpty();
    assertThat(plan.state("a").status()).isEqualTo(SUCCESS);
    assertThat(plan.phase()).isEqualTo(REGULAR);
    assertThat(plan.result()).isEmpty();

    assertThat(plan.exited("b", 0, at(2))).isEmpty();
    assertThat(statuses(plan)).containsExactly(entry("a", SUCCESS), entry("b", SUCCESS));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.FINISHED);
    assertThat(plan.failure()).isEmpty();
    assertThat(plan.running()).isEmpty();
  }

  @Test
  void failsAtOnceWhenMaxFailuresIsOne() {
    ProcessPlan plan = plan(List.of(), process("a", Kind.REGULAR, 1, 0));
    plan.begin(T0);

    assertThat(plan.exited("a", 2, at(1))).isEmpty();

    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", FAILED, 1, Optional.of(T0)));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.FAILED);
    assertThat(plan.failure()).contains(new Failure("a", 2));
  }

  @Test
  void restartsAFailingProcessUntilItFailedMaxFailuresTimes() {
    ProcessPlan plan = plan(List.of(), process("a", Kind.REGULAR, 3, 0));
    plan.begin(T0);

    assertThat(plan.exited("a", 1, at(1))).containsExactly(start("a"));
    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", RUNNING, 1, Optional.of(at(1))));

    assertThat(plan.exited("a", 1, at(2))).containsExactly(start("a"));
    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", RUNNING, 2, Optional.of(at(2))));
    assertThat(plan.phase()).isEqualTo(REGULAR);

    assertThat(plan.exited("a", 7, at(3))).isEmpty();
    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", FAILED, 3, Optional.of(at(2))));
    assertThat(plan.result()).contains(Result.FAILED);
    assertThat(plan.failure()).contains(new Failure("a", 7));
  }

  @Test
  void restartsWithoutLimitWhenMaxFailuresIsZero() {
    ProcessPlan plan = plan(List.of(), process("a", Kind.REGULAR, 0, 0));
    plan.begin(T0);

    for (int i = 1; i <= 100; i++) {
      assertThat(plan.exited("a", 1, at(i))).containsExactly(start("a"));
    }

    assertThat(plan.state("a"))
        .isEqualTo(new ProcessState("a", RUNNING, 100, Optional.of(at(100))));
    assertThat(plan.phase()).isEqualTo(REGULAR);
    assertThat(plan.failure()).isEmpty();

    // It still succeeds like any other process.
    assertThat(plan.exited("a", 0, at(101))).isEmpty();
    assertThat(plan.result()).contains(Result.FINISHED);
  }

  @Test
  void delaysARestartUntilMinDurationSinceTheLastStart() {
    ProcessPlan plan = plan(List.of(), process("a", Kind.REGULAR, 0, 10));
    plan.begin(T0);

    assertThat(plan.exited("a", 1, at(3))).containsExactly(startAfter("a", 7));
    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", WAITING, 1, Optional.of(T0)));
    assertThat(plan.running()).isEmpty();

    assertThat(plan.restartDue("a", at(10))).containsExactly(start("a"));
    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", RUNNING, 1, Optional.of(at(10))));

    // The delay counts from the latest start, not the first.
    assertThat(plan.exited("a", 1, at(19))).containsExactly(startAfter("a", 1));
  }

  @Test
  void restartsAtOnceWhenMinDurationIsOverAlready() {
    ProcessPlan plan = plan(List.of(), process("a", Kind.REGULAR, 0, 10));
    plan.begin(T0);

    assertThat(plan.exited("a", 1, at(10))).containsExactly(start("a"));
    assertThat(plan.exited("a", 1, at(45))).containsExactly(start("a"));
    assertThat(plan.state("a")).isEqualTo(new ProcessState("a", RUNNING, 2, Optional.of(at(45))));
  }

  @Test
  void ignoresARestartDueForAProcessNotWaitingForOne() {
    ProcessPlan plan =
        plan(List.of(List.of("a", "b")), process("a", Kind.REGULAR, 0, 10), regular("b"));
    plan.begin(T0);

    assertThat(plan.restartDue("a", at(1))).as("running").isEmpty();
    assertThat(plan.restartDue("b", at(1))).as("waiting for its predecessor").isEmpty();
    assertThat(plan.restartDue("ghost", at(1))).as("unknown").isEmpty();
    assertThat(statuses(plan)).containsExactly(entry("a", RUNNING), entry("b", WAITING));
  }

  // -------------------------------------------------------------------------------------------
  // Daemons and ephemerals

  @Test
  void restartsADaemonAfterSuccessWithoutCountingAFailure() {
    ProcessPlan plan = plan(List.of(), regular("a"), process("d", Kind.DAEMON, 1, 5));
    assertThat(plan.begin(T0)).containsExactly(start("a"), start("d"));

    assertThat(plan.exited("d", 0, at(2))).containsExactly(startAfter("d", 3));
    assertThat(plan.state("d")).isEqualTo(new ProcessState("d", WAITING, 0, Optional.of(T0)));
    assertThat(plan.restartDue("d", at(5))).containsExactly(start("d"));

    assertThat(plan.exited("d", 0, at(60))).containsExactly(start("d"));
    assertThat(plan.state("d")).isEqualTo(new ProcessState("d", RUNNING, 0, Optional.of(at(60))));
    assertThat(plan.phase()).isEqualTo(REGULAR);
  }

  @Test
  void failsTheTaskWhenADaemonFailedMaxFailuresTimes() {
    ProcessPlan plan = plan(List.of(), regular("a"), process("d", Kind.DAEMON, 1, 0));
    plan.begin(T0);

    assertThat(plan.exited("d", 9, at(1))).containsExactly(terminate("a"));
    assertThat(plan.state("d").status()).isEqualTo(FAILED);
    assertThat(plan.failure()).contains(new Failure("d", 9));
  }

  @Test
  void terminatesDaemonsAndEphemeralsOnceTheRequiredProcessesSucceeded() {
    ProcessPlan plan =
        plan(List.of(), regular("a"), daemon("d"), ephemeral("e"), finalProcess("f"));
    assertThat(plan.begin(T0)).containsExactly(start("a"), start("d"), start("e"));

    assertThat(plan.exited("a", 0, at(1))).containsExactly(terminate("d", "e"));
    assertThat(plan.phase()).isEqualTo(STOPPING);
    assertThat(plan.result()).isEmpty();

    // Their exits are the agent's doing, whatever the exit code.
    assertThat(plan.exited("d", 143, at(2))).isEmpty();
    assertThat(plan.state("d").status()).isEqualTo(KILLED);
    assertThat(plan.phase()).isEqualTo(STOPPING);
    assertThat(plan.exited("e", 0, at(2))).containsExactly(start("f"));
    assertThat(plan.state("e").status()).isEqualTo(KILLED);
    assertThat(plan.phase()).isEqualTo(FINALIZING);

    assertThat(plan.exited("f", 0, at(3))).isEmpty();
    assertThat(statuses(plan))
        .containsExactly(
            entry("a", SUCCESS), entry("d", KILLED), entry("e", KILLED), entry("f", SUCCESS));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.FINISHED);
    assertThat(plan.failure()).isEmpty();
  }

  @Test
  void cancelsTheDelayedRestartOfADaemonOnceTheRequiredProcessesSucceeded() {
    ProcessPlan plan = plan(List.of(), regular("a"), process("d", Kind.DAEMON, 0, 10));
    plan.begin(T0);
    assertThat(plan.exited("d", 0, at(1))).containsExactly(startAfter("d", 9));

    assertThat(plan.exited("a", 0, at(2))).isEmpty();

    assertThat(plan.state("d").status()).isEqualTo(KILLED);
    assertThat(plan.result()).contains(Result.FINISHED);
    assertThat(plan.restartDue("d", at(10))).isEmpty();
  }

  @Test
  void neverFinishesATaskOfOnlyDaemonsAndEphemeralsOnItsOwn() {
    ProcessPlan plan = plan(List.of(), daemon("d"), ephemeral("e"));
    assertThat(plan.begin(T0)).containsExactly(start("d"), start("e"));

    assertThat(plan.exited("e", 0, at(1))).isEmpty();
    assertThat(plan.state("e").status()).isEqualTo(SUCCESS);
    assertThat(plan.exited("d", 0, at(2))).containsExactly(start("d"));
    assertThat(plan.phase()).isEqualTo(REGULAR);
    assertThat(plan.result()).isEmpty();

    assertThat(plan.kill(at(3))).containsExactly(terminate("d"));
    assertThat(plan.exited("d", 143, at(4))).isEmpty();
    assertThat(plan.result()).contains(Result.KILLED);
  }

  @Test
  void restartsAnEphemeralThatFailedWithinItsLimit() {
    ProcessPlan plan = plan(List.of(), regular("a"), process("e", Kind.EPHEMERAL, 2, 0));
    plan.begin(T0);

    assertThat(plan.exited("e", 1, at(1))).containsExactly(start("e"));
    assertThat(plan.state("e")).isEqualTo(new ProcessState("e", RUNNING, 1, Optional.of(at(1))));
  }

  // -------------------------------------------------------------------------------------------
  // A failed task

  @Test
  void stopsTheOtherRegularProcessesThenRunsFinalsWhenAProcessFails() {
    ProcessPlan plan =
        plan(
            List.of(List.of("b", "c")),
            regular("a"),
            regular("b"),
            regular("c"),
            daemon("d"),
            finalProcess("f"));
    assertThat(plan.begin(T0)).containsExactly(start("a"), start("b"), start("d"));

    assertThat(plan.exited("a", 3, at(1))).containsExactly(terminate("b", "d"));
    assertThat(plan.phase()).isEqualTo(STOPPING);
    assertThat(plan.state("c").status()).as("never started").isEqualTo(KILLED);
    assertThat(plan.failure()).contains(new Failure("a", 3));
    assertThat(plan.result()).as("not before the finals ran").isEmpty();

    // b's success comes too late: the task is stopping it.
    assertThat(plan.exited("b", 0, at(2))).isEmpty();
    assertThat(plan.state("b").status()).isEqualTo(KILLED);
    assertThat(plan.exited("d", 143, at(2))).containsExactly(start("f"));
    assertThat(plan.phase()).isEqualTo(FINALIZING);

    assertThat(plan.exited("f", 0, at(3))).isEmpty();
    assertThat(statuses(plan))
        .containsExactly(
            entry("a", FAILED),
            entry("b", KILLED),
            entry("c", KILLED),
            entry("d", KILLED),
            entry("f", SUCCESS));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.FAILED);
    assertThat(plan.failure()).contains(new Failure("a", 3));
  }

  @Test
  void cancelsAPendingRestartWhenAnotherProcessFails() {
    ProcessPlan plan = plan(List.of(), regular("a"), process("b", Kind.REGULAR, 0, 30));
    plan.begin(T0);
    assertThat(plan.exited("b", 1, at(1))).containsExactly(startAfter("b", 29));

    assertThat(plan.exited("a", 1, at(2))).isEmpty();

    assertThat(plan.state("b").status()).isEqualTo(KILLED);
    assertThat(plan.result()).contains(Result.FAILED);
    assertThat(plan.restartDue("b", at(30))).isEmpty();
  }

  @Test
  void reportsOnlyTheFirstProcessThatFailed() {
    ProcessPlan plan = plan(List.of(), regular("a"), regular("b"));
    plan.begin(T0);

    assertThat(plan.exited("a", 2, at(1))).containsExactly(terminate("b"));
    assertThat(plan.exited("b", 5, at(1))).isEmpty();

    assertThat(statuses(plan)).containsExactly(entry("a", FAILED), entry("b", KILLED));
    assertThat(plan.result()).contains(Result.FAILED);
    assertThat(plan.failure()).contains(new Failure("a", 2));
  }

  // -------------------------------------------------------------------------------------------
  // Final processes

  @Test
  void runsFinalProcessesAfterTheRegularOnesInTheirOwnOrder() {
    ProcessPlan plan =
        plan(List.of(List.of("f1", "f2")), finalProcess("f2"), regular("a"), finalProcess("f1"));

    assertThat(plan.begin(T0)).containsExactly(start("a"));
    assertThat(plan.state("f1").status()).isEqualTo(WAITING);

    assertThat(plan.exited("a", 0, at(1))).containsExactly(start("f1"));
    assertThat(plan.phase()).isEqualTo(FINALIZING);
    assertThat(plan.result()).isEmpty();

    assertThat(plan.exited("f1", 0, at(2))).containsExactly(start("f2"));
    assertThat(plan.exited("f2", 0, at(3))).isEmpty();
    assertThat(statuses(plan))
        .containsExactly(entry("f2", SUCCESS), entry("a", SUCCESS), entry("f1", SUCCESS));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.FINISHED);
  }

  @Test
  void restartsAFailingFinalProcessWithinItsLimit() {
    ProcessPlan plan = plan(List.of(), regular("a"), process("f", Kind.FINAL, 2, 10));
    plan.begin(T0);
    assertThat(plan.exited("a", 0, at(1))).containsExactly(start("f"));

    assertThat(plan.exited("f", 1, at(4))).containsExactly(startAfter("f", 7));
    assertThat(plan.restartDue("f", at(11))).containsExactly(start("f"));
    assertThat(plan.exited("f", 0, at(12))).isEmpty();

    assertThat(plan.state("f")).isEqualTo(new ProcessState("f", SUCCESS, 1, Optional.of(at(11))));
    assertThat(plan.result()).contains(Result.FINISHED);
  }

  @Test
  void neverRunsAFinalProcessWhoseFinalPredecessorFailed() {
    ProcessPlan plan =
        plan(
            List.of(List.of("f1", "f2")),
            regular("a"),
            finalProcess("f1"),
            finalProcess("f2"),
            finalProcess("f3"));
    plan.begin(T0);
    assertThat(plan.exited("a", 0, at(1))).containsExactly(start("f1"), start("f3"));

    assertThat(plan.exited("f1", 1, at(2))).isEmpty();
    assertThat(plan.state("f2").status()).isEqualTo(KILLED);
    assertThat(plan.state("f2").lastStart()).isEmpty();
    assertThat(plan.phase()).as("f3 still runs").isEqualTo(FINALIZING);

    assertThat(plan.exited("f3", 0, at(3))).isEmpty();
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.FAILED);
    assertThat(plan.failure()).contains(new Failure("f1", 1));
  }

  @Test
  void neverRunsTheFinalProcessesThatFollowAFailedOneAcrossOrderLists() {
    // f3 comes after f2 only through the second list, and is declared before it.
    ProcessPlan plan =
        plan(
            List.of(List.of("f1", "f2"), List.of("f2", "f3")),
            regular("a"),
            finalProcess("f1"),
            finalProcess("f3"),
            finalProcess("f2"));
    plan.begin(T0);
    assertThat(plan.exited("a", 0, at(1))).containsExactly(start("f1"));

    assertThat(plan.exited("f1", 1, at(2))).isEmpty();

    assertThat(statuses(plan))
        .containsExactly(
            entry("a", SUCCESS), entry("f1", FAILED), entry("f3", KILLED), entry("f2", KILLED));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.FAILED);
  }

  @Test
  void runsTheFinalProcessesOfATaskWithoutRegularOnesAtOnce() {
    ProcessPlan plan = plan(List.of(List.of("f1", "f2")), finalProcess("f1"), finalProcess("f2"));

    assertThat(plan.begin(T0)).containsExactly(start("f1"));
    assertThat(plan.phase()).isEqualTo(FINALIZING);

    assertThat(plan.exited("f1", 0, at(1))).containsExactly(start("f2"));
    assertThat(plan.exited("f2", 0, at(2))).isEmpty();
    assertThat(plan.result()).contains(Result.FINISHED);
  }

  // -------------------------------------------------------------------------------------------
  // Killing

  @Test
  void killTerminatesRegularProcessesThenRunsFinalsAndEndsKilled() {
    // f comes after a and b, but regular predecessors do not hold a final process back.
    ProcessPlan plan =
        plan(
            List.of(List.of("a", "b", "f")),
            regular("a"),
            regular("b"),
            daemon("d"),
            finalProcess("f"));
    assertThat(plan.begin(T0)).containsExactly(start("a"), start("d"));

    assertThat(plan.kill(at(1))).containsExactly(terminate("a", "d"));
    assertThat(plan.phase()).isEqualTo(STOPPING);
    assertThat(plan.state("b").status()).isEqualTo(KILLED);
    assertThat(plan.state("f").status()).isEqualTo(WAITING);

    assertThat(plan.exited("a", 143, at(2))).isEmpty();
    assertThat(plan.exited("d", 0, at(2))).containsExactly(start("f"));
    assertThat(plan.phase()).isEqualTo(FINALIZING);
    assertThat(plan.result()).isEmpty();

    assertThat(plan.exited("f", 0, at(3))).isEmpty();
    assertThat(statuses(plan))
        .containsExactly(
            entry("a", KILLED), entry("b", KILLED), entry("d", KILLED), entry("f", SUCCESS));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.KILLED);
    assertThat(plan.failure()).isEmpty();
  }

  @Test
  void killWhileNothingRunsGoesStraightToTheFinalProcesses() {
    ProcessPlan plan = plan(List.of(), process("a", Kind.REGULAR, 0, 60), finalProcess("f"));
    plan.begin(T0);
    assertThat(plan.exited("a", 1, at(1))).containsExactly(startAfter("a", 59));

    assertThat(plan.kill(at(2))).containsExactly(start("f"));

    assertThat(plan.state("a").status()).isEqualTo(KILLED);
    assertThat(plan.phase()).isEqualTo(FINALIZING);
    assertThat(plan.restartDue("a", at(60))).isEmpty();
  }

  @Test
  void killWithoutFinalProcessesEndsOnceTheRegularOnesExited() {
    ProcessPlan plan = plan(List.of(), regular("a"));
    plan.begin(T0);

    assertThat(plan.kill(at(1))).containsExactly(terminate("a"));
    assertThat(plan.result()).isEmpty();
    assertThat(plan.exited("a", 137, at(2))).isEmpty();

    assertThat(plan.state("a").status()).isEqualTo(KILLED);
    assertThat(plan.result()).contains(Result.KILLED);
  }

  @Test
  void aSecondKillTerminatesTheRunningFinalProcesses() {
    ProcessPlan plan =
        plan(List.of(List.of("f1", "f2")), regular("a"), finalProcess("f1"), finalProcess("f2"));
    plan.begin(T0);
    assertThat(plan.kill(at(1))).containsExactly(terminate("a"));
    assertThat(plan.exited("a", 143, at(2))).containsExactly(start("f1"));

    assertThat(plan.kill(at(3))).containsExactly(terminate("f1"));
    assertThat(plan.state("f2").status()).isEqualTo(KILLED);
    assertThat(plan.phase()).isEqualTo(FINALIZING);

    // Even a clean exit of a terminated final process counts as killed.
    assertThat(plan.exited("f1", 0, at(4))).isEmpty();
    assertThat(statuses(plan))
        .containsExactly(entry("a", KILLED), entry("f1", KILLED), entry("f2", KILLED));
    assertThat(plan.phase()).isEqualTo(DONE);
    assertThat(plan.result()).contains(Result.KILLED);
  }

  @Test
  void aKillOfAFinishedTaskChangesNothing() {
    ProcessPlan plan = plan(List.of(), regular("a"));
    plan.begin(T0);
    plan.exited("a", 0, at(1));
    ProcessPlan.Snapshot before = plan.snapshot();

    assertThat(plan.kill(at(2))).isEmpty();

    assertThat(plan.snapshot()).isEqualTo(before);
    assertThat(plan.result()).contains(Result.FINISHED);
  }

  @Test
  void aKillAfterAFailureKeepsTheFailure() {
    ProcessPlan plan = plan(List.of(), regular("a"), regular("b"));
    plan.begin(T0);
    assertThat(plan.exited("a", 4, at(1))).containsExactly(terminate("b"));

    assertThat(plan.kill(at(2))).containsExactly(terminate("b"));
    assertThat(plan.exited("b", 143, at(3))).isEmpty();

    assertThat(plan.result()).contains(Result.FAILED);
    assertThat(plan.failure()).contains(new Failure("a", 4));
  }

  // -------------------------------------------------------------------------------------------
  // Exits that do not count

  @Test
  void ignoresExitsOfUnknownOrNonRunningProcesses() {
    ProcessPlan plan = plan(List.of(List.of("a", "b")), regular("a"), regular("b"), regular("c"));
    plan.begin(T0);
    plan.exited("c", 0, at(1));
    ProcessPlan.Snapshot before = plan.snapshot();

    assertThat(plan.exited("ghost", 1, at(2))).as("unknown").isEmpty();
    assertThat(plan.exited("b", 1, at(2))).as("never started").isEmpty();
    assertThat(plan.exited("c", 1, at(2))).as("succeeded already").isEmpty();

    assertThat(plan.snapshot()).isEqualTo(before);
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  @Test
  void aRestoredPlanEqualsTheOriginalAndContinuesIdenticallyFromEveryStep() {
    List<ProcessConfig> processes =
        List.of(
            regular("setup"),
            process("server", Kind.REGULAR, 3, 10),
            daemon("d"),
            finalProcess("f1"),
            finalProcess("f2"));
    List<List<String>> order = List.of(List.of("setup", "server"), List.of("f1", "f2"));
    List<Function<ProcessPlan, List<Action>>> steps =
        List.of(
            p -> p.begin(T0),
            p -> p.exited("setup", 0, at(1)),
            p -> p.exited("server", 1, at(4)),
            p -> p.restartDue("server", at(11)),
            p -> p.exited("d", 0, at(12)),
            p -> p.kill(at(13)),
            p -> p.exited("server", 143, at(14)),
            p -> p.exited("d", 143, at(14)),
            p -> p.exited("f1", 0, at(15)),
            p -> p.kill(at(16)),
            p -> p.exited("f2", 143, at(17)));

    for (int cut = 0; cut <= steps.size(); cut++) {
      ProcessPlan original = new ProcessPlan(processes, order);
      steps.subList(0, cut).forEach(step -> step.apply(original));

      ProcessPlan restored = ProcessPlan.restore(processes, order, original.snapshot());

      assertThat(restored.snapshot()).as("after step %d", cut).isEqualTo(original.snapshot());
      assertThat(restored.phase()).isEqualTo(original.phase());
      for (int i = cut; i < steps.size(); i++) {
        assertThat(steps.get(i).apply(restored))
            .as("step %d after restoring at %d", i, cut)
            .isEqualTo(steps.get(i).apply(original));
        assertThat(restored.snapshot()).isEqualTo(original.snapshot());
      }
      assertThat(restored.result()).contains(Result.KILLED);
    }
  }

  @Test
  void aRestoredPlanKeepsItsFailure() {
    List<ProcessConfig> processes = List.of(regular("a"), regular("b"), finalProcess("f"));
    ProcessPlan original = new ProcessPlan(processes, List.of());
    original.begin(T0);
    original.exited("a", 6, at(1));

    ProcessPlan restored = ProcessPlan.restore(processes, List.of(), original.snapshot());

    assertThat(restored.failure()).contains(new Failure("a", 6));
    assertThat(restored.phase()).isEqualTo(STOPPING);
    assertThat(restored.exited("b", 143, at(2))).containsExactly(start("f"));
    assertThat(restored.exited("f", 0, at(3))).isEmpty();
    assertThat(restored.result()).contains(Result.FAILED);
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  private enum Kind {
    REGULAR,
    DAEMON,
    EPHEMERAL,
    FINAL
  }

  private static ProcessConfig process(
      String name, Kind kind, int maxFailures, int minDurationSecs) {
    return new ProcessConfig(
        name,
        "./" + name,
        maxFailures,
        kind == Kind.DAEMON,
        kind == Kind.EPHEMERAL,
        minDurationSecs,
        kind == Kind.FINAL,
        Map.of());
  }

  private static ProcessConfig regular(String name) {
    return process(name, Kind.REGULAR, 1, 0);
  }

  private static ProcessConfig daemon(String name) {
    return process(name, Kind.DAEMON, 0, 0);
  }

  private static ProcessConfig ephemeral(String name) {
    return process(name, Kind.EPHEMERAL, 0, 0);
  }

  private static ProcessConfig finalProcess(String name) {
    return process(name, Kind.FINAL, 1, 0);
  }

  private static ProcessPlan plan(List<List<String>> order, ProcessConfig... processes) {
    return new ProcessPlan(List.of(processes), order);
  }

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  private static Action start(String name) {
    return new Start(name);
  }

  private static Action startAfter(String name, long seconds) {
    return new StartAfter(name, Duration.ofSeconds(seconds));
  }

  private static Action terminate(String... names) {
    return new Terminate(Set.of(names));
  }

  /** Each process's status, in the order the task declares them. */
  private static Map<String, ProcessStatus> statuses(ProcessPlan plan) {
    Map<String, ProcessStatus> statuses = new LinkedHashMap<>();
    plan.snapshot().processes().forEach(s -> statuses.put(s.name(), s.status()));
    return statuses;
  }
}
