package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

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
    return typed(field, JsonNode::isTextual, "must be a string", JsonNode::asText);
  }

  Optional<Long> whole(String field) {
    return typed(
        field,
        v -> v.isIntegralNumber() && v.canConvertToLong(),
        "must be a whole number",
        JsonNode::asLong);
  }

  Optional<Double> number(String field) {
    // 1e999 reads as an infinite double.
    return typed(
        field,
        v -> v.isNumber() && Double.isFinite(v.asDouble()),
        "must be a finite number",
        JsonNode::asDouble);
  }

  Optional<Boolean> bool(String field) {
    return typed(field, JsonNode::isBoolean, "must be true or false", JsonNode::asBoolean);
  }

  /** A field's value if it is of the right type; a problem {@code message} if it is not. */
  private <T> Optional<T> typed(
      String field, Predicate<JsonNode> fits, String message, Function<JsonNode, T> value) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!fits.test(v)) {
      error(field, message);
      return Optional.empty();
    }
    return Optional.of(value.apply(v));
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
                error(
                    f,
                    read.isEmpty()
                        ? "is not a known field (this request takes none)"
                        : "is not a known field (known: " + new java.util.TreeSet<>(read) + ")");
              }
            });
    input.checked();
  }
}
