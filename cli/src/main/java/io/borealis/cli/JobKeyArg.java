package io.borealis.cli;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A job key as users type it, {@code CLUSTER/ROLE/ENV/NAME}, optionally followed by {@code
 * /INSTANCES} in range syntax ({@code devcluster/www-data/prod/hello/0-3,7}).
 */
record JobKeyArg(
    String cluster, String role, String environment, String name, Optional<InstanceSet> instances) {

  static final String FORMAT = "CLUSTER/ROLE/ENV/NAME";

  // The scheduler's rule for each part of a job key (io.borealis.model.JobKey): letters, digits,
  // '_', '-' and '.', and not '.' or '..', which name no job in a URL path (a client or proxy
  // resolves them away); the length limit keeps every persistence id and task id of the job within
  // what the stores can hold.
  private static final Pattern PART = Pattern.compile("[\\w\\-.]+");
  static final int MAX_PART_LENGTH = 64;

  /**
   * Parses a key with or without instances.
   *
   * @throws IllegalArgumentException saying what is wrong, for a usage error
   */
  static JobKeyArg parse(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length != 4 && parts.length != 5) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a job key of the form " + FORMAT + "[/INSTANCES]");
    }
    String[] labels = {"cluster", "role", "environment", "name"};
    for (int i = 0; i < 4; i++) {
      checkPart(labels[i], parts[i], text);
    }
    Optional<InstanceSet> instances = Optional.empty();
    if (parts.length == 5) {
      try {
        instances = Optional.of(InstanceSet.parse(parts[4]));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "bad instances in job key '" + text + "': " + e.getMessage());
      }
    }
    return new JobKeyArg(parts[0], parts[1], parts[2], parts[3], instances);
  }

  static void checkPart(String label, String value, String text) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("the " + label + " in '" + text + "' is empty");
    }
    if (value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException(
          "the " + label + " in '" + text + "' may not be '" + value + "'");
    }
    if (value.length() > MAX_PART_LENGTH || !PART.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "the "
              + label
              + " '"
              + value
              + "' in '"
              + text
              + "' may only hold letters, digits, '_', '-' and '.' (at most "
              + MAX_PART_LENGTH
              + ")");
    }
  }

  /** The key without instances, for commands that act on the whole job. */
  JobKeyArg requireNoInstances() {
    if (instances.isPresent()) {
      throw CliException.usage(
          "this command takes a job key without instances (" + FORMAT + "), not '" + this + "'");
    }
    return this;
  }

  int requireSingleInstance() {
    InstanceSet set =
        instances.orElseThrow(
            () ->
                CliException.usage(
                    "this command needs one instance in the job key ("
                        + FORMAT
                        + "/INSTANCE, e.g. "
                        + this
                        + "/0)"));
    if (!set.isSingle()) {
      throw CliException.usage(
          "this command takes a single instance, not '"
              + set
              + "' (e.g. "
              + withoutInstances()
              + "/0)");
    }
    return set.first();
  }

  String withoutInstances() {
    return cluster + "/" + role + "/" + environment + "/" + name;
  }

  /** {@code role/env/name}: the key as the scheduler names jobs. */
  String jobPath() {
    return role + "/" + environment + "/" + name;
  }

  @Override
  public String toString() {
    return withoutInstances() + instances.map(i -> "/" + i).orElse("");
  }
}
