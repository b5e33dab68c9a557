package io.borealis.update;

import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.update.UpdateScenariosTest.NEW;
import static io.borealis.update.UpdateScenariosTest.OLD;
import static io.borealis.update.UpdateScenariosTest.instructions;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import io.borealis.update.UpdateEvent.InstanceUpdateEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Engine behaviours beyond the §9.1 scenarios: §4.7, §4.8, §4.9, §4.10, §12. */
class UpdateEngineTest {

  private static UpdateSettings settings(
      UpdateStrategy strategy,
      int maxPerInstance,
      int maxTotal,
      boolean rollbackOnFailure,
      Optional<Long> pulse,
      boolean slaAware,
      Optional<Long> deadline) {
    return new UpdateSettings(
        1,
        2,
        maxPerInstance,
        maxTotal,
        rollbackOnFailure,
        false,
        pulse,
        slaAware,
        deadline,
        strategy);
  }

  private static UpdateSettings plain(UpdateStrategy strategy) {
    return settings(strategy, 0, 0, true, Optional.empty(), false, Optional.empty());
  }

  @Test
  void batchesWithAutoPausePauseBeforeEachNewBatchAndOnlyOnce() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1, 2, 3).advanceSecs(2);
    sim.start(
        instructions(
            Map.of(OLD, List.of(0, 1, 2, 3)),
            List.of(0, 1, 2, 3),
            plain(new UpdateStrategy.Batch(2, true))));
    assertThat(sim.kills).isEqualTo(2);

    sim.drive(0, KILLED).comesUp(0).drive(1, KILLED).comesUp(1).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(sim.run.message()).hasValue("Update auto paused");
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D")));
    assertThat(sim.kills).isEqualTo(2);

    sim.operator(OperatorAction.RESUME);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(sim.eventsOf(2)).containsExactly("U");
    assertThat(sim.eventsOf(3)).containsExactly("U");
    assertThat(sim.kills).isEqualTo(4);

    sim.drive(2, KILLED).comesUp(2).drive(3, KILLED).comesUp(3).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.run.message()).hasValue("All 4 instances are updated.");
    assertThat(sim.eventsOf(0)).containsExactly("U", "D");
  }

  @Test
  void anUpdateOfOneInstanceEndsNamingIt() {
    // Found updating one instance through the CLI: it ended "All 1 instances are updated."
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1).advanceSecs(2);
    sim.start(
        instructions(Map.of(OLD, List.of(1)), List.of(1), plain(new UpdateStrategy.Queue(1))));
    sim.drive(1, KILLED).comesUp(1).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.run.message()).hasValue("Instance 1 is updated.");
  }

  @Test
  void slaAwareKillsTakeOneInstanceDownAtATime() {
    TaskConfig guarded =
        new TaskConfig(
            NEW.job(),
            NEW.taskName(),
            true,
            NEW.tier(),
            true,
            NEW.priority(),
            NEW.maxTaskFailures(),
            NEW.resources(),
            NEW.processes(),
            NEW.processOrder(),
            NEW.constraints(),
            NEW.healthCheck(),
            NEW.partitionPolicy(),
            Optional.of(new SlaPolicy.Count(2, 0)),
            NEW.container(),
            NEW.contact(),
            NEW.metadata());
    UpdateEngine engine =
        new UpdateEngine(
            new UpdateEngine.Settings(3, false, Duration.ofSeconds(2), Duration.ofSeconds(2)));
    UpdateSim sim = new UpdateSim(engine).running(OLD, 0, 1, 2).advanceSecs(2);
    sim.start(
        UpdateSim.instructions(
            Map.of(OLD, List.of(0, 1, 2)),
            guarded,
            List.of(0, 1, 2),
            settings(
                new UpdateStrategy.Queue(3),
                0,
                0,
                true,
                Optional.empty(),
                true,
                Optional.empty())));
    assertThat(sim.kills).isEqualTo(1);
    assertThat(messagesOf(sim, 0))
        .containsExactly(
            Optional.empty(),
            Optional.of("Checking SLA before continuing."),
            Optional.of("SLA check passed, continuing."));
    assertThat(messagesOf(sim, 1))
        .containsExactly(Optional.empty(), Optional.of("Checking SLA before continuing."));

    sim.drive(0, KILLED).comesUp(0).advanceSecs(2);
    // 0 is back: one more may go down, and only one.
    assertThat(sim.kills).isEqualTo(2);
    assertThat(sim.eventsOf(0)).containsExactly("U", "U", "U", "D");
    assertThat(messagesOf(sim, 1)).last().isEqualTo(Optional.of("SLA check passed, continuing."));
    assertThat(messagesOf(sim, 2)).last().isEqualTo(Optional.of("Checking SLA before continuing."));
  }

  private static List<Optional<String>> messagesOf(UpdateSim sim, int instance) {
    return sim.events.stream()
        .filter(e -> e instanceof InstanceUpdateEvent i && i.instance() == instance)
        .map(e -> ((InstanceUpdateEvent) e).message())
        .toList();
  }

  @Test
  void withoutProgressWithinTheDeadlineTheUpdateRollsBackWithAReason() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1).advanceSecs(2);
    sim.start(
        instructions(
            Map.of(OLD, List.of(0, 1)),
            List.of(0, 1),
            settings(
                new UpdateStrategy.Queue(1),
                0,
                0,
                true,
                Optional.empty(),
                false,
                Optional.of(10L))));
    sim.drive(0, KILLED).advanceSecs(9);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    sim.advanceSecs(1);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(sim.run.message().get()).startsWith("no progress in 10 s");
  }

  @Test
  void aGroupSizeOfZeroIsAnInternalError() {
    UpdateSim sim = new UpdateSim().running(OLD, 0);
    sim.start(
        instructions(Map.of(OLD, List.of(0)), List.of(0), plain(new UpdateStrategy.Queue(0))));
    assertThat(sim.status()).isEqualTo(UpdateStatus.ERROR);
    assertThat(sim.run.message().get()).startsWith("Internal scheduler error: ");
    assertThat(sim.kills).isZero();
  }

  @Test
  void failuresWithinTheLimitsAreToleratedAndBeyondThemFailWithoutRollback() {
    UpdateSim tolerant = new UpdateSim().running(OLD, 0).advanceSecs(2);
    tolerant.start(
        instructions(
            Map.of(OLD, List.of(0)),
            List.of(0),
            settings(
                new UpdateStrategy.Queue(1),
                1,
                0,
                false,
                Optional.empty(),
                false,
                Optional.empty())));
    tolerant.drive(0, KILLED).comesUp(0).drive(0, FAILED).comesUp(0).advanceSecs(2);
    assertThat(tolerant.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(tolerant.eventsOf(0)).containsExactly("U", "D");

    UpdateSim strict = new UpdateSim().running(OLD, 0).advanceSecs(2);
    strict.start(
        instructions(
            Map.of(OLD, List.of(0)),
            List.of(0),
            settings(
                new UpdateStrategy.Queue(1),
                1,
                0,
                false,
                Optional.empty(),
                false,
                Optional.empty())));
    strict.drive(0, KILLED).comesUp(0).drive(0, FAILED).comesUp(0).drive(0, FAILED);
    assertThat(strict.status()).isEqualTo(UpdateStatus.FAILED);
    assertThat(strict.run.message()).hasValue("Latest failure: instance 0 exited.");
    assertThat(strict.eventsOf(0)).containsExactly("U", "F");
  }

  @Test
  void pausedCoordinatedUpdatesTakePulsesAndResumeIntoWaitingWhenPulsesStopped() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1).advanceSecs(2);
    sim.start(
        instructions(
            Map.of(OLD, List.of(0, 1)),
            List.of(0, 1),
            settings(
                new UpdateStrategy.Queue(1),
                0,
                0,
                true,
                Optional.of(10L),
                false,
                Optional.empty())));
    assertThat(sim.operator(OperatorAction.RESUME).rejection()).isEmpty();
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(sim.pulse()).isEqualTo(PulseStatus.OK);
    sim.operator(OperatorAction.PAUSE);
    assertThat(sim.pulse()).isEqualTo(PulseStatus.OK);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    sim.operator(OperatorAction.RESUME);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    sim.operator(OperatorAction.PAUSE);
    sim.advanceSecs(10);
    sim.operator(OperatorAction.RESUME);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    sim.operator(OperatorAction.ABORT);
    assertThat(sim.pulse()).isEqualTo(PulseStatus.FINISHED);
  }

  @Test
  void aPulseExpiryThatFiresEarlyWaitsForTheRestOfTheInterval() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1).advanceSecs(2);
    sim.start(
        instructions(
            Map.of(OLD, List.of(0, 1)),
            List.of(0, 1),
            settings(
                new UpdateStrategy.Queue(1),
                0,
                0,
                true,
                Optional.of(10L),
                false,
                Optional.empty())));
    assertThat(sim.pulse()).isEqualTo(PulseStatus.OK);
    Instant due = sim.timers.get(new UpdateTimer.PulseExpiry());
    sim.advanceSecs(3);

    // A timer armed against another clock reading goes off 7 s before the pulse expires.
    sim.timers.remove(new UpdateTimer.PulseExpiry());
    sim.input(new UpdateInput.TimerFired(new UpdateTimer.PulseExpiry()));

    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(sim.timers).containsEntry(new UpdateTimer.PulseExpiry(), due);
    sim.advanceSecs(7);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
  }

  @Test
  void aRecoveredUpdateContinuesWithoutDuplicateInstanceEvents() {
    UpdateSim sim = new UpdateSim().running(OLD, 0, 1).advanceSecs(2);
    sim.start(
        instructions(
            Map.of(OLD, List.of(0, 1)), List.of(0, 1), plain(new UpdateStrategy.Queue(1))));
    sim.drive(0, KILLED).comesUp(0);
    assertThat(sim.timers).containsKey(new UpdateTimer.Watch(0));

    // The node dies: timers are lost, the state comes back from the journal.
    sim.timers.clear();
    UpdateRun replayed = UpdateRun.started((UpdateEvent.UpdateStarted) sim.events.get(0));
    for (UpdateEvent e : sim.events.subList(1, sim.events.size())) {
      replayed = replayed.apply(e);
    }
    assertThat(replayed).isEqualTo(sim.run);
    sim.input(new UpdateInput.Recovered());
    assertThat(sim.timers).containsKey(new UpdateTimer.Watch(0));

    sim.advanceSecs(2).drive(1, KILLED).comesUp(1).advanceSecs(2);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(sim.instanceEvents()).isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D")));
    assertThat(sim.kills).isEqualTo(2);
  }

  @Test
  void aNonCoordinatedUpdateAnswersPulsesWithFinished() {
    UpdateSim sim = new UpdateSim().running(OLD, 0).advanceSecs(2);
    sim.start(
        instructions(Map.of(OLD, List.of(0)), List.of(0), plain(new UpdateStrategy.Queue(1))));
    assertThat(sim.pulse()).isEqualTo(PulseStatus.FINISHED);
    assertThat(sim.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
  }

  @Test
  void slaCountAndPercentageFollowTheRunningInstancesOfTheJob() {
    java.time.Instant now = java.time.Instant.ofEpochSecond(1000);
    Map<Integer, ObservedTask> tasks =
        Map.of(
            0, running(now.minusSeconds(100)),
            1, running(now.minusSeconds(100)),
            2, running(now.minusSeconds(5)),
            3, running(now.minusSeconds(100)));
    SlaPolicy count = new SlaPolicy.Count(2, 30);
    assertThat(SlaCheck.allows(count, 0, tasks, now, true, 3, false)).isTrue();
    assertThat(SlaCheck.allows(new SlaPolicy.Count(3, 30), 0, tasks, now, true, 3, false))
        .isFalse();
    assertThat(SlaCheck.allows(new SlaPolicy.Count(3, 0), 0, tasks, now, true, 3, false)).isTrue();
    // Too few instances, or not production: no check.
    assertThat(SlaCheck.allows(new SlaPolicy.Count(3, 30), 0, tasks, now, true, 20, false))
        .isTrue();
    assertThat(SlaCheck.allows(new SlaPolicy.Count(3, 30), 0, tasks, now, false, 3, false))
        .isTrue();
    assertThat(SlaCheck.allows(new SlaPolicy.Percentage(50, 30), 0, tasks, now, true, 3, false))
        .isTrue();
    assertThat(SlaCheck.allows(new SlaPolicy.Percentage(75, 30), 0, tasks, now, true, 3, false))
        .isFalse();
  }

  private static ObservedTask running(java.time.Instant since) {
    return new ObservedTask(
        "t", io.borealis.model.ScheduleStatus.RUNNING, OLD, since, false, Optional.empty());
  }
}
