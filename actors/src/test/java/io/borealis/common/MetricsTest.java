package io.borealis.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void countersGrowAndGaugesAreReadWhenAsked() {
    Metrics m = Metrics.standalone();
    assertThat(m.value("timed_out_tasks")).isZero();
    m.counter("timed_out_tasks").increment();
    m.counter("timed_out_tasks").add(2);
    AtomicLong pending = new AtomicLong(5);
    m.gauge("task_store_PENDING", pending::get);
    pending.set(7);

    assertThat(m.value("timed_out_tasks")).isEqualTo(3);
    assertThat(m.snapshot()).containsEntry("task_store_PENDING", 7L).containsKey("timed_out_tasks");
  }

  @Test
  void aListenerHearsOfEachNameOnceEarlierOnesFirst() {
    Metrics m = Metrics.standalone();
    m.counter("scheduler_resource_offers");
    List<String> heard = new ArrayList<>();
    m.subscribe((name, kind) -> heard.add(name + ":" + kind));
    m.counter("scheduler_resource_offers").increment();
    m.gauge("framework_registered", () -> 1);
    m.gauge("framework_registered", () -> 0);
    m.decimalGauge("system_load_avg", () -> 0.5);
    m.counter("timed_out_tasks");

    assertThat(heard)
        .containsExactly(
            "scheduler_resource_offers:COUNTER",
            "framework_registered:GAUGE",
            "system_load_avg:GAUGE",
            "timed_out_tasks:COUNTER");
    assertThat(m.value("framework_registered")).isZero();
  }

  @Test
  void aCountKeptElsewhereIsACounterReadWhenAsked() {
    Metrics m = Metrics.standalone();
    List<String> heard = new ArrayList<>();
    m.subscribe((name, kind) -> heard.add(name + ":" + kind));
    AtomicLong pruned = new AtomicLong();
    m.counter("job_updates_pruned", pruned::get);
    pruned.set(4);

    assertThat(heard).containsExactly("job_updates_pruned:COUNTER");
    assertThat(m.value("job_updates_pruned")).isEqualTo(4);
    assertThat(m.snapshot()).containsEntry("job_updates_pruned", 4L);
  }

  @Test
  void decimalGaugesKeepTheirFractionsInValues() {
    Metrics m = Metrics.standalone();
    m.decimalGauge("system_load_avg", () -> 1.25);
    m.counter("timed_out_tasks").increment();

    assertThat(m.decimal("system_load_avg")).isEqualTo(1.25);
    assertThat(m.values())
        .containsEntry("system_load_avg", 1.25)
        .containsEntry("timed_out_tasks", 1L);
    assertThat(m.snapshot()).doesNotContainKey("system_load_avg");
  }
}
