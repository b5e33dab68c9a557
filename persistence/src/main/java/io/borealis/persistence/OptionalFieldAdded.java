package io.borealis.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * The migration of a persisted type whose version 2 added an optional field (somewhere in its
 * shape) that version 1 lacks: nothing to transform, since the type reads the absent field as
 * empty. {@code DrainRequest.requestedBy}, in {@code DrainRequested} and {@code MaintenanceState},
 * is one.
 */
public final class OptionalFieldAdded extends JacksonMigration {

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
