package io.borealis.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads job files (job-config.md) into the JSON the scheduler takes. A {@code .json} file is read
 * as JSON, anything else as YAML (which accepts JSON too). The scheduler validates the content;
 * here only what the key decides is checked, as Aurora's client did: a {@code cluster}, {@code
 * role}, {@code environment} or {@code name} in the file must match the job key, and the ones the
 * file leaves out are taken from it.
 */
final class JobFiles {

  private JobFiles() {}

  static ObjectNode load(Path file, JobKeyArg key) {
    ObjectNode job = read(file);
    Map<String, String> fromKey =
        Map.of(
            "cluster", key.cluster(),
            "role", key.role(),
            "environment", key.environment(),
            "name", key.name());
    for (String field : new String[] {"cluster", "role", "environment", "name"}) {
      JsonNode value = job.get(field);
      if (value == null || value.isNull()) {
        continue;
      }
      String expected = fromKey.get(field);
      if (!value.isValueNode() || !value.asText().equals(expected)) {
        throw CliException.usage(
            file
                + ": "
                + field
                + " is "
                + Json.compact(value)
                + " but the job key "
                + key.withoutInstances()
                + " says '"
                + expected
                + "'");
      }
    }
    // The cluster is left as the file has it (absent or checked above): the scheduler checks a
    // cluster it is given against its own name, which catches a clusters.json pointing elsewhere.
    job.put("role", key.role());
    job.put("environment", key.environment());
    job.put("name", key.name());
    return job;
  }

  /** The file as a JSON object, or a usage error saying where it is wrong. */
  static ObjectNode read(Path file) {
    if (!Files.exists(file)) {
      throw CliException.usage("job file " + file + " does not exist");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw CliException.usage("job file " + file + " cannot be read");
    }
    ObjectMapper mapper =
        file.getFileName().toString().toLowerCase().endsWith(".json") ? Json.JSON : Json.YAML;
    JsonNode root;
    try {
      root = mapper.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw CliException.usage(file + ": " + describe(e));
    } catch (IOException e) {
      throw CliException.usage("job file " + file + " cannot be read: " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw CliException.usage(file + ": the job file is empty");
    }
    if (!root.isObject()) {
      throw CliException.usage(
          file + ": a job file holds one object of job fields, not a " + kind(root));
    }
    return (ObjectNode) root;
  }

  /** A parse error as {@code line 3, column 7: what is wrong}. */
  static String describe(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String message = e.getOriginalMessage();
    // SnakeYAML's messages repeat the location and quote the line on further lines.
    int newline = message.indexOf('\n');
    message = (newline < 0 ? message : message.substring(0, newline)).strip();
    if (at == null || at.getLineNr() < 1) {
      return message;
    }
    return "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + message;
  }

  private static String kind(JsonNode node) {
    if (node.isArray()) {
      return "list";
    }
    return node.isTextual() ? "string" : node.getNodeType().name().toLowerCase();
  }
}
