package io.borealis.model;

import java.util.Map;

/** Where a task was placed: the agent, its host name and the concrete ports bound to names. */
public record Assignment(String agentId, String host, Map<String, Integer> ports) {
  public Assignment {
    ports = Map.copyOf(ports);
  }
}
