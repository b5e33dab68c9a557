package io.borealis.node;

import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.FINISHED;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.node.UpdateWorld.DEFAULT;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.common.Rejection;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import io.borealis.update.InstanceAction;
import io.borealis.update.OperatorAction;
import io.borealis.update.PulseStatus;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The update scenarios of aurora-semantics §9.1 against the real entities on a simulated fleet
 * ({@link UpdateWorld}): the JobUpdate entity kills, adds and watches real task instances,
 * placement puts the new tasks on the sim's agents, and the test reports their statuses as the
 * agents would, under a manual clock. Each asserts the update's status, the instance events per
 * instance and the number of kills §9.1 states.
 */
class UpdateScenariosEntityTest {

  private static final ActorTestKit kit = ActorTestKit.create(UpdateWorld.config());

  @AfterAll
  static void shutdownTestKit() {
    kit.shutdownTestKit();
  }

  private UpdateWorld w;
  private TaskConfig OLD;
  private TaskConfig NEW;

  @BeforeEach
  void setUp() {
    w = new UpdateWorld(kit);
    OLD = w.oldConfig;
    NEW = w.newConfig;
  }

  @AfterEach
  void tearDown() {
    w.close();
  }

  private static final String ID = "update_id";

  @Test
  void u1BasicUpdateWithPauseAndResume() {
    w.running(Map.of(0, NEW, 2, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, DEFAULT));
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U")));
    assertThat(w.kills()).isZero();

    w.comesUp(1);
    assertThat(w.act(ID, OperatorAction.PAUSE).getValue().status())
        .isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    int events = w.fed.size();
    assertThat(w.act(ID, OperatorAction.PAUSE).getValue().status())
        .isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(w.fed).as("a second pause is a no-op").hasSize(events);

    w.advance(Duration.ofDays(1));
    w.drive(1, FAILED).comesUp(1);
    w.drive(2, FAILED).comesUp(2);
    assertThat(w.active(2).orElseThrow().config()).isEqualTo(OLD);
    w.advanceSecs(2);
    w.act(ID, OperatorAction.RESUME);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U", "D"), 2, List.of("U")));
    assertThat(w.kills()).isEqualTo(1);

    int before = w.fed.size();
    w.schedule(100, NEW);
    assertThat(w.fed).as("instance 100 is not the update's").hasSize(before);

    w.killed(2).comesUp(2).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.eventsOf(ID, 2)).containsExactly("U", "D");
    assertThat(w.eventsOf(ID, 0)).isEmpty();
    assertThat(w.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, NEW, 100, NEW));
    var abort = w.act(ID, OperatorAction.ABORT);
    assertThat(abort.isError()).isTrue();
    assertThat(abort.getError()).isInstanceOf(Rejection.Conflict.class);
    assertThat(abort.getError().getMessage())
        .contains("Cannot transition update from ROLLED_FORWARD to ABORTED");
    assertThat(w.kills()).isEqualTo(1);
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
    w.running(Map.of(0, NEW, 1, OLD, 2, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, coordinated));
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(w.instanceEvents(ID)).isEmpty();

    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.OK);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U")));
    assertThat(w.kills()).isEqualTo(1);

    w.killed(1).comesUp(1).advanceSecs(2);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U", "D"), 2, List.of("U")));
    assertThat(w.kills()).isEqualTo(2);

    w.advanceSecs(10).killed(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(w.message(ID)).hasValue("Pulses from external service have timed out.");
    assertThat(w.active(2)).as("no replacement yet").isEmpty();

    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.OK);
    w.comesUp(2).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, NEW));
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U", "D"), 2, List.of("U", "D")));
    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.FINISHED);
    assertThat(w.kills()).isEqualTo(2);
  }

  @Test
  void u12BatchesWaitForTheWholeBatch() {
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, UpdateWorld.settings(new UpdateStrategy.Batch(2, false))));
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(0, List.of("U"), 1, List.of("U")));
    assertThat(w.kills()).isEqualTo(2);

    w.drive(1, FINISHED).comesUp(1).advanceSecs(1);
    w.drive(0, FINISHED).comesUp(0).advanceSecs(1);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(0, List.of("U"), 1, List.of("U", "D")));
    assertThat(w.kills()).as("2 waits for the whole batch").isEqualTo(2);

    w.advanceSecs(2);
    assertThat(w.instanceEvents(ID))
        .isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D"), 2, List.of("U")));
    assertThat(w.kills()).isEqualTo(3);

    w.drive(2, FINISHED).comesUp(2).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.eventsOf(ID, 2)).containsExactly("U", "D");
    assertThat(w.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, NEW));
    assertThat(w.kills()).isEqualTo(3);
  }

  @Test
  void u15AFailedInstanceRollsTheWholeUpdateBack() {
    // Four one-task agents: one per instance, so no agent is free when instance 2 fails.
    w.running(Map.of(0, OLD, 2, OLD, 3, OLD), 4).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, DEFAULT));
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U")));

    w.comesUp(1).advanceSecs(2);
    assertThat(w.eventsOf(ID, 1)).containsExactly("U", "D");
    assertThat(w.eventsOf(ID, 0)).containsExactly("U");
    assertThat(w.kills()).isEqualTo(1);
    w.killed(0).comesUp(0);

    w.advanceSecs(2);
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D");
    assertThat(w.eventsOf(ID, 2)).containsExactly("U");
    assertThat(w.kills()).isEqualTo(2);
    w.killed(2).comesUp(2).advance(Duration.ofMillis(1));
    // §9.0 runs no scheduler: the rescheduled task stays PENDING. On the sim placement would
    // assign it at once to the agent its failure freed, so that agent's offer waits meanwhile.
    w.holdOffers(true);
    w.drive(2, FAILED);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(w.message(ID)).hasValue("Latest failure: instance 2 exited.");
    assertThat(w.eventsOf(ID, 2)).containsExactly("U", "F", "RB");
    assertThat(w.eventsOf(ID, 3)).isEmpty();
    // The rescheduled NEW task was PENDING: deleted, not killed, and OLD added instead.
    assertThat(w.kills()).isEqualTo(2);
    assertThat(w.active(2).orElseThrow().config()).isEqualTo(OLD);
    assertThat(w.active(2).orElseThrow().status()).isEqualTo(PENDING);

    w.holdOffers(false);
    w.comesUp(2).advanceSecs(2);
    assertThat(w.eventsOf(ID, 2)).containsExactly("U", "F", "RB", "RD");
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D", "RB");
    assertThat(w.kills()).isEqualTo(3);

    int before = w.instanceEvents(ID).values().stream().mapToInt(List::size).sum();
    w.act(ID, OperatorAction.PAUSE);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_BACK_PAUSED);
    w.advance(Duration.ofDays(1));
    w.act(ID, OperatorAction.RESUME);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(w.instanceEvents(ID).values().stream().mapToInt(List::size).sum()).isEqualTo(before);

    w.killed(0).comesUp(0).advanceSecs(2);
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D", "RB", "RD");
    assertThat(w.eventsOf(ID, 1)).containsExactly("U", "D", "RB");
    assertThat(w.kills()).isEqualTo(4);

    w.killed(1).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(w.eventsOf(ID, 1)).containsExactly("U", "D", "RB", "RD");
    assertThat(w.configs()).isEqualTo(Map.of(0, OLD, 2, OLD, 3, OLD));
    assertThat(w.kills()).isEqualTo(4);
    assertThat(w.eventsOf(ID, 3)).isEmpty();
  }

  @Test
  void u17AbortLeavesTasksAsTheyAre() {
    // Instance 1 is PENDING and stays so: a fleet of two one-task agents, and a task of 1 too big
    // for them (on the sim a PENDING task that fits would be placed at once).
    TaskConfig oldTooBig = UpdateWorld.config(w.job, "./server --version 1", 4);
    w.createJob(3, OLD);
    w.remove(1);
    w.addAgents(2);
    w.comesUp(0).comesUp(2);
    w.schedule(1, oldTooBig);
    w.kills.clear();
    w.advanceSecs(2);

    w.start(ID, w.proposed(NEW, 3, DEFAULT));
    w.killed(0).comesUp(0).advanceSecs(2);
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D");
    assertThat(w.eventsOf(ID, 1)).containsExactly("U");
    assertThat(w.active(1).orElseThrow().config()).isEqualTo(NEW);
    assertThat(w.active(1).orElseThrow().status()).isEqualTo(PENDING);

    w.act(ID, OperatorAction.ABORT);
    w.advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ABORTED);
    assertThat(w.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, OLD));
    assertThat(w.active(1).orElseThrow().status()).isEqualTo(PENDING);
    assertThat(w.kills()).isEqualTo(1);
  }

  @Test
  void u22AnUpdateThatChangesNothingFinishesAtOnce() {
    w.running(Map.of(0, NEW, 1, NEW, 2, NEW)).advance(Duration.ofDays(1));
    // JobUpdaterIT stores this update directly; through startJobUpdate (§4.1) "if the diff is
    // empty -> OK response with message 'Job is unchanged by proposed update.' and no update is
    // created", which is what the entity answers: nothing happens, nothing is left behind.
    var started = w.start(ID, w.proposed(NEW, 3, DEFAULT), Set.of(0, 1, 2));
    assertThat(started.created()).isFalse();
    assertThat(started.message()).isEqualTo("Job is unchanged by proposed update.");
    assertThat(w.status(ID)).isNull();
    assertThat(w.instanceEvents(ID)).isEmpty();
    assertThat(w.kills()).isZero();
    w.advance(Duration.ofDays(1));
    assertThat(w.fed).as("no timer was left").isEmpty();
    assertThat(w.configs()).isEqualTo(Map.of(0, NEW, 1, NEW, 2, NEW));
    // The job was not left held: an update of it starts.
    assertThat(w.start("next", w.proposed(OLD, 3, DEFAULT)).status())
        .hasValue(UpdateStatus.ROLLING_FORWARD);
  }

  @Test
  void u25AddingInstances() {
    w.running(Map.of(0, NEW, 1, NEW)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, DEFAULT));
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(2, List.of("U")));
    w.comesUp(2).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(2, List.of("U", "D")));
    assertThat(w.kills()).isZero();
  }

  @Test
  void u26RemovingInstances() {
    w.running(Map.of(0, NEW, 1, NEW)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 1, DEFAULT));
    w.killed(1);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U", "D")));
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.configs()).isEqualTo(Map.of(0, NEW));
    assertThat(w.kills()).isEqualTo(1);
  }

  @Test
  void u31ManualRollbackMidBatch() {
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, UpdateWorld.settings(new UpdateStrategy.Batch(2, false))));
    w.drive(0, FINISHED).comesUp(0).drive(1, FINISHED).comesUp(1).advanceSecs(2);
    assertThat(w.instanceEvents(ID))
        .isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D"), 2, List.of("U")));
    assertThat(w.kills()).isEqualTo(3);

    w.advanceSecs(2).act(ID, OperatorAction.ROLLBACK);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(w.eventsOf(ID, 1)).containsExactly("U", "D", "RB");
    assertThat(w.eventsOf(ID, 2)).containsExactly("U", "RB");
    assertThat(w.kills()).isEqualTo(4);

    w.killed(1).killed(2).advanceSecs(2).advanceSecs(2);
    w.comesUp(2).comesUp(1).advanceSecs(2);
    assertThat(w.eventsOf(ID, 2)).containsExactly("U", "RB", "RD");
    assertThat(w.eventsOf(ID, 1)).containsExactly("U", "D", "RB", "RD");
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D", "RB");
    assertThat(w.kills()).isEqualTo(5);

    w.killed(0).comesUp(0).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(w.configs()).isEqualTo(Map.of(0, OLD, 1, OLD, 2, OLD));
    assertThat(w.kills()).isEqualTo(5);
  }

  // ---------------------------------------------------------------------------------------------
  // Beyond §9.1: the rows of §4.3's transition table, strategies, auto-pause, scopes, restarts,
  // Borealis's additions (§12). The agents carry kills out at once here.

  /** Three OLD instances running, an update of them to NEW with {@code settings} started. */
  private void threeOldUpdatedWith(UpdateSettings settings) {
    w.holdKills = false;
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, settings));
  }

  private static UpdateSettings with(
      boolean rollbackOnFailure, Optional<Long> pulseSecs, Optional<Long> deadlineSecs) {
    return new UpdateSettings(
        1,
        2,
        0,
        0,
        rollbackOnFailure,
        false,
        pulseSecs,
        false,
        deadlineSecs,
        new UpdateStrategy.Queue(1));
  }

  private static final Optional<Long> NONE = Optional.empty();
  private static final Optional<Long> PULSE_10S = Optional.of(10L);

  /** The instances in the order their INSTANCE_UPDATING events were recorded. */
  private List<Integer> updatingOrder() {
    return w.fed.stream()
        .filter(e -> e instanceof UpdateEvent.InstanceTransitioned)
        .map(e -> (UpdateEvent.InstanceTransitioned) e)
        .filter(e -> e.updateId().equals(ID) && e.action() == InstanceAction.INSTANCE_UPDATING)
        .map(UpdateEvent.InstanceTransitioned::instance)
        .toList();
  }

  private UpdateStatus acted(OperatorAction action) {
    return acted(ID, action);
  }

  private UpdateStatus acted(String id, OperatorAction action) {
    var reply = w.act(id, action);
    assertThat(reply.isSuccess()).as("%s: %s", action, reply).isTrue();
    return reply.getValue().status();
  }

  @Test
  void rollingForwardFailsWhenItMayNotRollBack() {
    threeOldUpdatedWith(with(false, NONE, NONE));
    w.comesUp(0).advance(Duration.ofMillis(500)).drive(0, FAILED);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.FAILED);
    assertThat(w.transitions(ID)).containsExactly("ROLLING_FORWARD->FAILED");
    assertThat(w.message(ID).orElseThrow()).contains("Latest failure: instance 0 exited.");
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(0, List.of("U", "F")));
    // The failed instance is left as it is; the others were not touched.
    assertThat(w.configs()).isEqualTo(Map.of(0, NEW, 1, OLD, 2, OLD));
  }

  @Test
  void aRollbackWhoseInstanceFailsEndsFailed() {
    threeOldUpdatedWith(DEFAULT);
    w.comesUp(0).advanceSecs(2);
    w.comesUp(1).advance(Duration.ofMillis(500)).drive(1, FAILED);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_BACK);
    // Instance 1's NEW task came back PENDING and was placed: the rollback kills it, adds OLD.
    w.comesUp(1).advance(Duration.ofMillis(500)).drive(1, FAILED);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.FAILED);
    assertThat(w.transitions(ID))
        .containsExactly("ROLLING_FORWARD->ROLLING_BACK", "ROLLING_BACK->FAILED");
    assertThat(w.eventsOf(ID, 1)).containsExactly("U", "F", "RB", "RF");
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D");
    assertThat(w.eventsOf(ID, 2)).isEmpty();
  }

  @Test
  void aPausedUpdateRollsBackPausesAgainAndAborts() {
    threeOldUpdatedWith(DEFAULT);
    assertThat(acted(OperatorAction.PAUSE)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(acted(OperatorAction.ROLLBACK)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(acted(OperatorAction.PAUSE)).isEqualTo(UpdateStatus.ROLL_BACK_PAUSED);
    // Resuming a paused rollback by rolling back: "acts like resume of the rollback".
    assertThat(acted(OperatorAction.ROLLBACK)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(acted(OperatorAction.ROLLBACK)).as("no-op").isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(acted(OperatorAction.PAUSE)).isEqualTo(UpdateStatus.ROLL_BACK_PAUSED);
    assertThat(acted(OperatorAction.ABORT)).isEqualTo(UpdateStatus.ABORTED);
    assertThat(acted(OperatorAction.ABORT))
        .as("aborting ABORTED is a no-op")
        .isEqualTo(UpdateStatus.ABORTED);
    assertThat(w.transitions(ID))
        .containsExactly(
            "ROLLING_FORWARD->ROLL_FORWARD_PAUSED",
            "ROLL_FORWARD_PAUSED->ROLLING_BACK",
            "ROLLING_BACK->ROLL_BACK_PAUSED",
            "ROLL_BACK_PAUSED->ROLLING_BACK",
            "ROLLING_BACK->ROLL_BACK_PAUSED",
            "ROLL_BACK_PAUSED->ABORTED");
    // Instance 0 was being updated when paused; the rollback put OLD back.
    w.comesUp(0);
    assertThat(w.configs()).isEqualTo(Map.of(0, OLD, 1, OLD, 2, OLD));
  }

  @Test
  void pausedAndRollingBackUpdatesAbort() {
    threeOldUpdatedWith(DEFAULT);
    assertThat(acted(OperatorAction.PAUSE)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(acted(OperatorAction.ABORT)).isEqualTo(UpdateStatus.ABORTED);
    assertThat(w.transitions(ID))
        .containsExactly("ROLLING_FORWARD->ROLL_FORWARD_PAUSED", "ROLL_FORWARD_PAUSED->ABORTED");

    w.comesUp(0);
    var other = "other";
    w.start(other, w.proposed(NEW, 3, DEFAULT));
    assertThat(acted(other, OperatorAction.ROLLBACK)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(acted(other, OperatorAction.ABORT)).isEqualTo(UpdateStatus.ABORTED);
    assertThat(w.transitions(other))
        .containsExactly("ROLLING_FORWARD->ROLLING_BACK", "ROLLING_BACK->ABORTED");
  }

  @Test
  void aCoordinatedUpdateGoesThroughEveryAwaitingAndPausedStatus() {
    threeOldUpdatedWith(with(true, PULSE_10S, NONE));
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(acted(OperatorAction.PAUSE)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(w.pulse(ID)).as("a paused update takes pulses").isEqualTo(PulseStatus.OK);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    w.advanceSecs(10);
    // Resuming once the pulse has expired waits for the next one.
    assertThat(acted(OperatorAction.RESUME)).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.OK);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    w.comesUp(0);
    w.advanceSecs(10);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D");
    assertThat(w.eventsOf(ID, 1)).containsExactly("U");

    // Rolled back while awaiting a pulse: the rollback awaits one too.
    acted(OperatorAction.ROLLBACK);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_BACK_AWAITING_PULSE);
    assertThat(acted(OperatorAction.PAUSE)).isEqualTo(UpdateStatus.ROLL_BACK_PAUSED);
    assertThat(acted(OperatorAction.RESUME)).isEqualTo(UpdateStatus.ROLL_BACK_AWAITING_PULSE);
    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.OK);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_BACK);
    w.comesUp(1).advanceSecs(2).comesUp(0).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(w.transitions(ID))
        .containsExactly(
            "ROLL_FORWARD_AWAITING_PULSE->ROLL_FORWARD_PAUSED",
            "ROLL_FORWARD_PAUSED->ROLL_FORWARD_AWAITING_PULSE",
            "ROLL_FORWARD_AWAITING_PULSE->ROLLING_FORWARD",
            "ROLLING_FORWARD->ROLL_FORWARD_AWAITING_PULSE",
            "ROLL_FORWARD_AWAITING_PULSE->ROLLING_BACK",
            "ROLLING_BACK->ROLL_BACK_AWAITING_PULSE",
            "ROLL_BACK_AWAITING_PULSE->ROLL_BACK_PAUSED",
            "ROLL_BACK_PAUSED->ROLL_BACK_AWAITING_PULSE",
            "ROLL_BACK_AWAITING_PULSE->ROLLING_BACK",
            "ROLLING_BACK->ROLLED_BACK");
    assertThat(w.configs()).isEqualTo(Map.of(0, OLD, 1, OLD, 2, OLD));

    // A terminal update takes no action but a rollback of a finished one (ROLLED_BACK is not).
    for (OperatorAction a : OperatorAction.values()) {
      assertThat(w.act(ID, a).isError()).as("%s of ROLLED_BACK", a).isTrue();
    }
    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.FINISHED);
  }

  @Test
  void updatesAwaitingAPulseAbort() {
    threeOldUpdatedWith(with(true, PULSE_10S, NONE));
    assertThat(acted(OperatorAction.ABORT)).isEqualTo(UpdateStatus.ABORTED);
    assertThat(w.transitions(ID)).containsExactly("ROLL_FORWARD_AWAITING_PULSE->ABORTED");

    String other = "other";
    w.start(other, w.proposed(NEW, 3, with(true, PULSE_10S, NONE)));
    w.pulse(other);
    w.act(other, OperatorAction.ROLLBACK);
    w.advanceSecs(10);
    assertThat(w.status(other)).isEqualTo(UpdateStatus.ROLL_BACK_AWAITING_PULSE);
    assertThat(w.act(other, OperatorAction.ABORT).getValue().status())
        .isEqualTo(UpdateStatus.ABORTED);
    assertThat(w.transitions(other))
        .containsExactly(
            "ROLL_FORWARD_AWAITING_PULSE->ROLLING_FORWARD",
            "ROLLING_FORWARD->ROLLING_BACK",
            "ROLLING_BACK->ROLL_BACK_AWAITING_PULSE",
            "ROLL_BACK_AWAITING_PULSE->ABORTED");
  }

  @Test
  void queueKeepsItsGroupSizeInFlight() {
    w.holdKills = false;
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD, 3, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 4, UpdateWorld.settings(new UpdateStrategy.Queue(2))));
    assertThat(updatingOrder()).containsExactly(0, 1);
    // Instance 0 done while 1 is still starting: 2 takes its place at once.
    w.comesUp(0).advanceSecs(2);
    assertThat(updatingOrder()).containsExactly(0, 1, 2);
    w.comesUp(1).comesUp(2).advanceSecs(2);
    assertThat(updatingOrder()).containsExactly(0, 1, 2, 3);
    w.comesUp(3).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.kills()).isEqualTo(4);
  }

  @Test
  void variableBatchesGrowThenRepeatTheLastSize() {
    w.holdKills = false;
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD, 3, OLD, 4, OLD)).advanceSecs(2);
    w.start(
        ID,
        w.proposed(
            NEW, 5, UpdateWorld.settings(new UpdateStrategy.VariableBatch(List.of(1, 2), false))));
    assertThat(updatingOrder()).containsExactly(0);
    w.comesUp(0).advanceSecs(2);
    assertThat(updatingOrder()).containsExactly(0, 1, 2);
    w.comesUp(1).advanceSecs(2);
    assertThat(updatingOrder()).as("the batch waits for 2").containsExactly(0, 1, 2);
    w.comesUp(2).advanceSecs(2);
    assertThat(updatingOrder()).containsExactly(0, 1, 2, 3, 4);
    w.comesUp(3).comesUp(4).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.configs()).containsOnlyKeys(0, 1, 2, 3, 4).doesNotContainValue(OLD);
  }

  @Test
  void autoPauseStopsAfterEachBatchButTheLast() {
    w.holdKills = false;
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD, 3, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 4, UpdateWorld.settings(new UpdateStrategy.Batch(2, true))));
    w.comesUp(0).comesUp(1).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(w.message(ID)).hasValue("Update auto paused");
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D")));
    assertThat(w.configs()).containsEntry(2, OLD).containsEntry(3, OLD);
    assertThat(w.kills()).isEqualTo(2);

    acted(OperatorAction.RESUME);
    assertThat(updatingOrder()).containsExactly(0, 1, 2, 3);
    w.comesUp(2).comesUp(3).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.transitions(ID))
        .containsExactly(
            "ROLLING_FORWARD->ROLL_FORWARD_PAUSED",
            "ROLL_FORWARD_PAUSED->ROLLING_FORWARD",
            "ROLLING_FORWARD->ROLLED_FORWARD");
    assertThat(w.instanceEvents(ID).values()).allMatch(e -> e.equals(List.of("U", "D")));
  }

  @Test
  void aScopedUpdateTouchesOnlyItsInstances() {
    w.holdKills = false;
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD)).advanceSecs(2);
    w.start(ID, w.proposed(NEW, 3, DEFAULT), Set.of(1));
    w.comesUp(1).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.instanceEvents(ID)).isEqualTo(Map.of(1, List.of("U", "D")));
    assertThat(w.configs()).isEqualTo(Map.of(0, OLD, 1, NEW, 2, OLD));
    assertThat(w.kills()).isEqualTo(1);

    // Out of scope: an instance neither the job nor the proposal has.
    var outside = w.startReply("outside", w.proposed(NEW, 3, DEFAULT), Set.of(7), Map.of());
    assertThat(outside.getError()).isInstanceOf(Rejection.Invalid.class);
    assertThat(outside.getError().getMessage()).contains("7");
  }

  @Test
  void pulsesGoOnAcrossARestartOfTheUpdate() {
    threeOldUpdatedWith(with(true, PULSE_10S, NONE));
    w.pulse(ID);
    w.comesUp(0).advanceSecs(2);
    assertThat(w.eventsOf(ID, 1)).containsExactly("U");

    w.restart(ID);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.OK);
    w.comesUp(1).advanceSecs(2);
    assertThat(w.eventsOf(ID, 1)).containsExactly("U", "D");

    // Restarted again, then no pulse: the expiry timer is armed anew and blocks the update.
    w.restart(ID);
    w.advanceSecs(10);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    w.restart(ID);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    assertThat(w.pulse(ID)).isEqualTo(PulseStatus.OK);
    w.comesUp(2).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.instanceEvents(ID))
        .as("no instance event twice")
        .isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D"), 2, List.of("U", "D")));
    assertThat(w.kills()).isEqualTo(3);
  }

  @Test
  void aFinishedUpdateRollsBackAsANewLinkedUpdate() {
    threeOldUpdatedWith(DEFAULT);
    w.comesUp(0).advanceSecs(2).comesUp(1).advanceSecs(2).comesUp(2).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);

    var acted = w.act(ID, OperatorAction.ROLLBACK).getValue();
    assertThat(acted.status())
        .as("the original stays as it was")
        .isEqualTo(UpdateStatus.ROLLED_FORWARD);
    String back = acted.rollback().orElseThrow().id();
    var started =
        w.fed.stream()
            .filter(e -> e instanceof UpdateEvent.UpdateStarted s && s.updateId().equals(back))
            .map(e -> (UpdateEvent.UpdateStarted) e)
            .findFirst()
            .orElseThrow();
    assertThat(started.rollbackOf()).hasValue(ID);
    assertThat(started.instructions().settings()).isEqualTo(DEFAULT);
    w.comesUp(0).advanceSecs(2).comesUp(1).advanceSecs(2).comesUp(2).advanceSecs(2);
    assertThat(w.status(back)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.instanceEvents(back).values()).allMatch(e -> e.equals(List.of("U", "D")));
    assertThat(w.configs()).isEqualTo(Map.of(0, OLD, 1, OLD, 2, OLD));
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
  }

  @Test
  void aClientIdReusedIsTheSameUpdateOrAConflict() {
    threeOldUpdatedWith(DEFAULT);
    int events = w.fed.size();
    var again = w.start(ID, w.proposed(NEW, 3, DEFAULT));
    assertThat(again.key()).isEqualTo(w.key(ID));
    assertThat(again.status()).hasValue(UpdateStatus.ROLLING_FORWARD);
    assertThat(w.fed).as("the retry changed nothing").hasSize(events);

    var other = w.startReply(ID, w.proposed(NEW, 3, with(false, NONE, NONE)), Set.of(), Map.of());
    assertThat(other.getError()).isInstanceOf(Rejection.Conflict.class);
    var otherMetadata =
        w.startReply(ID, w.proposed(NEW, 3, DEFAULT), Set.of(), Map.of("ticket", "42"));
    assertThat(otherMetadata.getError()).isInstanceOf(Rejection.Conflict.class);

    // Still the same update once it is finished.
    w.comesUp(0).advanceSecs(2).comesUp(1).advanceSecs(2).comesUp(2).advanceSecs(2);
    assertThat(w.start(ID, w.proposed(NEW, 3, DEFAULT)).status())
        .hasValue(UpdateStatus.ROLLED_FORWARD);
  }

  @Test
  void anUpdateWithoutProgressWithinItsDeadlineFails() {
    threeOldUpdatedWith(with(true, NONE, Optional.of(30L)));
    // Instance 0's new task is placed but never starts.
    w.advanceSecs(29);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    w.advanceSecs(1);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThat(w.message(ID).orElseThrow()).contains("no progress in 30 s");
    w.comesUp(0).advanceSecs(2);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(w.configs()).isEqualTo(Map.of(0, OLD, 1, OLD, 2, OLD));
  }

  @Test
  void progressPushesTheDeadlineBack() {
    threeOldUpdatedWith(with(false, NONE, Optional.of(30L)));
    w.advanceSecs(20).comesUp(0).advanceSecs(2);
    assertThat(w.eventsOf(ID, 0)).containsExactly("U", "D");
    // 32 s after the start, but 10 s after instance 0 succeeded.
    w.advanceSecs(10);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    w.advanceSecs(20);
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.FAILED);
    assertThat(w.message(ID).orElseThrow()).contains("no progress in 30 s");
  }

  /**
   * §4.9 with §9.0's SLA variant (NEW' carries Count{2, 0}): in a group of three, the SLA lets only
   * one instance be down at a time; each kill is preceded by "Checking SLA" and "SLA check passed",
   * and the others wait for the retry timer.
   */
  @Test
  void anSlaAwareUpdateTakesDownOneInstanceAtATime() {
    TaskConfig newSla =
        new TaskConfig(
            NEW.job(),
            NEW.taskName(),
            NEW.service(),
            NEW.tier(),
            NEW.production(),
            NEW.priority(),
            NEW.maxTaskFailures(),
            NEW.resources(),
            NEW.processes(),
            NEW.processOrder(),
            NEW.constraints(),
            NEW.healthCheck(),
            NEW.partitionPolicy(),
            Optional.of(new io.borealis.model.SlaPolicy.Count(2, 0)),
            NEW.container(),
            NEW.contact(),
            NEW.metadata());
    UpdateSettings slaAware =
        new UpdateSettings(
            3,
            2,
            0,
            0,
            true,
            false,
            Optional.empty(),
            true,
            Optional.empty(),
            new UpdateStrategy.Queue(3));
    w.running(Map.of(0, OLD, 1, OLD, 2, OLD), 4).advanceSecs(2);
    w.start(ID, w.proposed(newSla, 3, slaAware));

    // Two of three must stay RUNNING: one kill, the other two wait for the SLA.
    assertThat(w.kills()).isEqualTo(1);
    assertThat(slaEvents(UpdateEvent.SlaCheckStarted.class)).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(slaEvents(UpdateEvent.SlaCheckPassed.class)).containsExactly(0);

    int killed = 1;
    for (int round = 0; round < 10 && w.status(ID) == UpdateStatus.ROLLING_FORWARD; round++) {
      for (int i = 0; i < 3; i++) {
        if (w.active(i)
            .map(t -> t.status() == io.borealis.model.ScheduleStatus.KILLING)
            .orElse(false)) {
          w.killed(i).comesUp(i);
        }
      }
      w.advanceSecs(2);
      // Never more than one instance down: each new kill follows a replacement that runs.
      assertThat(w.kills()).isLessThanOrEqualTo(killed + 1);
      killed = w.kills();
    }
    assertThat(w.status(ID)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(w.kills()).isEqualTo(3);
    assertThat(slaEvents(UpdateEvent.SlaCheckPassed.class)).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(w.instanceEvents(ID))
        .isEqualTo(Map.of(0, List.of("U", "D"), 1, List.of("U", "D"), 2, List.of("U", "D")));
  }

  private List<Integer> slaEvents(Class<? extends UpdateEvent.InstanceUpdateEvent> kind) {
    return w.fed.stream()
        .filter(kind::isInstance)
        .map(e -> ((UpdateEvent.InstanceUpdateEvent) e).instance())
        .toList();
  }
}
