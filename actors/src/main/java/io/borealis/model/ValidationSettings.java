package io.borealis.model;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cluster-wide rules a job configuration is checked against (Aurora's scheduler flags of the
 * same names).
 */
public record ValidationSettings(
    String clusterName,
    Pattern allowedEnvironments,
    int maxTasksPerJob,
    boolean allowGpu,
    Set<String> allowedContainerTypes,
    int minRequiredInstancesForSlaCheck,
    long maxSlaDurationSecs) {

  public ValidationSettings {
    allowedContainerTypes = Set.copyOf(allowedContainerTypes);
  }

  public static ValidationSettings from(com.typesafe.config.Config config) {
    com.typesafe.config.Config c = config.getConfig("borealis.validation");
    return new ValidationSettings(
        c.getString("cluster-name"),
        Pattern.compile(c.getString("allowed-environments")),
        c.getInt("max-tasks-per-job"),
        c.getBoolean("allow-gpu"),
        Set.copyOf(c.getStringList("allowed-container-types")),
        c.getInt("min-required-instances-for-sla-check"),
        c.getDuration("max-sla-duration").toSeconds());
  }

  /** Aurora's defaults, for cluster {@code local}. */
  public static final ValidationSettings DEFAULT =
      new ValidationSettings(
          "local",
          Pattern.compile("^(prod|devel|test|staging\\d*)$"),
          4000,
          false,
          Set.of("MESOS"),
          20,
          7200);
}
