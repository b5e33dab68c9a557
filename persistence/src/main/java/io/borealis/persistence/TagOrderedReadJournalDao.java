package io.borealis.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.jdbc.PekkoSerialization$;
import org.apache.pekko.persistence.jdbc.config.ReadJournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables;
import org.apache.pekko.persistence.jdbc.query.dao.DefaultReadJournalDao;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.scaladsl.Source;
import scala.Option;
import scala.Tuple2;
import scala.Tuple3;
import scala.collection.immutable.Set;
import scala.concurrent.ExecutionContext;
import scala.util.Try;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;

/**
 * The embedded store's read-journal DAO: as the plugin's own, except that a tag's events are read
 * through the tag index. The plugin's query joins the whole journal (as a derived table) to the tag
 * table and filters the offset range on the journal side; H2 then walks every row of the tag and
 * looks each up in the derived table, so one poll cost time in proportion to the tag's history
 * (seconds at 600,000 events, on every poll of every tag, and at every start). Here the range is on
 * the tag table's {@code (tag, event_id)} index and each event is fetched by its ordering: a poll
 * costs what it returns.
 *
 * <p>Table and column names are those of {@code borealis/h2-schema.sql}. Named in {@code
 * jdbc-read-journal.dao} by the embedded store's settings; the plugin creates it reflectively.
 */
public final class TagOrderedReadJournalDao extends DefaultReadJournalDao {

  private static final String EVENTS_BY_TAG =
      "SELECT j.\"ordering\", j.\"deleted\", j.\"persistence_id\", j.\"sequence_number\","
          + " j.\"writer\", j.\"write_timestamp\", j.\"adapter_manifest\", j.\"event_payload\","
          + " j.\"event_ser_id\", j.\"event_ser_manifest\", j.\"meta_payload\", j.\"meta_ser_id\","
          + " j.\"meta_ser_manifest\""
          + " FROM PUBLIC.\"event_tag\" t USE INDEX (\"event_tag_tag_idx\")"
          + " JOIN PUBLIC.\"event_journal\" j"
          + " ON j.\"ordering\" = t.\"event_id\""
          + " WHERE t.\"tag\" = ? AND t.\"event_id\" > ? AND t.\"event_id\" <= ?"
          + " AND j.\"deleted\" = FALSE"
          + " ORDER BY t.\"event_id\" LIMIT ?";

  private final JdbcBackend.JdbcDatabaseDef database;
  private final Serialization serialization;
  private final AppliedEvents applied;

  /** Blocking JDBC calls run here, never on the plugin's dispatcher. */
  private final ExecutorService jdbc;

  public TagOrderedReadJournalDao(
      JdbcBackend.JdbcDatabaseDef db,
      JdbcProfile profile,
      ReadJournalConfig config,
      Serialization serialization,
      ExecutionContext ec,
      Materializer mat) {
    super(db, profile, config, serialization, ec, mat);
    this.database = db;
    this.serialization = serialization;
    this.applied = AppliedEvents.get(mat.system());
    int threads =
        db.source().maxConnections().isDefined() ? (Integer) db.source().maxConnections().get() : 2;
    this.jdbc =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "borealis-read-journal");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public Source<Try<Tuple3<PersistentRepr, Set<String>, Object>>, NotUsed> eventsByTag(
      String tag, long offset, long maxOffset, long max) {
    CompletableFuture<List<Try<Tuple3<PersistentRepr, Set<String>, Object>>>> rows =
        CompletableFuture.supplyAsync(() -> query(tag, offset, maxOffset, max), jdbc);
    return org.apache.pekko.stream.javadsl.Source.completionStage(rows)
        .mapConcat(list -> list)
        .asScala();
  }

  private List<Try<Tuple3<PersistentRepr, Set<String>, Object>>> query(
      String tag, long offset, long maxOffset, long max) {
    List<Try<Tuple3<PersistentRepr, Set<String>, Object>>> result = new ArrayList<>();
    Set<String> noTags = scala.collection.immutable.Set$.MODULE$.empty();
    try (Connection connection = database.source().createConnection();
        PreparedStatement statement = connection.prepareStatement(EVENTS_BY_TAG)) {
      statement.setString(1, tag);
      statement.setLong(2, offset);
      statement.setLong(3, maxOffset);
      statement.setLong(4, Math.min(max, Integer.MAX_VALUE));
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          String persistenceId = rs.getString(3);
          long sequenceNr = rs.getLong(4);
          if (applied.has(persistenceId, sequenceNr)) {
            // The view has it: pass its position on without reading or deserializing it.
            PersistentRepr seen =
                PersistentRepr.apply(
                    AppliedEvents.AlreadyApplied.INSTANCE,
                    sequenceNr,
                    persistenceId,
                    "",
                    false,
                    null,
                    rs.getString(5));
            result.add(
                new scala.util.Success<>(
                    new Tuple3<PersistentRepr, Set<String>, Object>(seen, noTags, rs.getLong(1))));
            continue;
          }
          JournalTables.JournalPekkoSerializationRow row = row(rs);
          // The tags are not filled in, as in the plugin's own DAO: nothing reads them.
          result.add(
              PekkoSerialization$.MODULE$
                  .fromRow(serialization, row)
                  .map(
                      (Tuple2<PersistentRepr, Object> t) ->
                          new Tuple3<PersistentRepr, Set<String>, Object>(t._1(), noTags, t._2())));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reading tag " + tag + " after " + offset + " failed", e);
    }
    return result;
  }

  private static JournalTables.JournalPekkoSerializationRow row(ResultSet rs) throws SQLException {
    byte[] meta = rs.getBytes(11);
    int metaSerId = rs.getInt(12);
    boolean noMetaSerId = rs.wasNull();
    return new JournalTables.JournalPekkoSerializationRow(
        rs.getLong(1),
        rs.getBoolean(2),
        rs.getString(3),
        rs.getLong(4),
        rs.getString(5),
        rs.getLong(6),
        rs.getString(7),
        rs.getBytes(8),
        rs.getInt(9),
        rs.getString(10),
        Option.apply(meta),
        noMetaSerId ? Option.empty() : Option.<Object>apply(metaSerId),
        Option.apply(rs.getString(13)));
  }
}
