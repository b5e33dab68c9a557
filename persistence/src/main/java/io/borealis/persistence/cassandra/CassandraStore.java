package io.borealis.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Cassandra store profile: Pekko Persistence Cassandra for the journal, snapshots and events by
 * tag, on the cluster {@code borealis.store.cassandra.contact-points} names.
 *
 * <p>At start ({@link #prepare}) the node connects, applies the shipped CQL when {@code
 * create-schema} is on (development; production applies it once, see {@code borealis admin
 * cassandra init}), and reads from {@code borealis_meta} the hour the keyspace was created: the
 * first bucket of events by tag, so a read side that starts from no offset scans only the hours
 * since then.
 */
public final class CassandraStore {

  /** The format of the plugin's {@code first-time-bucket}. */
  static final DateTimeFormatter BUCKET =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HH:mm").withZone(ZoneOffset.UTC);

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,47}");

  /** The settings under {@code borealis.store.cassandra}. */
  public record Settings(
      List<InetSocketAddress> contactPoints,
      String localDatacenter,
      String keyspace,
      String snapshotKeyspace,
      String replicationStrategy,
      int replicationFactor,
      List<String> dataCenterReplicationFactors,
      boolean createSchema,
      String firstTimeBucket,
      Duration connectTimeout) {

    public Settings {
      for (String ks : List.of(keyspace, snapshotKeyspace)) {
        if (!NAME.matcher(ks).matches()) {
          throw new IllegalArgumentException(
              "a keyspace name is lower-case letters, digits and _, not " + ks);
        }
      }
      if (replicationFactor < 1) {
        throw new IllegalArgumentException("the replication factor must be >= 1");
      }
    }

    public static Settings from(Config config) {
      Config c = config.getConfig("borealis.store.cassandra");
      List<String> points =
          c.getValue("contact-points").valueType() == ConfigValueType.LIST
              ? c.getStringList("contact-points")
              : List.of(c.getString("contact-points"));
      return new Settings(
          parseContactPoints(String.join(",", points)),
          c.getString("local-datacenter"),
          c.getString("keyspace"),
          c.getString("snapshot-keyspace"),
          c.getString("replication-strategy"),
          c.getInt("replication-factor"),
          c.getStringList("data-center-replication-factors"),
          c.getBoolean("create-schema"),
          c.getString("first-time-bucket"),
          c.getDuration("connect-timeout"));
    }

    public Settings withContactPoints(List<InetSocketAddress> points) {
      return new Settings(
          points,
          localDatacenter,
          keyspace,
          snapshotKeyspace,
          replicationStrategy,
          replicationFactor,
          dataCenterReplicationFactors,
          createSchema,
          firstTimeBucket,
          connectTimeout);
    }

    public Settings withReplicationFactor(int factor) {
      return new Settings(
          contactPoints,
          localDatacenter,
          keyspace,
          snapshotKeyspace,
          replicationStrategy,
          factor,
          dataCenterReplicationFactors,
          createSchema,
          firstTimeBucket,
          connectTimeout);
    }
  }

  private CassandraStore() {}

  /** {@code host:port,host:port} (the port defaults to 9042); fails with a sentence. */
  public static List<InetSocketAddress> parseContactPoints(String text) {
    List<InetSocketAddress> points = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.lastIndexOf(':');
      String host = colon < 0 ? p : p.substring(0, colon);
      int port = 9042;
      if (colon >= 0) {
        try {
          port = Integer.parseInt(p.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (host.isEmpty() || port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "a Cassandra contact point is host:port (such as 127.0.0.1:9042), not " + p);
      }
      points.add(InetSocketAddress.createUnresolved(host, port));
    }
    if (points.isEmpty()) {
      throw new IllegalArgumentException("no Cassandra contact point given (host:port,...)");
    }
    return List.copyOf(points);
  }

  /** The CQL replication map of the keyspaces. */
  static String replication(Settings s) {
    if (s.replicationStrategy().equals("SimpleStrategy")) {
      return "{'class': 'SimpleStrategy', 'replication_factor': " + s.replicationFactor() + "}";
    }
    if (s.replicationStrategy().equals("NetworkTopologyStrategy")) {
      StringBuilder b = new StringBuilder("{'class': 'NetworkTopologyStrategy'");
      for (String dc : s.dataCenterReplicationFactors()) {
        String[] parts = dc.split(":");
        if (parts.length != 2 || !parts[1].trim().matches("[1-9][0-9]*")) {
          throw new IllegalArgumentException(
              "a data centre's replication factor is dc:N (such as dc1:3), not " + dc);
        }
        b.append(", '").append(parts[0].trim()).append("': ").append(parts[1].trim());
      }
      return b.append('}').toString();
    }
    throw new IllegalArgumentException(
        "replication-strategy must be SimpleStrategy or NetworkTopologyStrategy, not "
            + s.replicationStrategy());
  }

  /** The shipped CQL with its placeholders filled; {@code now} is the keyspace's first hour. */
  public static String cql(Settings s, Instant now) {
    String text;
    try (InputStream in =
        CassandraStore.class.getResourceAsStream("/borealis/cassandra-schema.cql")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.replace("{{keyspace}}", s.keyspace())
        .replace("{{snapshot_keyspace}}", s.snapshotKeyspace())
        .replace("{{replication}}", replication(s))
        .replace("{{first_time_bucket}}", BUCKET.format(now.truncatedTo(ChronoUnit.HOURS)));
  }

  /** The statements of {@link #cql}, comments removed, one per element. */
  public static List<String> statements(String cql) {
    List<String> out = new ArrayList<>();
    for (String statement : cql.replaceAll("(?m)^\\s*--.*$", "").split(";")) {
      if (!statement.isBlank()) {
        out.add(statement.strip());
      }
    }
    return out;
  }

  /** Applies the shipped CQL (idempotent: every statement is IF NOT EXISTS). */
  public static void apply(CqlSession session, Settings s, Instant now) {
    for (String statement : statements(cql(s, now))) {
      session.execute(statement);
    }
  }

  /**
   * Connects to Cassandra (retrying for {@code connect-timeout}), applies the schema when {@code
   * create-schema} is on, and returns the configuration that points Pekko Persistence at it (to be
   * layered over the node's configuration).
   */
  public static Config prepare(Path dataDir, Config config) {
    Settings s = Settings.from(config);
    String firstBucket;
    try (CqlSession session = connect(s)) {
      if (s.createSchema()) {
        apply(session, s, Clock.systemUTC().instant());
      }
      firstBucket = firstTimeBucket(session, s.keyspace()).orElse(s.firstTimeBucket());
    }
    List<String> points = new ArrayList<>();
    for (InetSocketAddress a : s.contactPoints()) {
      points.add(a.getHostString() + ":" + a.getPort());
    }
    // What was found here comes first: it overrides the file's defaults.
    return ConfigFactory.empty()
        .withValue(
            "borealis.store.cassandra.contact-point-list", ConfigValueFactory.fromIterable(points))
        .withValue(
            "pekko.persistence.cassandra.events-by-tag.first-time-bucket",
            ConfigValueFactory.fromAnyRef(firstBucket))
        .withFallback(ConfigFactory.parseResources("borealis/cassandra-store.conf"));
  }

  /** The keyspace's first hour, as written with the schema; empty where it was not. */
  static Optional<String> firstTimeBucket(CqlSession session, String keyspace) {
    try {
      Row row =
          session
              .execute(
                  "SELECT value FROM "
                      + keyspace
                      + ".borealis_meta WHERE name = 'first-time-bucket'")
              .one();
      return row == null ? Optional.empty() : Optional.ofNullable(row.getString("value"));
    } catch (DriverException e) {
      // No such table: a schema applied without it; the setting says.
      return Optional.empty();
    }
  }

  /**
   * A session to the cluster, retried until {@code connect-timeout}; fails with a sentence an
   * operator can act on (and no cause, so that sentence is what is printed).
   */
  public static CqlSession connect(Settings s) {
    Instant deadline = Instant.now().plus(s.connectTimeout());
    RuntimeException last;
    do {
      try {
        return CqlSession.builder()
            .addContactPoints(s.contactPoints())
            .withLocalDatacenter(s.localDatacenter())
            .withConfigLoader(
                DriverConfigLoader.programmaticBuilder()
                    // No schema metadata: the driver would refresh it after every CREATE, a second
                    // each (its debounce window), and nothing here reads it.
                    .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
                    .withDuration(
                        DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                    .withDuration(
                        DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5))
                    // Schema changes on a busy machine take a while.
                    .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(60))
                    .withDuration(
                        DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT,
                        Duration.ofSeconds(60))
                    .build())
            .build();
      } catch (RuntimeException e) {
        last = e;
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    } while (Instant.now().isBefore(deadline));
    throw new IllegalStateException(
        "Cannot reach Cassandra at "
            + String.join(",", s.contactPoints().stream().map(CassandraStore::text).toList())
            + " ("
            + last.getMessage()
            + "): start one with `./borealis cassandra start`, or point --cassandra at yours");
  }

  private static String text(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
