package io.borealis.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A job's identity: role, environment and name (Aurora's {@code JobKey}). Each part matches {@code
 * [\w\-.]+} and is at most 255 characters; {@link #toString()} is the canonical {@code
 * role/environment/name}.
 */
public record JobKey(String role, String environment, String name) {

  static final Pattern PART = Pattern.compile("^[\\w\\-.]+$");
  static final int MAX_PART_LENGTH = 255;

  public JobKey {
    List<FieldError> errors = validate(role, environment, name, "");
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(errors.get(0).toString());
    }
  }

  /** The problems with a would-be key, one per bad part, fields named under {@code prefix}. */
  public static List<FieldError> validate(
      String role, String environment, String name, String prefix) {
    List<FieldError> errors = new ArrayList<>();
    checkPart(prefix + "role", role, errors);
    checkPart(prefix + "environment", environment, errors);
    checkPart(prefix + "name", name, errors);
    return errors;
  }

  private static void checkPart(String field, String value, List<FieldError> errors) {
    if (value == null || value.isEmpty()) {
      errors.add(new FieldError(field, "is required"));
    } else if (value.length() > MAX_PART_LENGTH) {
      errors.add(new FieldError(field, "must be at most " + MAX_PART_LENGTH + " characters"));
    } else if (!PART.matcher(value).matches()) {
      errors.add(
          new FieldError(
              field, "must contain only letters, digits, '_', '-' and '.' (got '" + value + "')"));
    }
  }

  /** Parses {@code role/environment/name}. */
  public static JobKey parse(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("a job key is role/environment/name, got '" + text + "'");
    }
    return new JobKey(parts[0], parts[1], parts[2]);
  }

  public InstanceKey instance(int instanceId) {
    return new InstanceKey(this, instanceId);
  }

  @Override
  public String toString() {
    return role + "/" + environment + "/" + name;
  }
}
