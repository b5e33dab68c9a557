package io.borealis.persistence;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.healthcheck.CassandraHealthCheck;
import scala.jdk.javaapi.FutureConverters;

/**
 * Whether the store answers, for the node's readiness ({@code /health}). The embedded store is in
 * this process: always. On Cassandra the plugin's {@link CassandraHealthCheck} (a small query,
 * {@code pekko.persistence.cassandra.healthcheck}) runs every {@code interval}, and the last answer
 * is what the supplier returns, so a request never waits for Cassandra.
 */
public final class StoreHealth {

  private StoreHealth() {}

  /** Starts checking the store of {@code system}; the supplier says the last result. */
  public static BooleanSupplier start(ActorSystem<?> system, Duration interval) {
    String journal = system.settings().config().getString("pekko.persistence.journal.plugin");
    if (!journal.startsWith("pekko.persistence.cassandra")) {
      return () -> true;
    }
    CassandraHealthCheck check = new CassandraHealthCheck(system.classicSystem());
    AtomicBoolean healthy = new AtomicBoolean(false);
    system
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ZERO,
            interval,
            () ->
                FutureConverters.asJava(check.apply())
                    .whenComplete(
                        (ok, error) -> healthy.set(error == null && Boolean.TRUE.equals(ok))),
            system.executionContext());
    return healthy::get;
  }
}
