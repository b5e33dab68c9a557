package io.borealis.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The embedded store: the journal and snapshots in one H2 file under the data directory. Commits
 * are written before the journal confirms them ({@code WRITE_DELAY=0}), so an acknowledged event
 * survives {@code kill -9}.
 */
public final class EmbeddedStore {

  private EmbeddedStore() {}

  /** The JDBC URL of the store in {@code dataDir}. */
  public static String jdbcUrl(Path dataDir) {
    Path file = dataDir.toAbsolutePath().normalize().resolve("journal").resolve("borealis");
    return "jdbc:h2:file:" + file + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }

  /**
   * Creates the data directory and the tables if missing, and returns the configuration that points
   * Pekko Persistence at them (to be layered over the node's configuration).
   */
  public static Config prepare(Path dataDir) {
    String url = jdbcUrl(dataDir);
    try {
      Files.createDirectories(dataDir.resolve("journal"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + dataDir, e);
    }
    createSchema(url);
    return ConfigFactory.parseResources("borealis/embedded-store.conf")
        .withFallback(
            ConfigFactory.empty()
                .withValue("borealis.store.jdbc-url", ConfigValueFactory.fromAnyRef(url)));
  }

  static void createSchema(String url) {
    String ddl;
    try (InputStream in = EmbeddedStore.class.getResourceAsStream("/borealis/h2-schema.sql")) {
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      for (String statement : ddl.replaceAll("(?m)^--.*$", "").split(";")) {
        if (!statement.isBlank()) {
          s.execute(statement);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot open the embedded store at "
              + url
              + ": "
              + e.getMessage()
              + " (is another node using the same data directory?)",
          e);
    }
  }
}
