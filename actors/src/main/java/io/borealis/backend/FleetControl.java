package io.borealis.backend;

import io.borealis.model.ScheduleStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The control surface of a simulated fleet (tests, demos, load tests): inspect and add agents, lose
 * one, report statuses as an agent would, and set what agents do on their own. Real backends do not
 * have one.
 */
public interface FleetControl {

  /** Agents to add: how many and what each has. */
  record AgentSpec(
      int count,
      double cpu,
      long ramMb,
      long diskMb,
      List<PortRange> ports,
      Map<String, Set<String>> attributes) {}

  /** One agent as the fleet sees it. */
  record AgentView(
      String agentId,
      String host,
      Map<String, Set<String>> attributes,
      Totals total,
      Totals free,
      int tasks) {}

  /** An amount of resources; {@code ports} counts free or total ports. */
  record Totals(double cpu, long ramMb, long diskMb, int ports) {}

  /** What simulated agents do on their own with launched tasks. */
  record Behaviour(boolean autoRun, long startDelayMs, double failRate, long seed)
      implements io.borealis.CborSerializable {}

  CompletionStage<List<AgentView>> agents();

  CompletionStage<List<AgentView>> addAgents(AgentSpec spec);

  /**
   * Loses an agent on behalf of {@code user}, who is named in its tasks' LOST messages; false when
   * there is no such agent.
   */
  CompletionStage<Boolean> loseAgent(String agentId, String user);

  /**
   * Reports a status for a task as its agent would, on behalf of {@code user}, who is named in the
   * status's message; false when no agent runs that task.
   */
  CompletionStage<Boolean> reportStatus(
      String taskId, ScheduleStatus status, Optional<String> message, String user);

  CompletionStage<Behaviour> behaviour();

  CompletionStage<Behaviour> setBehaviour(Behaviour behaviour);
}
