package io.borealis.common;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * The node's counters and gauges, under the names operators of Aurora alert on (aurora-semantics
 * §8): {@code timed_out_tasks}, {@code scheduling_veto_static}, {@code task_store_LOST}… Components
 * register and bump them here; the metrics edge (issue 12) exposes them as {@code /vars} and in
 * Prometheus form. Counters are cheap enough for hot paths.
 */
public final class Metrics implements Extension {

  private static final Id ID = new Id();

  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();

  /** The metrics of the node {@code system} runs on. */
  public static Metrics of(ActorSystem<?> system) {
    return ID.get(Adapter.toClassic(system));
  }

  /** A standalone registry (tests, tools). */
  public static Metrics standalone() {
    return new Metrics();
  }

  /** A monotonically growing count, created at 0 the first time it is named. */
  public Counter counter(String name) {
    LongAdder adder = counters.computeIfAbsent(name, n -> new LongAdder());
    return adder::add;
  }

  /** A value read when the metrics are read; a later registration under the name replaces it. */
  public void gauge(String name, LongSupplier value) {
    gauges.put(name, value);
  }

  /** The current value of a counter or gauge; 0 when nothing is registered under the name. */
  public long value(String name) {
    LongAdder c = counters.get(name);
    if (c != null) {
      return c.sum();
    }
    LongSupplier g = gauges.get(name);
    return g == null ? 0 : g.getAsLong();
  }

  /** Every counter and gauge with its value now, by name. */
  public SortedMap<String, Long> snapshot() {
    SortedMap<String, Long> all = new TreeMap<>();
    counters.forEach((n, c) -> all.put(n, c.sum()));
    gauges.forEach((n, g) -> all.put(n, g.getAsLong()));
    return all;
  }

  /** A counter to bump. */
  @FunctionalInterface
  public interface Counter {
    void add(long delta);

    default void increment() {
      add(1);
    }
  }

  private static final class Id extends AbstractExtensionId<Metrics> {
    @Override
    public Metrics createExtension(ExtendedActorSystem system) {
      return new Metrics();
    }
  }
}
