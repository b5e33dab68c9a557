package io.borealis.backend.sim;

import io.borealis.backend.FleetControl;
import io.borealis.backend.ResourceBackend;
import io.borealis.common.Stages;
import io.borealis.model.ScheduleStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** {@link FleetControl} for the simulated fleet: each call is one ask of the backend actor. */
public final class SimFleetControl implements FleetControl {

  private final ActorRef<ResourceBackend.Command> backend;
  private final Scheduler scheduler;
  private final Executor executor;
  private final Duration timeout;

  public SimFleetControl(
      ActorRef<ResourceBackend.Command> backend,
      Scheduler scheduler,
      Executor executor,
      Duration timeout) {
    this.backend = backend;
    this.scheduler = scheduler;
    this.executor = executor;
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<List<AgentView>> agents() {
    return Stages.on(
        AskPattern.<ResourceBackend.Command, SimBackend.Agents>ask(
                backend, SimBackend.ListAgents::new, timeout, scheduler)
            .thenApply(SimBackend.Agents::agents),
        executor);
  }

  @Override
  public CompletionStage<List<AgentView>> addAgents(AgentSpec spec) {
    return Stages.on(
        AskPattern.<ResourceBackend.Command, SimBackend.Agents>ask(
                backend, r -> new SimBackend.AddAgents(spec, r), timeout, scheduler)
            .thenApply(SimBackend.Agents::agents),
        executor);
  }

  @Override
  public CompletionStage<Boolean> loseAgent(String agentId, String user) {
    return Stages.on(
        AskPattern.ask(
            backend, r -> new SimBackend.LoseAgent(agentId, user, r), timeout, scheduler),
        executor);
  }

  @Override
  public CompletionStage<Boolean> reportStatus(
      String taskId, ScheduleStatus status, Optional<String> message, String user) {
    return Stages.on(
        AskPattern.ask(
            backend,
            r -> new SimBackend.ReportStatus(taskId, status, message, user, r),
            timeout,
            scheduler),
        executor);
  }

  @Override
  public CompletionStage<Behaviour> behaviour() {
    return Stages.on(
        AskPattern.ask(backend, SimBackend.GetBehaviour::new, timeout, scheduler), executor);
  }

  @Override
  public CompletionStage<Behaviour> setBehaviour(Behaviour behaviour) {
    return Stages.on(
        AskPattern.ask(backend, r -> new SimBackend.SetBehaviour(behaviour, r), timeout, scheduler),
        executor);
  }
}
