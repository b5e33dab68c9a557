package io.borealis.maintenance;

import static io.borealis.maintenance.Fixtures.T0;
import static io.borealis.model.MaintenanceMode.DRAINED;
import static io.borealis.model.MaintenanceMode.DRAINING;
import static io.borealis.model.MaintenanceMode.NONE;
import static io.borealis.model.MaintenanceMode.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.borealis.model.SlaPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hosts' modes and requests through start, drain, drained and end. */
class MaintenanceStateTest {

  private static final DrainRequest SLA =
      new DrainRequest("h2", new SlaPolicy.Count(2, 60), 600, T0);

  @Test
  void aHostNotInMaintenanceIsInService() {
    assertThat(MaintenanceState.EMPTY.mode("h1")).isEqualTo(NONE);
    assertThat(MaintenanceState.EMPTY.modes()).isEmpty();
    assertThat(MaintenanceState.EMPTY.request("h1")).isEmpty();
  }

  @Test
  void hostsMoveThroughTheModesAndOnlyDrainingOnesHoldARequest() {
    MaintenanceState s =
        MaintenanceState.EMPTY
            .scheduled(List.of("h1", "h3"))
            .draining(List.of(DrainRequest.forced("h1", T0), SLA));
    assertThat(s.modes()).isEqualTo(Map.of("h1", DRAINING, "h2", DRAINING, "h3", SCHEDULED));
    assertThat(s.request("h2")).contains(SLA);
    assertThat(s.hostsIn(DRAINING)).containsExactly("h1", "h2");

    MaintenanceState drained = s.drained(List.of("h1"));
    assertThat(drained.mode("h1")).isEqualTo(DRAINED);
    assertThat(drained.request("h1")).isEmpty();
    assertThat(drained.hostsIn(DRAINING, DRAINED)).containsExactly("h1", "h2");

    // Start again on a DRAINING host: SCHEDULED, its request dropped (as Aurora sets the mode).
    MaintenanceState rescheduled = drained.scheduled(List.of("h2"));
    assertThat(rescheduled.mode("h2")).isEqualTo(SCHEDULED);
    assertThat(rescheduled.request("h2")).isEmpty();

    MaintenanceState ended = rescheduled.ended(List.of("h1", "h2", "unknown"));
    assertThat(ended.modes()).isEqualTo(Map.of("h3", SCHEDULED));
  }

  @Test
  void aForcedRequestHasNoTimeToWait() {
    DrainRequest forced = DrainRequest.forced("h1", T0);
    assertThat(forced.remainingMs(T0)).isZero();
    assertThat(SLA.remainingMs(T0.plusSeconds(100))).isEqualTo(500_000);
    assertThat(SLA.deadline()).isEqualTo(T0.plusSeconds(600));
  }

  @Test
  void aRequestRefusesANegativeTimeoutAndACoordinatorDefault() {
    assertThatThrownBy(() -> new DrainRequest("h", new SlaPolicy.Count(1, 0), -1, T0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new DrainRequest("h", new SlaPolicy.Coordinator("http://c", "drain"), 1, T0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
