package io.borealis.update;

import static io.borealis.update.UpdateStatus.ABORTED;
import static io.borealis.update.UpdateStatus.ROLLED_FORWARD;
import static io.borealis.update.UpdateStatus.ROLLING_BACK;
import static io.borealis.update.UpdateStatus.ROLLING_FORWARD;
import static io.borealis.update.UpdateStatus.ROLL_BACK_AWAITING_PULSE;
import static io.borealis.update.UpdateStatus.ROLL_BACK_PAUSED;
import static io.borealis.update.UpdateStatus.ROLL_FORWARD_AWAITING_PULSE;
import static io.borealis.update.UpdateStatus.ROLL_FORWARD_PAUSED;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.update.UpdateStateMachine.Kind;
import io.borealis.update.UpdateStateMachine.Transition;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The update status machine against aurora-semantics §4.3. The expected tables are transcribed from
 * the spec as text (abbreviations as in the spec's operator table), not derived from the code.
 */
class UpdateStateMachineTest {

  /** §4.3 "Update statuses and legal transitions", one row per from-status. */
  private static final String[] LEGAL = {
    "RF: RB RF_PAUSED RF_AWAITING ROLLED_FORWARD ABORTED FAILED ERROR",
    "RB: RB_PAUSED RB_AWAITING ROLLED_BACK ABORTED FAILED ERROR",
    "RF_PAUSED: RF RB RF_AWAITING ABORTED ERROR",
    "RB_PAUSED: RB RB_AWAITING ABORTED ERROR",
    "RF_AWAITING: RF RB RF_PAUSED ABORTED ERROR",
    "RB_AWAITING: RB RB_PAUSED ABORTED ERROR",
    "ROLLED_FORWARD:",
    "ROLLED_BACK:",
    "ABORTED:",
    "ERROR:",
    "FAILED:",
  };

  /**
   * §4.3 operator actions: "action/pulse-expired: from->to ..." where "=" is a no-op and a status
   * not listed is refused. pulse-expired only matters to RESUME, so the other actions list both.
   */
  private static final String[] ACTIONS = {
    "PAUSE/false: RF->RF_PAUSED RB->RB_PAUSED RF_AWAITING->RF_PAUSED RB_AWAITING->RB_PAUSED"
        + " RF_PAUSED= RB_PAUSED=",
    "PAUSE/true: RF->RF_PAUSED RB->RB_PAUSED RF_AWAITING->RF_PAUSED RB_AWAITING->RB_PAUSED"
        + " RF_PAUSED= RB_PAUSED=",
    "RESUME/false: RF_PAUSED->RF RB_PAUSED->RB RF= RB=",
    "RESUME/true: RF_PAUSED->RF_AWAITING RB_PAUSED->RB_AWAITING RF_AWAITING= RB_AWAITING=",
    "ABORT/false: RF->ABORTED RB->ABORTED RF_PAUSED->ABORTED RB_PAUSED->ABORTED"
        + " RF_AWAITING->ABORTED RB_AWAITING->ABORTED ABORTED=",
    "ABORT/true: RF->ABORTED RB->ABORTED RF_PAUSED->ABORTED RB_PAUSED->ABORTED"
        + " RF_AWAITING->ABORTED RB_AWAITING->ABORTED ABORTED=",
    "ROLLBACK/false: RF->RB RF_PAUSED->RB RF_AWAITING->RB RB_PAUSED->RB RB_AWAITING->RB RB=",
    "ROLLBACK/true: RF->RB RF_PAUSED->RB RF_AWAITING->RB RB_PAUSED->RB RB_AWAITING->RB RB=",
  };

  private static UpdateStatus status(String name) {
    switch (name) {
      case "RF":
        return ROLLING_FORWARD;
      case "RB":
        return ROLLING_BACK;
      case "RF_PAUSED":
        return ROLL_FORWARD_PAUSED;
      case "RB_PAUSED":
        return ROLL_BACK_PAUSED;
      case "RF_AWAITING":
        return ROLL_FORWARD_AWAITING_PULSE;
      case "RB_AWAITING":
        return ROLL_BACK_AWAITING_PULSE;
      default:
        return UpdateStatus.valueOf(name);
    }
  }

  private static Map<UpdateStatus, Set<UpdateStatus>> legalTable() {
    Map<UpdateStatus, Set<UpdateStatus>> table = new EnumMap<>(UpdateStatus.class);
    for (String row : LEGAL) {
      String[] parts = row.split(":", -1);
      Set<UpdateStatus> to = EnumSet.noneOf(UpdateStatus.class);
      for (String t : parts[1].trim().split(" ")) {
        if (!t.isEmpty()) {
          to.add(status(t));
        }
      }
      table.put(status(parts[0]), to);
    }
    assertThat(table.keySet()).containsExactlyInAnyOrder(UpdateStatus.values());
    return table;
  }

  @Test
  void everyPairOfStatusesIsAMoveANoopOrRefused() {
    Map<UpdateStatus, Set<UpdateStatus>> table = legalTable();
    SoftAssertions soft = new SoftAssertions();
    int cells = 0;
    for (UpdateStatus from : UpdateStatus.values()) {
      for (UpdateStatus to : UpdateStatus.values()) {
        cells++;
        Transition t = UpdateStateMachine.transition(from, to);
        Kind expected =
            from == to ? Kind.NOOP : table.get(from).contains(to) ? Kind.MOVE : Kind.ILLEGAL;
        soft.assertThat(t.kind()).as(from + " -> " + to).isEqualTo(expected);
        soft.assertThat(UpdateStateMachine.isAllowed(from, to))
            .as(from + " -> " + to)
            .isEqualTo(expected == Kind.MOVE);
        if (expected == Kind.ILLEGAL) {
          soft.assertThat(t.error())
              .hasValue("Cannot transition update from " + from + " to " + to);
        } else {
          soft.assertThat(t.error()).isEmpty();
          soft.assertThat(t.to()).isEqualTo(to);
        }
      }
    }
    soft.assertAll();
    assertThat(cells).isEqualTo(121);
  }

  @Test
  void everyOperatorActionInEveryStatusFollowsTheTable() {
    SoftAssertions soft = new SoftAssertions();
    int cells = 0;
    for (String row : ACTIONS) {
      String[] head = row.substring(0, row.indexOf(':')).split("/");
      OperatorAction action = OperatorAction.valueOf(head[0]);
      boolean expired = Boolean.parseBoolean(head[1]);
      Map<UpdateStatus, String> cellsOfRow = new EnumMap<>(UpdateStatus.class);
      for (String cell : row.substring(row.indexOf(':') + 1).trim().split(" ")) {
        if (cell.endsWith("=")) {
          cellsOfRow.put(status(cell.substring(0, cell.length() - 1)), "=");
        } else {
          String[] ft = cell.split("->");
          cellsOfRow.put(status(ft[0]), ft[1]);
        }
      }
      for (UpdateStatus from : UpdateStatus.values()) {
        cells++;
        Transition t = UpdateStateMachine.onAction(action, from, expired);
        String where = action + " (expired " + expired + ") in " + from;
        String cell = cellsOfRow.get(from);
        if (cell == null) {
          soft.assertThat(t.kind()).as(where).isEqualTo(Kind.ILLEGAL);
          soft.assertThat(t.error()).as(where).isPresent();
        } else if (cell.equals("=")) {
          soft.assertThat(t.kind()).as(where).isEqualTo(Kind.NOOP);
        } else {
          soft.assertThat(t.kind()).as(where).isEqualTo(Kind.MOVE);
          soft.assertThat(t.to()).as(where).isEqualTo(status(cell));
        }
      }
    }
    soft.assertAll();
    assertThat(cells).isEqualTo(ACTIONS.length * 11);
  }

  @Test
  void abortOfAFinishedUpdateOtherThanAbortedIsRefusedWithAuroraSentence() {
    assertThat(UpdateStateMachine.onAction(OperatorAction.ABORT, ROLLED_FORWARD, false).error())
        .hasValue("Cannot transition update from ROLLED_FORWARD to ABORTED");
    assertThat(UpdateStateMachine.onAction(OperatorAction.ABORT, ABORTED, false).kind())
        .isEqualTo(Kind.NOOP);
  }

  @Test
  void pulsesUnblockOnlyAwaitingStatusesAndExpiryBlocksOnlyRollingOnes() {
    for (UpdateStatus s : UpdateStatus.values()) {
      assertThat(UpdateStateMachine.unblockedByPulse(s))
          .as(s.name())
          .isEqualTo(
              s == ROLL_FORWARD_AWAITING_PULSE
                  ? java.util.Optional.of(ROLLING_FORWARD)
                  : s == ROLL_BACK_AWAITING_PULSE
                      ? java.util.Optional.of(ROLLING_BACK)
                      : java.util.Optional.empty());
      assertThat(UpdateStateMachine.blockedTwin(s))
          .as(s.name())
          .isEqualTo(
              s == ROLLING_FORWARD
                  ? java.util.Optional.of(ROLL_FORWARD_AWAITING_PULSE)
                  : s == ROLLING_BACK
                      ? java.util.Optional.of(ROLL_BACK_AWAITING_PULSE)
                      : java.util.Optional.empty());
      // Every move those helpers name is legal in the table.
      UpdateStateMachine.unblockedByPulse(s)
          .ifPresent(t -> assertThat(UpdateStateMachine.isAllowed(s, t)).isTrue());
      UpdateStateMachine.blockedTwin(s)
          .ifPresent(t -> assertThat(UpdateStateMachine.isAllowed(s, t)).isTrue());
    }
  }

  @Test
  void activeAndTerminalSplitTheStatusesWithAuroraWireValues() {
    assertThat(UpdateStatus.ACTIVE).hasSize(6).doesNotContainAnyElementsOf(UpdateStatus.TERMINAL);
    assertThat(
            Arrays.stream(UpdateStatus.values())
                .filter(s -> s.isActive() || s.isTerminal())
                .count())
        .isEqualTo(11);
    assertThat(
            UpdateStatus.ACTIVE.stream().map(UpdateStatus::wireValue).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(0, 1, 2, 3, 9, 10);
    assertThat(
            UpdateStatus.TERMINAL.stream().map(UpdateStatus::wireValue).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(4, 5, 6, 7, 8);
  }
}
