package io.borealis.common;

import static org.assertj.core.api.Assertions.assertThat;

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
}
