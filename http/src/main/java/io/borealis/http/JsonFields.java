package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a small command body field by field, noting every problem (wrong types, missing and unknown
 * fields) on the request's {@link Input}; {@link #done()} reports them all, with the query's, as
 * one 400. A Jackson binding to a record would stop at the first bad field.
 */
final class JsonFields {

  private final Input input;
  private final JsonNode node;
  private final Set<String> read = new HashSet<>();

  JsonFields(JsonNode json, Input input) {
    this.input = input;
    if (!json.isObject()) {
      input.problem("(body)", "must be a JSON object");
      input.checked();
    }
    this.node = json;
  }

  private JsonNode get(String field) {
    read.add(field);
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  void error(String field, String message) {
    input.problem(field, message);
  }

  boolean has(String field) {
    return get(field) != null;
  }

  Optional<String> string(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      error(field, "must be a string");
      return Optional.empty();
    }
    return Optional.of(v.asText());
  }

  Optional<Long> whole(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      error(field, "must be a whole number");
      return Optional.empty();
    }
    return Optional.of(v.asLong());
  }

  Optional<Double> number(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      // 1e999 reads as an infinite double.
      error(field, "must be a finite number");
      return Optional.empty();
    }
    return Optional.of(v.asDouble());
  }

  Optional<Boolean> bool(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      error(field, "must be true or false");
      return Optional.empty();
    }
    return Optional.of(v.asBoolean());
  }

  Optional<JsonNode> any(String field) {
    return Optional.ofNullable(get(field));
  }

  /** Throws every problem found in the request, unknown body fields included. */
  void done() {
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!read.contains(f)) {
                error(f, "is not a known field");
              }
            });
    input.checked();
  }
}
