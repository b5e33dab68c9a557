package io.borealis.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

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
                + "': make them match, or leave "
                + field
                + " out of the file (the key gives it)");
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

  /**
   * A parse error as {@code line 3, column 7: what was expected}, once, with nothing of the
   * parser's internals: SnakeYAML's own message starts with its context ("while parsing a block
   * mapping") and quotes the lines; Jackson's names a redacted source.
   */
  static String describe(JsonProcessingException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
        return yaml(yaml);
      }
    }
    JsonLocation at = e.getLocation();
    String message = e.getOriginalMessage();
    // SnakeYAML's messages repeat the location and quote the line on further lines.
    int newline = message.indexOf('\n');
    message = (newline < 0 ? message : message.substring(0, newline)).strip();
    message = REDACTED_SOURCE.matcher(message).replaceAll("line $1, column $2");
    if (at == null || at.getLineNr() < 1) {
      return message;
    }
    return "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + message;
  }

  // Jackson's "[Source: REDACTED (`StreamReadFeature...` disabled); line: 2, column: 24]".
  private static final Pattern REDACTED_SOURCE =
      Pattern.compile("\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)\\]");

  private static String yaml(MarkedYAMLException e) {
    Mark at = e.getProblemMark();
    StringBuilder out =
        new StringBuilder()
            .append("line ")
            .append(at.getLine() + 1)
            .append(", column ")
            .append(at.getColumn() + 1)
            .append(": ")
            .append(e.getProblem() == null ? "not valid YAML" : e.getProblem().strip());
    List<String> notes = new ArrayList<>();
    if (e.getContext() != null && e.getContextMark() != null) {
      Mark from = e.getContextMark();
      notes.add(
          e.getContext().strip().replaceFirst("^while parsing an? ", "in the ")
              + " that starts at line "
              + (from.getLine() + 1)
              + ", column "
              + (from.getColumn() + 1));
    }
    if (e.getProblem() != null && e.getProblem().contains("<block")) {
      notes.add("check the indentation");
    }
    if (!notes.isEmpty()) {
      out.append(" (").append(String.join("; ", notes)).append(")");
    }
    return out.toString();
  }

  private static String kind(JsonNode node) {
    if (node.isArray()) {
      return "list";
    }
    return node.isTextual() ? "string" : node.getNodeType().name().toLowerCase();
  }
}
