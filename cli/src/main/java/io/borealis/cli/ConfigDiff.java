package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The fields that differ between two task configurations, one line each: {@code task.resources.cpu:
 * 0.5 -> 1.0}. Configurations are compared as flattened JSON, so every field the scheduler renders
 * is covered without this class knowing the schema.
 */
final class ConfigDiff {

  private ConfigDiff() {}

  static List<String> lines(JsonNode from, JsonNode to) {
    Map<String, String> a = flatten(from);
    Map<String, String> b = flatten(to);
    List<String> lines = new ArrayList<>();
    TreeSet<String> paths = new TreeSet<>(a.keySet());
    paths.addAll(b.keySet());
    for (String path : paths) {
      String before = a.get(path);
      String after = b.get(path);
      if (before == null || after == null || !before.equals(after)) {
        lines.add(path + ": " + orNone(before) + " -> " + orNone(after));
      }
    }
    return lines;
  }

  /** Leaf paths such as {@code task.processes[0].cmdline} to their values as compact JSON. */
  static Map<String, String> flatten(JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    flatten("", node, out);
    return out;
  }

  private static void flatten(String path, JsonNode node, Map<String, String> out) {
    if (node.isObject() && !node.isEmpty()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        flatten(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out);
      }
    } else if (node.isArray() && !node.isEmpty()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(path + "[" + i + "]", node.get(i), out);
      }
    } else {
      out.put(path, Json.compact(node));
    }
  }

  private static String orNone(String value) {
    return value == null ? "(none)" : value;
  }
}
