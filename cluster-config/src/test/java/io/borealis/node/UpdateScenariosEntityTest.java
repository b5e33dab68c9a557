package io.borealis.node;

import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.node.UpdateWorld.DEFAULT;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.common.Rejection;
import io.borealis.model.TaskConfig;
import io.borealis.update.OperatorAction;
import io.borealis.update.UpdateStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
}
