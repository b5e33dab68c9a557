package io.borealis.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.borealis.job.JobEntity;
import io.borealis.maintenance.MaintenanceEntity;
import io.borealis.quota.QuotaEntity;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.update.JobUpdateEntity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.serialization.jackson.JacksonMigration;
import org.junit.jupiter.api.Test;

/**
 * Every persisted event and state has a version (issue 11, schema evolution): it is listed in
 * {@code pekko.serialization.jackson.migrations}, so its manifest carries the version and a
 * migration from an older shape has its place; and its shape is recorded beside its version in
 * {@code schema/persisted-shapes.txt}, so that a change of shape without a new version (and a
 * migration) fails here rather than on a journal written by the previous release. The read side's
 * snapshot file is held to its {@link ViewSnapshot#FORMAT} the same way.
 */
class SchemaVersionsTest {

  static final String SHAPES = "/schema/persisted-shapes.txt";
  static final String MIGRATIONS = "pekko.serialization.jackson.migrations";

  final Config config = ConfigFactory.load();

  @Test
  void findsEveryEntityAndItsEventsAndStates() {
    assertThat(PersistedTypes.entities())
        .contains(
            JobEntity.class,
            TaskInstanceEntity.class,
            JobUpdateEntity.class,
            QuotaEntity.class,
            MaintenanceEntity.class);
    assertThat(PersistedTypes.persisted())
        .contains(
            io.borealis.job.JobEvent.JobCreated.class,
            io.borealis.job.JobState.Existing.class,
            io.borealis.task.InstanceEvent.TaskStateChanged.class,
            io.borealis.update.UpdateEvent.Pulsed.class,
            QuotaEntity.QuotaSet.class,
            QuotaEntity.State.class,
            MaintenanceEntity.HostsDrained.class,
            io.borealis.maintenance.MaintenanceState.class);
  }

  @Test
  void everyPersistedTypeHasAVersionAndAPlaceForItsMigration() {
    Map<String, Object> migrations = config.getObject(MIGRATIONS).unwrapped();
    List<String> missing = new ArrayList<>();
    Set<String> persisted = new TreeSet<>();
    for (Class<?> type : PersistedTypes.persisted()) {
      persisted.add(type.getName());
      if (!migrations.containsKey(type.getName())) {
        missing.add("  \"" + type.getName() + "\" = \"" + FirstVersion.class.getName() + "\"");
      }
    }
    assertThat(missing)
        .as(
            "persisted types without a version: add to %s in persistence's reference.conf:%n%s%n",
            MIGRATIONS, String.join("\n", missing))
        .isEmpty();
    // A type that is gone (or renamed: then its new name is listed and its migration's
    // transformClassName maps the old one) leaves no stale entry behind.
    List<String> stale = new ArrayList<>();
    for (String name : migrations.keySet()) {
      if (name.startsWith("io.borealis.") && !persisted.contains(name)) {
        stale.add(name);
      }
    }
    assertThat(stale).as("entries of %s that name no persisted type", MIGRATIONS).isEmpty();
    for (var e : migrations.entrySet()) {
      assertThat(migration(e.getValue().toString()).currentVersion())
          .as("the version of %s", e.getKey())
          .isPositive();
    }
  }

  @Test
  void everyShapeIsRecordedWithItsVersion() throws IOException {
    Map<String, String> expected = new LinkedHashMap<>();
    Map<String, Object> migrations = config.getObject(MIGRATIONS).unwrapped();
    for (Class<?> type : PersistedTypes.persisted()) {
      Object migration = migrations.get(type.getName());
      int version = migration == null ? 1 : migration(migration.toString()).currentVersion();
      expected.put(type.getName(), version + " " + hash(PersistedTypes.shape(type)));
    }
    expected.put(
        "read-side-snapshot",
        ViewSnapshot.FORMAT
            + " "
            + hash(
                PersistedTypes.shape(ViewSnapshot.class)
                    + PersistedTypes.shape(FileSnapshotStore.StoredJob.class)));

    Map<String, String> recorded = recorded();
    List<String> problems = new ArrayList<>();
    Set<String> names = new TreeSet<>(expected.keySet());
    names.addAll(recorded.keySet());
    for (String name : names) {
      String now = expected.get(name);
      String was = recorded.get(name);
      if (was == null) {
        problems.add(name + ": new, not recorded yet");
      } else if (now == null) {
        problems.add(name + ": recorded, but no longer persisted");
      } else if (!now.equals(was)) {
        boolean sameVersion = now.split(" ")[0].equals(was.split(" ")[0]);
        problems.add(
            name
                + (sameVersion
                    ? ": its shape changed but its version did not: give it a migration to a new"
                        + " version (read-side-snapshot: raise ViewSnapshot.FORMAT) that reads the"
                        + " old shape, then record the new line"
                    : ": a new version, record the new line"));
      }
    }
    StringBuilder file = new StringBuilder();
    expected.forEach((k, v) -> file.append(k).append(' ').append(v).append('\n'));
    assertThat(problems)
        .as(
            "%s differs from the persisted types:%n  %s%nOnce each is handled, its content is:%n%s",
            SHAPES, String.join("\n  ", problems), file)
        .isEmpty();
  }

  private static Map<String, String> recorded() throws IOException {
    Map<String, String> lines = new LinkedHashMap<>();
    try (InputStream in = SchemaVersionsTest.class.getResourceAsStream(SHAPES)) {
      if (in == null) {
        return lines;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          String[] parts = line.trim().split(" ", 2);
          lines.put(parts[0], parts[1]);
        }
      }
    }
    return lines;
  }

  private static JacksonMigration migration(String className) {
    try {
      return (JacksonMigration) Class.forName(className).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot create the migration " + className, e);
    }
  }

  private static String hash(String shape) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(shape.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
