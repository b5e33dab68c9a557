package io.borealis.persistence;

import io.borealis.model.Assignment;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Shares the strings that repeat across many tasks (host names, agent ids, status messages, port
 * names), so each is held once instead of once per deserialized event. Bounded: past {@link #LIMIT}
 * distinct values it starts afresh, so odd one-off messages cannot grow it without end. Not
 * thread-safe: used under the view's write lock.
 */
final class Strings {

  static final int LIMIT = 50_000;

  private final Map<String, String> strings = new HashMap<>();
  private final Map<String, Optional<String>> messages = new HashMap<>();
  private final Map<Assignment, Assignment> assignments = new HashMap<>();

  /** Assignments are larger: fewer are remembered. */
  static final int ASSIGNMENT_LIMIT = 10_000;

  String of(String s) {
    if (strings.size() >= LIMIT) {
      strings.clear();
    }
    String known = strings.putIfAbsent(s, s);
    return known == null ? s : known;
  }

  Optional<String> message(Optional<String> message) {
    if (message.isEmpty()) {
      return Optional.empty();
    }
    if (messages.size() >= LIMIT) {
      messages.clear();
    }
    Optional<String> known = messages.putIfAbsent(message.get(), message);
    return known == null ? message : known;
  }

  /**
   * An equal assignment shared with earlier tasks (tasks of the same host and ports are many after
   * a restart of a job), else this one with its strings shared.
   */
  Assignment assignment(Assignment a) {
    if (assignments.size() >= ASSIGNMENT_LIMIT) {
      assignments.clear();
    }
    Assignment known = assignments.get(a);
    if (known != null) {
      return known;
    }
    Map<String, Integer> ports = new HashMap<>();
    a.ports().forEach((name, port) -> ports.put(of(name), port));
    Assignment shared = new Assignment(of(a.agentId()), of(a.host()), ports);
    assignments.put(shared, shared);
    return shared;
  }
}
