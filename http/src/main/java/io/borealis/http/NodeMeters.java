package io.borealis.http;

import io.borealis.common.Metrics;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.RuntimeMXBean;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * The node's metrics in Prometheus form: a {@link PrometheusMeterRegistry} holding the JVM and
 * process meters of Micrometer's binders, the HTTP edge's request counts and latency, and every
 * counter and gauge of {@link Metrics} bridged in as it is first named (a {@link FunctionCounter}
 * or a {@link Gauge} reading the Aurora-named value). It also registers Aurora's process gauges
 * ({@code jvm_uptime_secs}, {@code system_load_avg}, {@code process_cpu_cores_utilized}, heap and
 * threads) in {@link Metrics}, so {@code /vars} has them under Aurora's names.
 *
 * <p>Prometheus names: {@code borealis_} before the Aurora name, {@code _total} after a counter's;
 * an upper-case last part (a status, an action) becomes a label: {@code task_store_LOST} is {@code
 * borealis_task_store{status="LOST"}}. Names that carry a job, an instance or a host (anything
 * outside {@code [a-z0-9_]} once the label is taken off, and the per-instance maintenance
 * countdowns) stay in {@code /vars}: one time series per job would swamp a Prometheus server.
 */
public final class NodeMeters implements Extension {

  /** Aurora's counter of 5xx answers that are bugs (not 503 overload or not ready). */
  public static final String HTTP_500_RESPONSES = "http_500_responses_events";

  private static final String PREFIX = "borealis_";
  private static final Pattern LABELLED = Pattern.compile("([a-z][a-z0-9_]*?)_([A-Z][A-Z0-9_]*)");
  private static final Pattern PLAIN = Pattern.compile("[a-z][a-z0-9_]*");
  // Names whose last part is a job, an instance, a rack or a role, though it may look plain.
  private static final String[] PER_ENTITY = {
    "maintenance_countdown_ms_", "updates_sla_kill_", "tasks_lost_rack_", "tasks_lost_dedicated_"
  };

  private static final Id ID = new Id();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeMeters.class);

  private final PrometheusMeterRegistry registry;
  private final Metrics metrics;
  private final Metrics.Counter http500;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /** A registry over {@code metrics}, with its own JVM binders; {@code clock} times requests. */
  NodeMeters(Metrics metrics, Clock clock) {
    this.metrics = metrics;
    this.registry =
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT,
            new io.prometheus.metrics.model.registry.PrometheusRegistry(),
            clock);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    auroraProcessGauges(metrics);
    this.http500 = metrics.counter(HTTP_500_RESPONSES);
    metrics.subscribe(this::bridge);
  }

  /** The meters of the node a (classic) {@code system} runs on. */
  public static NodeMeters of(ActorSystem system) {
    return ID.get(system);
  }

  /** The registry, for meters of the edge and for tests. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Aurora-named counters and gauges. */
  public Metrics metrics() {
    return metrics;
  }

  /** The Prometheus text exposition (format 0.0.4) of every meter now. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Counts one answered request by method and status class ({@code 2xx}…) and records how long it
   * took; a 5xx other than 503 (overload, not ready: the node says so on purpose) is a bug, and
   * counts in {@code http_500_responses_events}.
   */
  void answered(String method, int status, Timer.Sample started) {
    Tags tags = Tags.of("method", method, "status", (status / 100) + "xx");
    Counter.builder("borealis_http_requests")
        .description("HTTP requests answered, by method and status class")
        .tags(tags)
        .register(registry)
        .increment();
    started.stop(
        Timer.builder("borealis_http_request_duration")
            .description("Time from a request's arrival to its response's headers")
            .tags(tags)
            .publishPercentiles(0.5, 0.95, 0.99)
            .register(registry));
    if (status >= 500 && status != 503) {
      http500.increment();
    }
  }

  /** A sample started now, on the registry's clock. */
  Timer.Sample start() {
    return Timer.start(registry);
  }

  /** The Prometheus name and label of an Aurora name, empty when it stays in {@code /vars}. */
  static Optional<Exported> exported(String auroraName) {
    for (String prefix : PER_ENTITY) {
      if (auroraName.startsWith(prefix)) {
        return Optional.empty();
      }
    }
    Matcher labelled = LABELLED.matcher(auroraName);
    if (labelled.matches()) {
      return Optional.of(
          new Exported(PREFIX + labelled.group(1), Tags.of("status", labelled.group(2))));
    }
    if (PLAIN.matcher(auroraName).matches()) {
      return Optional.of(new Exported(PREFIX + auroraName, Tags.empty()));
    }
    return Optional.empty();
  }

  /** A Prometheus name with its labels. */
  record Exported(String name, Tags tags) {}

  /**
   * Registers the meter of a newly named metric. It runs on the thread that named it (an actor's,
   * perhaps), so a name Prometheus cannot take (one whose family already has another type or other
   * labels) is left to {@code /vars} and said once, never thrown at the component.
   */
  private void bridge(String name, Metrics.Kind kind) {
    exported(name)
        .ifPresent(
            e -> {
              try {
                if (kind == Metrics.Kind.COUNTER) {
                  FunctionCounter.builder(e.name(), metrics, m -> m.decimal(name))
                      .tags(e.tags())
                      .register(registry);
                } else {
                  Gauge.builder(e.name(), metrics, m -> m.decimal(name))
                      .tags(e.tags())
                      .register(registry);
                }
              } catch (RuntimeException clash) {
                LOG.warn("{} stays in /vars only: {}", name, clash.getMessage());
              }
            });
  }

  /** Aurora's process gauges (aurora-semantics §8), read from the JVM's management beans. */
  private static void auroraProcessGauges(Metrics metrics) {
    RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long mb = 1024 * 1024;
    metrics.gauge("jvm_uptime_secs", () -> runtime.getUptime() / 1000);
    metrics.decimalGauge("system_load_avg", () -> Math.max(0, os.getSystemLoadAverage()));
    metrics.decimalGauge(
        "process_cpu_cores_utilized",
        () ->
            os instanceof com.sun.management.OperatingSystemMXBean sun
                ? Math.max(0, sun.getProcessCpuLoad()) * os.getAvailableProcessors()
                : 0);
    metrics.gauge("jvm_available_processors", os::getAvailableProcessors);
    metrics.gauge("jvm_memory_heap_mb_used", () -> memory.getHeapMemoryUsage().getUsed() / mb);
    metrics.gauge(
        "jvm_memory_heap_mb_max", () -> Math.max(0, memory.getHeapMemoryUsage().getMax()) / mb);
    metrics.gauge("jvm_threads_active", () -> ManagementFactory.getThreadMXBean().getThreadCount());
    metrics.gauge(
        "jvm_gc_collection_count",
        () ->
            ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(gc -> Math.max(0, gc.getCollectionCount()))
                .sum());
  }

  private static final class Id extends AbstractExtensionId<NodeMeters> {
    @Override
    public NodeMeters createExtension(ExtendedActorSystem system) {
      NodeMeters meters = new NodeMeters(Metrics.of(system), Clock.SYSTEM);
      // The GC binder listens to the JVM's notifications: stop when the node does.
      system.registerOnTermination(meters.gc::close);
      return meters;
    }
  }
}
