package io.borealis.update;

import io.borealis.model.JobKey;
import java.util.regex.Pattern;

/**
 * Names one update: its job and its id. Ids are unique per job (a client may reuse its own id for
 * the same rollout of the same job in several clusters), so the entity is named by both: {@code
 * role/env/name/id}.
 */
public record UpdateKey(JobKey job, String id) {

  /** A client-supplied id: 1-128 characters of {@code [A-Za-z0-9._-]} (aurora-semantics §12). */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  public UpdateKey {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "an update id is 1-128 characters of letters, digits, '.', '_' and '-', got '"
              + id
              + "'");
    }
  }

  /** Parses {@code role/env/name/id}, the entity id. */
  public static UpdateKey parse(String text) {
    int slash = text.lastIndexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("an update key is role/env/name/id, got '" + text + "'");
    }
    return new UpdateKey(JobKey.parse(text.substring(0, slash)), text.substring(slash + 1));
  }

  @Override
  public String toString() {
    return job + "/" + id;
  }
}
