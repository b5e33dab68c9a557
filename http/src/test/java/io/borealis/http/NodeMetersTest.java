package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.common.Metrics;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How Aurora names become Prometheus names, and what the edge counts, on a manual clock. */
class NodeMetersTest {

  @Test
  void statusesBecomeLabelsAndPerJobNamesStayInVars() {
    assertThat(NodeMeters.exported("task_store_LOST"))
        .contains(new NodeMeters.Exported("borealis_task_store", Tags.of("status", "LOST")));
    assertThat(NodeMeters.exported("update_transition_ROLLED_FORWARD"))
        .contains(
            new NodeMeters.Exported(
                "borealis_update_transition", Tags.of("status", "ROLLED_FORWARD")));
    assertThat(NodeMeters.exported("timed_out_tasks"))
        .contains(new NodeMeters.Exported("borealis_timed_out_tasks", Tags.empty()));
    assertThat(NodeMeters.exported("tasks_LOST_www-data/prod/hello")).isEmpty();
    assertThat(NodeMeters.exported("maintenance_countdown_ms_www-data/prod/hello/0")).isEmpty();
    assertThat(NodeMeters.exported("updates_sla_kill_attempt_www_data_prod_hello")).isEmpty();
    assertThat(NodeMeters.exported("tasks_FAILED_www-data/prod/hello")).isEmpty();
    assertThat(NodeMeters.exported("tasks_lost_rack_r1")).isEmpty();
    assertThat(NodeMeters.exported("tasks_lost_dedicated_www_data")).isEmpty();
  }

  @Test
  void answersAreCountedByClassTimedAndOnlyBuggy5xxCountAs500() {
    Metrics metrics = Metrics.standalone();
    MockClock clock = new MockClock();
    NodeMeters meters = new NodeMeters(metrics, clock);

    var slow = meters.start();
    clock.add(250, TimeUnit.MILLISECONDS);
    meters.answered("GET", 200, slow);
    meters.answered("POST", 503, meters.start());
    meters.answered("GET", 500, meters.start());
    meters.answered("GET", 502, meters.start());

    assertThat(metrics.value(NodeMeters.HTTP_500_RESPONSES)).isEqualTo(2);
    var registry = meters.registry();
    assertThat(
            registry
                .get("borealis_http_requests")
                .tags("method", "GET", "status", "5xx")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(
            registry
                .get("borealis_http_requests")
                .tags("method", "POST", "status", "5xx")
                .counter()
                .count())
        .isEqualTo(1);
    var timer =
        registry
            .get("borealis_http_request_duration")
            .tags("method", "GET", "status", "2xx")
            .timer();
    assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
  }

  @Test
  void aNameWhoseFamilyCannotTakeItStaysInVarsWithoutFailingItsOwner() {
    Metrics metrics = Metrics.standalone();
    NodeMeters meters = new NodeMeters(metrics, new MockClock());
    metrics.gauge("widgets_READY", () -> 1);

    // A counter in a gauge's family: refused by Prometheus, kept in /vars.
    metrics.counter("widgets_BROKEN").increment();

    assertThat(metrics.value("widgets_BROKEN")).isEqualTo(1);
    assertThat(meters.scrape())
        .contains("borealis_widgets{status=\"READY\"} 1")
        .doesNotContain("BROKEN");
  }
}
