package io.borealis.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.loadtest.AckLog.Kind;
import io.borealis.loadtest.AckLog.Op;
import io.borealis.loadtest.AckLog.Outcome;
import io.borealis.loadtest.DurabilityCheck.Findings;
import io.borealis.loadtest.DurabilityCheck.Observed;
import io.borealis.loadtest.DurabilityCheck.TaskHistory;
import io.borealis.loadtest.DurabilityCheck.TaskView;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DurabilityCheckTest {

  private long seq;

  private Op op(Kind kind, Optional<Set<Integer>> instances, Set<Integer> changed, Outcome o) {
    int code = o == Outcome.ACKED ? 200 : o == Outcome.REFUSED ? 400 : 503;
    return new Op(
        ++seq, kind, "j", instances, changed, Optional.empty(), Optional.empty(), o, code, seq);
  }

  private Op create(int n, Outcome o) {
    Set<Integer> all = new java.util.TreeSet<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    return op(Kind.CREATE, Optional.of(all), Set.of(), o);
  }

  private static Map<String, List<TaskView>> served(TaskView... tasks) {
    return Map.of("j", List.of(tasks));
  }

  private static Findings check(List<Op> ops, Map<String, List<TaskView>> served) {
    return DurabilityCheck.check(ops, served, Map.of(), Map.of());
  }

  @Test
  void anAcknowledgedInstanceWithoutATaskIsLost() {
    Findings f = check(List.of(create(2, Outcome.ACKED)), served(new TaskView("t0", 0, "RUNNING")));

    assertThat(f.lost()).containsExactly("j/1 was created (acknowledged) but has no task");
  }

  @Test
  void anUnknownCreateMayOrMayNotHaveHappened() {
    assertThat(check(List.of(create(2, Outcome.UNKNOWN)), Map.of()).clean()).isTrue();
    assertThat(
            check(List.of(create(1, Outcome.UNKNOWN)), served(new TaskView("t0", 0, "PENDING")))
                .clean())
        .isTrue();
  }

  @Test
  void anAcknowledgedKillThatIsUndoneIsLost() {
    List<Op> ops =
        List.of(
            create(2, Outcome.ACKED),
            op(Kind.KILL, Optional.of(Set.of(1)), Set.of(1), Outcome.ACKED));

    assertThat(
            check(
                    ops,
                    served(
                        new TaskView("t0", 0, "RUNNING"),
                        new TaskView("t1", 1, "KILLING"),
                        new TaskView("t2", 1, "KILLED")))
                .clean())
        .isTrue();
    assertThat(
            check(ops, served(new TaskView("t0", 0, "RUNNING"), new TaskView("t1", 1, "RUNNING")))
                .lost())
        .containsExactly("j/1 was killed (acknowledged) but t1 is RUNNING");
  }

  @Test
  void anAddAcknowledgedAfterAKillBringsTheInstanceBack() {
    List<Op> ops =
        List.of(
            create(1, Outcome.ACKED),
            op(Kind.KILL, Optional.of(Set.of(0)), Set.of(0), Outcome.ACKED),
            op(Kind.ADD, Optional.empty(), Set.of(0), Outcome.ACKED));

    assertThat(check(ops, served(new TaskView("t1", 0, "PENDING"))).clean()).isTrue();
  }

  @Test
  void twoActiveTasksOfOneInstanceAreADuplicate() {
    Findings f =
        check(
            List.of(create(1, Outcome.ACKED)),
            served(new TaskView("a", 0, "RUNNING"), new TaskView("b", 0, "PENDING")));

    assertThat(f.duplicates()).hasSize(1);
  }

  @Test
  void anInstanceWithOnlyEndedTasksIsReportedInactiveNotLost() {
    Findings f = check(List.of(create(1, Outcome.ACKED)), served(new TaskView("a", 0, "LOST")));

    assertThat(f.lost()).isEmpty();
    assertThat(f.inactive()).hasSize(1);
  }

  @Test
  void aStatusSeenMustStayInTheHistoryAndNeverGoBack() {
    List<Op> ops = List.of(create(1, Outcome.ACKED));
    Map<String, Observed> seen = Map.of("a", new Observed("j", 0, "RUNNING"));
    Map<String, List<TaskView>> served = served(new TaskView("a", 0, "RUNNING"));

    Findings moved =
        DurabilityCheck.check(
            ops,
            served,
            seen,
            Map.of(
                "a",
                Optional.of(
                    new TaskHistory("LOST", List.of("PENDING", "ASSIGNED", "RUNNING", "LOST")))));
    Findings back =
        DurabilityCheck.check(
            ops,
            served,
            seen,
            Map.of("a", Optional.of(new TaskHistory("ASSIGNED", List.of("PENDING", "ASSIGNED")))));

    assertThat(moved.clean()).isTrue();
    assertThat(back.regressions()).containsExactly("task a was seen RUNNING and is now ASSIGNED");
    assertThat(back.lost())
        .containsExactly("task a was seen RUNNING but its history is [PENDING, ASSIGNED]");
  }

  @Test
  void aTerminalStatusStaysAsItWas() {
    Findings f =
        DurabilityCheck.check(
            List.of(),
            Map.of(),
            Map.of("a", new Observed("j", 0, "FINISHED")),
            Map.of(
                "a", Optional.of(new TaskHistory("LOST", List.of("RUNNING", "FINISHED", "LOST")))));

    assertThat(f.regressions()).containsExactly("task a was seen FINISHED and is now LOST");
  }

  @Test
  void aTaskSeenMustStayKnownUnlessAKillDeletedItBeforeItRan() {
    Map<String, Observed> pending = Map.of("a", new Observed("j", 1, "PENDING"));
    Map<String, Observed> running = Map.of("a", new Observed("j", 1, "RUNNING"));
    List<Op> killed =
        List.of(
            create(2, Outcome.ACKED), op(Kind.KILL, Optional.empty(), Set.of(), Outcome.UNKNOWN));
    Map<String, Optional<TaskHistory>> gone = Map.of("a", Optional.empty());

    assertThat(DurabilityCheck.check(killed, Map.of(), pending, gone).lost()).isEmpty();
    assertThat(DurabilityCheck.check(killed, Map.of(), running, gone).lost())
        .containsExactly("task a (seen RUNNING) is no longer known");
    assertThat(DurabilityCheck.check(List.of(), Map.of(), pending, gone).lost())
        .containsExactly("task a (seen PENDING) is no longer known");
  }
}
