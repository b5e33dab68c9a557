package io.borealis.http;

import java.util.Optional;

/**
 * Which node serves the sandboxes of an agent: the base URL of the API of the node whose machine
 * runs {@code agentId}, or empty when this node serves it (its own agent, or an agent it does not
 * know). Sandbox reads of a task on another node's agent are forwarded there.
 */
@FunctionalInterface
public interface SandboxPeers {

  /** Every sandbox is served here (a single node, or a backend without agents elsewhere). */
  SandboxPeers NONE = agentId -> Optional.empty();

  Optional<String> apiBaseOf(String agentId);
}
