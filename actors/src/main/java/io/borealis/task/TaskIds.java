package io.borealis.task;

import io.borealis.model.InstanceKey;
import java.util.UUID;

/** Task ids as Aurora made them: {@code role-env-name-instance-uuid}, safe characters only. */
public final class TaskIds {

  private TaskIds() {}

  public static String of(InstanceKey instance, UUID uuid) {
    String raw =
        instance.job().role()
            + "-"
            + instance.job().environment()
            + "-"
            + instance.job().name()
            + "-"
            + instance.instanceId()
            + "-"
            + uuid;
    return raw.replaceAll("[^A-Za-z0-9_-]", "-");
  }
}
