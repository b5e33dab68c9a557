package io.borealis.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A job's identity: role, environment and name (Aurora's {@code JobKey}). Each part matches {@code
 * [\w\-.]+}, is neither {@code .} nor {@code ..}, and is at most {@value #MAX_PART_LENGTH}
 * characters; {@link #toString()} is the canonical {@code role/environment/name}.
 *
 * <p>The length limit is what every store can hold: the key is part of every persistence id ({@code
 * job|KEY}, {@code instance|KEY/N}, at most 9 + 194 + 11 characters), which the JDBC journal keeps
 * in a {@code VARCHAR(255)}, and of every task id ({@code role-env-name-N-uuid}, at most 242
 * characters), which names a sandbox directory (255 bytes on common file systems). With longer
 * parts a job could be stored while its instances could not.
 */
public record JobKey(String role, String environment, String name) {

  static final Pattern PART = Pattern.compile("^[\\w\\-.]+$");

  /** The longest part a new key may have. */
  public static final int MAX_PART_LENGTH = 64;

  /**
   * The longest part a key read back from storage may have: keys made before {@link
   * #MAX_PART_LENGTH} existed had up to 255 characters, and replaying them must not fail.
   */
  static final int MAX_STORED_PART_LENGTH = 255;

  public JobKey {
    List<FieldError> errors = validate(role, environment, name, "", true);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(errors.get(0).toString());
    }
  }

  /** The problems with a would-be new key, one per bad part, fields named under {@code prefix}. */
  public static List<FieldError> validate(
      String role, String environment, String name, String prefix) {
    return validate(role, environment, name, prefix, false);
  }

  /** {@code stored}: the looser rules a key read back from storage is held to. */
  private static List<FieldError> validate(
      String role, String environment, String name, String prefix, boolean stored) {
    List<FieldError> errors = new ArrayList<>();
    checkPart(prefix + "role", role, stored, errors);
    checkPart(prefix + "environment", environment, stored, errors);
    checkPart(prefix + "name", name, stored, errors);
    return errors;
  }

  private static void checkPart(
      String field, String value, boolean stored, List<FieldError> errors) {
    int maxLength = stored ? MAX_STORED_PART_LENGTH : MAX_PART_LENGTH;
    if (value == null || value.isEmpty()) {
      errors.add(new FieldError(field, "is required"));
    } else if (value.length() > maxLength) {
      errors.add(
          new FieldError(
              field, "must be at most " + maxLength + " characters (got " + value.length() + ")"));
    } else if (!PART.matcher(value).matches()) {
      errors.add(
          new FieldError(
              field, "must contain only letters, digits, '_', '-' and '.' (got '" + value + "')"));
    } else if (!stored && (value.equals(".") || value.equals(".."))) {
      // As a URL path segment it would be resolved away: the job could never be addressed.
      errors.add(new FieldError(field, "must not be '.' or '..'"));
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
