package io.borealis.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.persistence.EmbeddedStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A journal in a store-neutral text form: one JSON object a line, each an event (persistence id,
 * sequence number, serializer id, manifest, base64 payload, tags) or a snapshot, in the order the
 * store wrote them. {@link #dump} reads it off an embedded store's tables; {@link #load} writes it
 * into a fresh one, where a node started on that data directory recovers from it as from its own.
 */
final class JournalFixture {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JournalFixture() {}

  /** The lines of the journal and snapshots of the embedded store in {@code dataDir}. */
  static List<String> dump(Path dataDir) throws SQLException, IOException {
    List<String> lines = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(EmbeddedStore.jdbcUrl(dataDir));
        Statement s = c.createStatement()) {
      Map<Long, ArrayNode> tags = new TreeMap<>();
      try (ResultSet r = s.executeQuery("SELECT \"event_id\", \"tag\" FROM \"event_tag\"")) {
        while (r.next()) {
          tags.computeIfAbsent(r.getLong(1), k -> JSON.createArrayNode()).add(r.getString(2));
        }
      }
      try (ResultSet r =
          s.executeQuery(
              "SELECT \"ordering\", \"persistence_id\", \"sequence_number\", \"write_timestamp\","
                  + " \"adapter_manifest\", \"event_ser_id\", \"event_ser_manifest\","
                  + " \"event_payload\", \"deleted\" FROM \"event_journal\" ORDER BY \"ordering\"")) {
        while (r.next()) {
          ObjectNode line = JSON.createObjectNode();
          line.put("kind", "event");
          line.put("persistence_id", r.getString(2));
          line.put("sequence_nr", r.getLong(3));
          line.put("write_timestamp", r.getLong(4));
          line.put("adapter_manifest", r.getString(5));
          line.put("serializer_id", r.getInt(6));
          line.put("manifest", r.getString(7));
          line.put("payload", Base64.getEncoder().encodeToString(r.getBytes(8)));
          line.put("deleted", r.getBoolean(9));
          line.set("tags", tags.getOrDefault(r.getLong(1), JSON.createArrayNode()));
          lines.add(JSON.writeValueAsString(line));
        }
      }
      try (ResultSet r =
          s.executeQuery(
              "SELECT \"persistence_id\", \"sequence_number\", \"created\", \"snapshot_ser_id\","
                  + " \"snapshot_ser_manifest\", \"snapshot_payload\" FROM \"snapshot\""
                  + " ORDER BY \"persistence_id\", \"sequence_number\"")) {
        while (r.next()) {
          ObjectNode line = JSON.createObjectNode();
          line.put("kind", "snapshot");
          line.put("persistence_id", r.getString(1));
          line.put("sequence_nr", r.getLong(2));
          line.put("created", r.getLong(3));
          line.put("serializer_id", r.getInt(4));
          line.put("manifest", r.getString(5));
          line.put("payload", Base64.getEncoder().encodeToString(r.getBytes(6)));
          lines.add(JSON.writeValueAsString(line));
        }
      }
    }
    return lines;
  }

  /** Writes {@code lines} into a fresh embedded store in {@code dataDir} (created if missing). */
  static void load(List<String> lines, Path dataDir) throws SQLException, IOException {
    EmbeddedStore.prepare(dataDir);
    try (Connection c = DriverManager.getConnection(EmbeddedStore.jdbcUrl(dataDir));
        PreparedStatement event =
            c.prepareStatement(
                "INSERT INTO \"event_journal\" (\"deleted\", \"persistence_id\","
                    + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\","
                    + " \"event_payload\", \"event_ser_id\", \"event_ser_manifest\")"
                    + " VALUES (?, ?, ?, 'fixture', ?, ?, ?, ?, ?)",
                new String[] {"ordering"});
        PreparedStatement tag =
            c.prepareStatement("INSERT INTO \"event_tag\" (\"event_id\", \"tag\") VALUES (?, ?)");
        PreparedStatement snapshot =
            c.prepareStatement(
                "INSERT INTO \"snapshot\" (\"persistence_id\", \"sequence_number\", \"created\","
                    + " \"snapshot_ser_id\", \"snapshot_ser_manifest\", \"snapshot_payload\")"
                    + " VALUES (?, ?, ?, ?, ?, ?)")) {
      for (String text : lines) {
        if (text.isBlank()) {
          continue;
        }
        JsonNode line = JSON.readTree(text);
        byte[] payload = Base64.getDecoder().decode(line.get("payload").asText());
        if (line.get("kind").asText().equals("snapshot")) {
          snapshot.setString(1, line.get("persistence_id").asText());
          snapshot.setLong(2, line.get("sequence_nr").asLong());
          snapshot.setLong(3, line.get("created").asLong());
          snapshot.setInt(4, line.get("serializer_id").asInt());
          snapshot.setString(5, line.get("manifest").asText());
          snapshot.setBytes(6, payload);
          snapshot.executeUpdate();
          continue;
        }
        event.setBoolean(1, line.get("deleted").asBoolean());
        event.setString(2, line.get("persistence_id").asText());
        event.setLong(3, line.get("sequence_nr").asLong());
        event.setLong(4, line.get("write_timestamp").asLong());
        event.setString(5, line.get("adapter_manifest").asText());
        event.setBytes(6, payload);
        event.setInt(7, line.get("serializer_id").asInt());
        event.setString(8, line.get("manifest").asText());
        event.executeUpdate();
        long ordering;
        try (ResultSet keys = event.getGeneratedKeys()) {
          keys.next();
          ordering = keys.getLong(1);
        }
        for (JsonNode t : line.get("tags")) {
          tag.setLong(1, ordering);
          tag.setString(2, t.asText());
          tag.executeUpdate();
        }
      }
    }
  }

  /** The lines of a fixture on the test class path. */
  static List<String> read(String resource) throws IOException {
    try (var in = JournalFixture.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no fixture " + resource + " on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  /** Writes {@code lines} to {@code file}, one a line. */
  static void write(List<String> lines, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, lines, StandardCharsets.UTF_8);
  }
}
