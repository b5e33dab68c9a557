package io.borealis.update;

import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.FINISHED;
import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.update.UpdateSim.JOB;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.ProcessConfig;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The update scenarios of aurora-semantics §9.1 at the pure level: the engine driven by {@link
 * UpdateSim} with synthetic task statuses and a manual clock, asserting the status, the instance
 * events per instance and the number of driver kills the spec states.
 */
class UpdateScenariosTest {

  /** OLD and NEW differ only in what the executor runs (§9.0). */
  static final TaskConfig OLD = config("./server --version 1");

  static final TaskConfig NEW = config("./server --version 2");

  static TaskConfig config(String command) {
    TaskConfig base =
        TaskConfig.simple(JOB, true, Resources.of(1, 1024, 1024, "http")).withMaxTaskFailures(-1);
    return new TaskConfig(
        base.job(),
        base.taskName(),
        true,
        "preferred",
        true,
        1,
        -1,
        base.resources(),
        List.of(new ProcessConfig("main", command, 1, false, false, 0, false, Map.of())),
        List.of(),
        Map.of(),
        Optional.empty(),
        base.partitionPolicy(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  /** Queue(1), rollback on failure, watch 2 s, no failures tolerated (§9.0). */
  static UpdateSettings settings(UpdateStrategy strategy) {
    return new UpdateSettings(
        1, 2, 0, 0, true, false, Optional.empty(), false, Optional.empty(), strategy);
  }

  static final UpdateSettings DEFAULT = settings(new UpdateStrategy.Queue(1));

  static UpdateInstructions instructions(
      Map<TaskConfig, List<Integer>> initial, List<Integer> desired, UpdateSettings settings) {
    return UpdateSim.instructions(initial, NEW, desired, settings);
  }

  @Test
  void u1BasicUpdateWithPauseAndResume() {
    UpdateSim sim = new UpdateSim().running(NEW, 0).running(OLD, 2).advanceSecs(2);
    sim.start(instructions(Map.of(NEW, List.of(0), OLD, List.of(2)), List.of(0, 1, 2), DEFAULT));
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(1, List.of("U")));
    assertThat(sim.kills).isZero();

    sim.comesUp(1);
    sim.operator(OperatorAction.PAUSE);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    Decision again = sim.operator(OperatorAction.PAUSE);
    assertThat(again.events()).isEmpty();
    assertThat(again.rejection()).isEmpty();

    sim.advance(Duration.ofDays(1));
    sim.drive(1, FAILED).comesUp(1);
    sim.drive(2, FAILED).comesUp(2);
    sim.advanceSecs(2);
    sim.operator(OperatorAction.RESUME);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(1, List.of("U", "D"), 2, List.of("U")));
    assertThat(sim.kills).isEqualTo(1);

    int before = sim.events.size();
    sim.pending(NEW, 100);
    sim.input(new UpdateInput.InstanceChanged(100, Optional.of(sim.active.get(100))));
    assertThat(sim.events).hasSize(before);

    sim.drive(2, KILLED).comesUp(2).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.eventsOf(2)).containsExactly("U", "D");
    assertThat(sim.eventsOf(0)).isEmpty();
    assertThat(sim.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, NEW, 100, NEW));
    assertThat(sim.operator(OperatorAction.ABORT).rejection())
        .hasValue("Cannot transition update from ROLLED_FORWARD to ABORTED");
  }

  @Test
  void u2CoordinatedUpdateWaitsForPulsesAndStopsWithoutThem() {
    UpdateSettings coordinated =
        new UpdateSettings(
            1,
            2,
            0,
            0,
            true,
            false,
            Optional.of(10L),
            false,
            Optional.empty(),
            new UpdateStrategy.Queue(1));
    UpdateSim sim = new UpdateSim().running(NEW, 0).running(OLD, 1, 2).advanceSecs(2);
    sim.start(
        instructions(Map.of(NEW, List.of(0), OLD, List.of(1, 2)), List.of(0, 1, 2), coordinated));
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(sim.instanceEvents()).isEmpty();

    assertThat(sim.pulse()).isEqualTo(PulseStatus.OK);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(1, List.of("U")));
    assertThat(sim.kills).isEqualTo(1);

    sim.drive(1, KILLED).comesUp(1).advanceSecs(2);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(1, List.of("U", "D"), 2, List.of("U")));
    assertThat(sim.kills).isEqualTo(2);

    sim.advanceSecs(10).drive(2, KILLED);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(sim.run.message()).hasValue("Pulses from external service have timed out.");
    assertThat(sim.active).doesNotContainKey(2);

    assertThat(sim.pulse()).isEqualTo(PulseStatus.OK);
    sim.comesUp(2).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, NEW));
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(1, List.of("U", "D"), 2, List.of("U", "D")));
    assertThat(sim.pulse()).isEqualTo(PulseStatus.FINISHED);
  }

  @Test
  void u12BatchesWaitForTheWholeBatch() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1, 2).advanceSecs(2);
    sim.start(
        instructions(
            Map.of(OLD, List.of(0, 1, 2)),
            List.of(0, 1, 2),
            settings(new UpdateStrategy.Batch(2, false))));
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(0, List.of("U"), 1, List.of("U")));
    assertThat(sim.kills).isEqualTo(2);

    sim.drive(1, FINISHED).comesUp(1).advanceSecs(1);
    sim.drive(0, FINISHED).comesUp(0).advanceSecs(1);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(0, List.of("U"), 1, List.of("U", "D")));

    sim.advanceSecs(2);
    assertThat(sim.instanceEvents())
        .isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D"), 2, List.of("U")));
    assertThat(sim.kills).isEqualTo(3);

    sim.drive(2, FINISHED).comesUp(2).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.eventsOf(2)).containsExactly("U", "D");
    assertThat(sim.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, NEW));
  }

  @Test
  void u15AFailedInstanceRollsTheWholeUpdateBack() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 2, 3).advanceSecs(2);
    sim.start(instructions(Map.of(OLD, List.of(0, 2, 3)), List.of(0, 1, 2), DEFAULT));
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(1, List.of("U")));

    sim.comesUp(1).advanceSecs(2);
    assertThat(sim.eventsOf(1)).containsExactly("U", "D");
    assertThat(sim.eventsOf(0)).containsExactly("U");
    assertThat(sim.kills).isEqualTo(1);
    sim.drive(0, KILLED).comesUp(0);

    sim.advanceSecs(2);
    assertThat(sim.eventsOf(0)).containsExactly("U", "D");
    assertThat(sim.eventsOf(2)).containsExactly("U");
    assertThat(sim.kills).isEqualTo(2);
    sim.drive(2, KILLED).comesUp(2).advance(Duration.ofMillis(1)).drive(2, FAILED);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(sim.run.message()).hasValue("Latest failure: instance 2 exited.");
    assertThat(sim.eventsOf(2)).containsExactly("U", "F", "RB");
    assertThat(sim.eventsOf(3)).isEmpty();
    // The rescheduled NEW task was PENDING: deleted, not killed, and OLD added instead.
    assertThat(sim.kills).isEqualTo(2);
    assertThat(sim.active.get(2).config()).isEqualTo(OLD);
    assertThat(sim.active.get(2).status()).isEqualTo(PENDING);

    sim.comesUp(2).advanceSecs(2);
    assertThat(sim.eventsOf(2)).containsExactly("U", "F", "RB", "RD");
    assertThat(sim.eventsOf(0)).containsExactly("U", "D", "RB");
    assertThat(sim.kills).isEqualTo(3);

    int before =
        sim.events.stream()
            .filter(e -> e instanceof UpdateEvent.InstanceUpdateEvent)
            .toList()
            .size();
    sim.operator(OperatorAction.PAUSE);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_BACK_PAUSED);
    sim.advance(Duration.ofDays(1));
    sim.operator(OperatorAction.RESUME);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(sim.events.stream().filter(e -> e instanceof UpdateEvent.InstanceUpdateEvent))
        .hasSize(before);

    sim.drive(0, KILLED).comesUp(0).advanceSecs(2);
    assertThat(sim.eventsOf(0)).containsExactly("U", "D", "RB", "RD");
    assertThat(sim.eventsOf(1)).containsExactly("U", "D", "RB");
    assertThat(sim.kills).isEqualTo(4);

    sim.drive(1, KILLED).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(sim.eventsOf(1)).containsExactly("U", "D", "RB", "RD");
    assertThat(sim.configs()).isEqualTo(Map.of(0, OLD, 2, OLD, 3, OLD));
    assertThat(sim.kills).isEqualTo(4);
    assertThat(sim.eventsOf(3)).isEmpty();
    assertThat(sim.run.message().get()).contains("Latest failure: instance 2 exited.");
  }

  @Test
  void u17AbortLeavesTasksAsTheyAre() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 2).pending(OLD, 1).advanceSecs(2);
    sim.start(instructions(Map.of(OLD, List.of(0, 1, 2)), List.of(0, 1, 2), DEFAULT));
    sim.drive(0, KILLED).comesUp(0).advanceSecs(2);
    assertThat(sim.eventsOf(0)).containsExactly("U", "D");
    assertThat(sim.eventsOf(1)).containsExactly("U");
    assertThat(sim.active.get(1).config()).isEqualTo(NEW);
    assertThat(sim.active.get(1).status()).isEqualTo(PENDING);

    sim.operator(OperatorAction.ABORT);
    sim.advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ABORTED);
    assertThat(sim.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, OLD));
    assertThat(sim.active.get(1).status()).isEqualTo(PENDING);
    assertThat(sim.kills).isEqualTo(1);
  }

  @Test
  void u22AnUpdateThatChangesNothingFinishesAtOnce() {
    UpdateSim sim = new UpdateSim().running(NEW, 0, 1, 2).advance(Duration.ofDays(1));
    sim.start(instructions(Map.of(NEW, List.of(0, 1, 2)), List.of(0, 1, 2), DEFAULT));
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.instanceEvents()).isEmpty();
    assertThat(sim.kills).isZero();
    assertThat(sim.timers).isEmpty();
  }

  @Test
  void u25AddingInstances() {
    UpdateSim sim = new UpdateSim().running(NEW, 0, 1).advanceSecs(2);
    sim.start(instructions(Map.of(), List.of(0, 1, 2), DEFAULT));
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(2, List.of("U")));
    sim.comesUp(2).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(2, List.of("U", "D")));
    assertThat(sim.kills).isZero();
  }

  @Test
  void u26RemovingInstances() {
    UpdateSim sim = new UpdateSim().running(NEW, 0, 1).advanceSecs(2);
    sim.start(instructions(Map.of(NEW, List.of(0, 1)), List.of(0), DEFAULT));
    sim.drive(1, KILLED);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(1, List.of("U", "D")));
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.configs()).isEqualTo(Map.of(0, NEW));
    assertThat(sim.kills).isEqualTo(1);
  }

  @Test
  void u31ManualRollbackMidBatch() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1, 2).advanceSecs(2);
    sim.start(
        instructions(
            Map.of(OLD, List.of(0, 1, 2)),
            List.of(0, 1, 2),
            settings(new UpdateStrategy.Batch(2, false))));
    sim.drive(0, FINISHED).comesUp(0).drive(1, FINISHED).comesUp(1).advanceSecs(2);
    assertThat(sim.instanceEvents())
        .isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D"), 2, List.of("U")));
    assertThat(sim.kills).isEqualTo(3);

    sim.advanceSecs(2).operator(OperatorAction.ROLLBACK);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(sim.eventsOf(1)).containsExactly("U", "D", "RB");
    assertThat(sim.eventsOf(2)).containsExactly("U", "RB");
    assertThat(sim.kills).isEqualTo(4);

    sim.drive(1, KILLED).drive(2, KILLED).advanceSecs(2).advanceSecs(2);
    sim.comesUp(2).comesUp(1).advanceSecs(2);
    assertThat(sim.eventsOf(2)).containsExactly("U", "RB", "RD");
    assertThat(sim.eventsOf(1)).containsExactly("U", "D", "RB", "RD");
    assertThat(sim.eventsOf(0)).containsExactly("U", "D", "RB");
    assertThat(sim.kills).isEqualTo(5);

    sim.drive(0, KILLED).comesUp(0).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(sim.configs()).isEqualTo(Map.of(0, OLD, 1, OLD, 2, OLD));
    assertThat(sim.kills).isEqualTo(5);
  }
}
