package io.borealis.persistence;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.healthcheck.CassandraHealthCheck;
import scala.jdk.javaapi.FutureConverters;

/**
 * Whether the store answers, for the node's readiness ({@code /ready}) and its status. The embedded
 * store is in this process: always. On Cassandra the plugin's {@link CassandraHealthCheck} (a small
 * query, {@code pekko.persistence.cassandra.healthcheck}) runs every {@code interval}, and the last
 * answer (and how long it took) is what the check says, so a request never waits for Cassandra.
 */
public final class StoreHealth {

  private StoreHealth() {}

  /** The last answer of the store. */
  public static final class Check implements BooleanSupplier {
    private final String kind;
    private final AtomicBoolean healthy;
    private final AtomicLong roundTripNanos = new AtomicLong(-1);

    private Check(String kind, boolean healthy) {
      this.kind = kind;
      this.healthy = new AtomicBoolean(healthy);
    }

    /** Whether the last probe was answered. */
    @Override
    public boolean getAsBoolean() {
      return healthy.get();
    }

    /** {@code embedded} or {@code cassandra}. */
    public String kind() {
      return kind;
    }

    /** How long the last answered probe took; empty for the embedded store or before one. */
    public Optional<Duration> roundTrip() {
      long nanos = roundTripNanos.get();
      return nanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
    }
  }

  /** Starts checking the store of {@code system}; the check says the last result. */
  public static Check start(ActorSystem<?> system, Duration interval) {
    String journal = system.settings().config().getString("pekko.persistence.journal.plugin");
    if (!journal.startsWith("pekko.persistence.cassandra")) {
      return new Check("embedded", true);
    }
    CassandraHealthCheck check = new CassandraHealthCheck(system.classicSystem());
    Check result = new Check("cassandra", false);
    system
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ZERO,
            interval,
            () -> {
              long started = System.nanoTime();
              FutureConverters.asJava(check.apply())
                  .whenComplete(
                      (ok, error) -> {
                        boolean answered = error == null && Boolean.TRUE.equals(ok);
                        result.healthy.set(answered);
                        if (answered) {
                          result.roundTripNanos.set(System.nanoTime() - started);
                        }
                      });
            },
            system.executionContext());
    return result;
  }
}
