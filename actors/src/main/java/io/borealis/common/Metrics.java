package io.borealis.common;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * The node's counters and gauges, under the names operators of Aurora alert on (aurora-semantics
 * §8): {@code timed_out_tasks}, {@code scheduling_veto_static}, {@code task_store_LOST}… Components
 * register and bump them here; the metrics edge exposes them as {@code /vars} and, through a {@link
 * Listener} told of every name when it is first registered, in Prometheus form. Counters are cheap
 * enough for hot paths.
 */
public final class Metrics implements Extension {

  private static final Id ID = new Id();

  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> counted = new ConcurrentHashMap<>();
  private final Map<String, DoubleSupplier> decimals = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /** The kind of a registered name. */
  public enum Kind {
    /** Grows monotonically. */
    COUNTER,
    /** A value read when the metrics are read. */
    GAUGE
  }

  /** Told of each name once, when it is first registered (and of those before it subscribed). */
  @FunctionalInterface
  public interface Listener {
    void registered(String name, Kind kind);
  }

  /** The metrics of the node {@code system} runs on. */
  public static Metrics of(ActorSystem<?> system) {
    return ID.get(Adapter.toClassic(system));
  }

  /** The metrics of the node a classic {@code system} runs on. */
  public static Metrics of(org.apache.pekko.actor.ActorSystem system) {
    return ID.get(system);
  }

  /** A standalone registry (tests, tools). */
  public static Metrics standalone() {
    return new Metrics();
  }

  /** A monotonically growing count, created at 0 the first time it is named. */
  public Counter counter(String name) {
    LongAdder adder = counters.get(name);
    if (adder == null) {
      synchronized (this) {
        adder = counters.get(name);
        if (adder == null) {
          adder = new LongAdder();
          counters.put(name, adder);
          announce(name, Kind.COUNTER);
        }
      }
    }
    return adder::add;
  }

  /**
   * A count that only grows, kept by its owner and read when the metrics are read (such as {@code
   * job_updates_pruned}, which the view counts): a counter, not a gauge, to Prometheus. A later
   * registration under the name replaces it.
   */
  public void counter(String name, LongSupplier value) {
    synchronized (this) {
      if (counted.put(name, value) == null) {
        announce(name, Kind.COUNTER);
      }
    }
  }

  /** A value read when the metrics are read; a later registration under the name replaces it. */
  public void gauge(String name, LongSupplier value) {
    synchronized (this) {
      boolean known = decimals.remove(name) != null;
      if (gauges.put(name, value) == null && !known) {
        announce(name, Kind.GAUGE);
      }
    }
  }

  /** A gauge with a fractional value ({@code system_load_avg}); replaces one under the name. */
  public void decimalGauge(String name, DoubleSupplier value) {
    synchronized (this) {
      boolean known = gauges.remove(name) != null;
      if (decimals.put(name, value) == null && !known) {
        announce(name, Kind.GAUGE);
      }
    }
  }

  /**
   * Tells {@code listener} of every name registered so far, then of each new one as it comes. Calls
   * happen on the registering thread, under this registry's lock: keep them short.
   */
  public synchronized void subscribe(Listener listener) {
    counters.keySet().forEach(n -> listener.registered(n, Kind.COUNTER));
    counted.keySet().forEach(n -> listener.registered(n, Kind.COUNTER));
    gauges.keySet().forEach(n -> listener.registered(n, Kind.GAUGE));
    decimals.keySet().forEach(n -> listener.registered(n, Kind.GAUGE));
    listeners.add(listener);
  }

  /** The current value of a counter or gauge; 0 when nothing is registered under the name. */
  public long value(String name) {
    return (long) decimal(name);
  }

  /** The current value, fractions kept; 0 when nothing is registered under the name. */
  public double decimal(String name) {
    LongAdder c = counters.get(name);
    if (c != null) {
      return c.sum();
    }
    LongSupplier g = gauges.containsKey(name) ? gauges.get(name) : counted.get(name);
    if (g != null) {
      return g.getAsLong();
    }
    DoubleSupplier d = decimals.get(name);
    return d == null ? 0 : d.getAsDouble();
  }

  /** Every counter and whole-number gauge with its value now, by name. */
  public SortedMap<String, Long> snapshot() {
    SortedMap<String, Long> all = new TreeMap<>();
    counters.forEach((n, c) -> all.put(n, c.sum()));
    counted.forEach((n, c) -> all.put(n, c.getAsLong()));
    gauges.forEach((n, g) -> all.put(n, g.getAsLong()));
    return all;
  }

  /** Every counter and gauge, fractional ones included, with its value now, by name. */
  public SortedMap<String, Number> values() {
    SortedMap<String, Number> all = new TreeMap<>(snapshot());
    decimals.forEach((n, d) -> all.put(n, d.getAsDouble()));
    return all;
  }

  private void announce(String name, Kind kind) {
    for (Listener l : listeners) {
      l.registered(name, kind);
    }
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
