package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An error answer of the scheduler: its RFC 9457 problem body ({@code title}, {@code detail} and
 * one {@code errors[]} entry per bad field), or what could be made of a body that is not one (a
 * proxy's error page, say). {@code updateId} is the active update a 409 names (the job is
 * updating).
 */
record Problem(
    int status, String title, String detail, List<FieldError> errors, Optional<String> updateId) {

  record FieldError(String field, String message) {}

  Problem {
    errors = List.copyOf(errors);
  }

  static Problem decode(int status, byte[] body) {
    JsonNode json = Json.parseOrNull(body);
    if (json == null || !json.isObject()) {
      String text = new String(body, StandardCharsets.UTF_8).strip();
      int end = text.indexOf('\n');
      text = end < 0 ? text : text.substring(0, end);
      return new Problem(
          status, "HTTP " + status, abbreviate(text, 200), List.of(), Optional.empty());
    }
    List<FieldError> errors = new ArrayList<>();
    for (JsonNode e : json.path("errors")) {
      errors.add(new FieldError(e.path("field").asText(""), e.path("message").asText("")));
    }
    String title = json.path("title").asText("");
    JsonNode updateId = json.path("update_id");
    return new Problem(
        status,
        title.isBlank() ? "HTTP " + status : title,
        json.path("detail").asText(""),
        errors,
        updateId.isTextual() ? Optional.of(updateId.asText()) : Optional.empty());
  }

  /** The problem as RFC 9457 JSON, for {@code -o json}. */
  ObjectNode toJson() {
    ObjectNode o = Json.object();
    o.put("status", status);
    o.put("title", title);
    o.put("detail", detail);
    ArrayNode list = o.putArray("errors");
    errors.forEach(e -> list.addObject().put("field", e.field()).put("message", e.message()));
    updateId.ifPresent(id -> o.put("update_id", id));
    return o;
  }

  /** One line: {@code Conflict: Job www-data/prod/hello already exists}. */
  String summary() {
    return detail.isBlank() ? title : title + ": " + detail;
  }

  /**
   * One line per bad field: {@code task.resources.ram: must be > 0}; none when the one bad field is
   * already what the detail says, so that it is printed once.
   */
  List<String> fieldLines() {
    List<String> lines = new ArrayList<>();
    if (errors.size() == 1) {
      FieldError only = errors.get(0);
      String said = only.field().isBlank() ? only.message() : only.field() + ": " + only.message();
      if (detail.contains(said)) {
        return lines;
      }
    }
    for (FieldError e : errors) {
      lines.add("  " + (e.field().isBlank() ? "" : e.field() + ": ") + e.message());
    }
    return lines;
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }
}
