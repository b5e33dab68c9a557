package io.borealis.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * The migration of a persisted type still in its first shape: version 1, nothing to transform.
 * Every persisted event and state is listed in {@code pekko.serialization.jackson.migrations}
 * ({@code reference.conf}), most with this class, so that its manifest carries its version ({@code
 * io.borealis.job.JobEvent$JobCreated#1}); journals of releases before versions (manifests without
 * {@code #}) read as version 1. When a type's shape changes, its entry names a migration of its own
 * whose {@code currentVersion} is 2 and whose {@code transform} upgrades version 1's JSON.
 */
public final class FirstVersion extends JacksonMigration {

  @Override
  public int currentVersion() {
    return 1;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
