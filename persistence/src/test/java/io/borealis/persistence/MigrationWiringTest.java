package io.borealis.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import io.borealis.CborSerializable;
import io.borealis.maintenance.DrainRequest;
import io.borealis.maintenance.MaintenanceEntity;
import io.borealis.quota.QuotaEntity;
import io.borealis.quota.ResourceAggregate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonMigration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The versions of persisted types as Pekko's Jackson serializer applies them with the node's
 * configuration: the current version goes into the manifest, a payload of an older version (or of a
 * release before versions, whose manifest has none) is upgraded by the type's migration, and a
 * version newer than this release knows is refused rather than misread.
 */
class MigrationWiringTest {

  /** A test-only persisted type in its second shape; version 1 called {@code title} "name". */
  public record Labelled(String title, int count) implements CborSerializable {}

  /** Version 1 to 2: the field "name" became "title". */
  public static final class LabelledMigration extends JacksonMigration {
    @Override
    public int currentVersion() {
      return 2;
    }

    @Override
    public JsonNode transform(int fromVersion, JsonNode json) {
      ObjectNode node = (ObjectNode) json;
      if (fromVersion < 2) {
        node.set("title", node.remove("name"));
      }
      return node;
    }
  }

  static final String LABELLED = Labelled.class.getName();

  static final ActorTestKit testKit =
      ActorTestKit.create(
          "MigrationWiringTest",
          ConfigFactory.parseString(
                  "pekko.serialization.jackson.migrations {\"%s\" = \"%s\"}"
                      .formatted(LABELLED, LabelledMigration.class.getName()))
              .withFallback(ConfigFactory.load()));

  static final Serialization serialization =
      SerializationExtension.get(Adapter.toClassic(testKit.system()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static byte[] cbor(Map<String, Object> fields) throws Exception {
    return new CBORMapper().writeValueAsBytes(fields);
  }

  private static Object read(byte[] bytes, Class<?> type, String manifest) throws Exception {
    Serializer serializer = serialization.serializerFor(type);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  @Test
  void writesTheCurrentVersionIntoTheManifest() {
    Labelled labelled = new Labelled("web", 3);
    assertThat(Serializers.manifestFor(serialization.findSerializerFor(labelled), labelled))
        .isEqualTo(LABELLED + "#2");
    var quota =
        new QuotaEntity.QuotaSet(
            "www-data",
            new ResourceAggregate(2, 1024, 2048),
            new ResourceAggregate(0, 0, 0),
            "ops",
            Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(Serializers.manifestFor(serialization.findSerializerFor(quota), quota))
        .isEqualTo(QuotaEntity.QuotaSet.class.getName() + "#1");
  }

  @Test
  void upgradesAPayloadOfTheFirstShapeWithOrWithoutAVersionInItsManifest() throws Exception {
    byte[] first = cbor(Map.of("name", "web", "count", 3));

    assertThat(read(first, Labelled.class, LABELLED)).isEqualTo(new Labelled("web", 3));
    assertThat(read(first, Labelled.class, LABELLED + "#1")).isEqualTo(new Labelled("web", 3));
    // The current shape is read as it is.
    assertThat(read(cbor(Map.of("title", "db", "count", 1)), Labelled.class, LABELLED + "#2"))
        .isEqualTo(new Labelled("db", 1));
  }

  @Test
  void readsAnEventOfAReleaseBeforeVersionsAsVersionOne() throws Exception {
    var event =
        new QuotaEntity.QuotaSet(
            "www-data",
            new ResourceAggregate(2, 1024, 2048),
            new ResourceAggregate(0, 0, 0),
            "ops",
            Instant.parse("2026-01-01T00:00:00Z"));
    byte[] bytes = serialization.serialize(event).get();

    assertThat(read(bytes, QuotaEntity.QuotaSet.class, QuotaEntity.QuotaSet.class.getName()))
        .isEqualTo(event);
  }

  @Test
  void refusesAVersionNewerThanItKnows() throws Exception {
    byte[] later = cbor(Map.of("title", "web", "count", 3));

    assertThatThrownBy(() -> read(later, Labelled.class, LABELLED + "#3"))
        .hasMessageContaining("version");
  }

  @Test
  void readsADrainRequestOfVersionOneWithNobodyNamed() throws Exception {
    Instant at = Instant.parse("2026-01-01T00:00:00Z");
    var now = new MaintenanceEntity.DrainRequested(List.of(DrainRequest.forced("h1", at, "alice")));
    String manifest = MaintenanceEntity.DrainRequested.class.getName();
    // Version 1's JSON: the same, without requestedBy.
    JsonNode json = new CBORMapper().readTree(serialization.serialize(now).get());
    ((ObjectNode) json.get("requests").get(0)).remove("requestedBy");
    byte[] first = new CBORMapper().writeValueAsBytes(json);

    var read = (MaintenanceEntity.DrainRequested) read(first, now.getClass(), manifest + "#1");

    assertThat(read.requests().get(0).requestedBy()).isEqualTo(Optional.empty());
    assertThat(read.requests().get(0).taskMessage()).isEqualTo("Draining machine for maintenance.");
    assertThat(read(serialization.serialize(now).get(), now.getClass(), manifest + "#2"))
        .isEqualTo(now);
  }
}
