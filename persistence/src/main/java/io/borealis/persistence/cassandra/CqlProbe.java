package io.borealis.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Whether a Cassandra answers CQL: the port accepts, and a session can be opened and queried. */
final class CqlProbe {

  private CqlProbe() {}

  static boolean accepts(String host, int port) {
    // The port first: the driver logs a warning for every refused attempt.
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
    } catch (IOException notYet) {
      return false;
    }
    try (CqlSession session = session(host, port)) {
      return session.execute("SELECT release_version FROM system.local").one() != null;
    } catch (RuntimeException notYet) {
      return false;
    }
  }

  /** A short-lived session to one node (its data centre is SimpleSnitch's {@code datacenter1}). */
  static CqlSession session(String host, int port) {
    return CqlSession.builder()
        .addContactPoint(new InetSocketAddress(host, port))
        .withLocalDatacenter("datacenter1")
        .withConfigLoader(
            DriverConfigLoader.programmaticBuilder()
                .withDuration(
                    DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5))
                .build())
        .build();
  }
}
