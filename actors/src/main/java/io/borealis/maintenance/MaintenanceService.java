package io.borealis.maintenance;

import io.borealis.common.Stages;
import io.borealis.maintenance.MaintenanceEntity.HostStatuses;
import io.borealis.model.SlaPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Host maintenance as the edge sees it: one method per operation, each answering once the
 * maintenance singleton has persisted the change. Refusals fail the stage with a {@link
 * io.borealis.common.Rejection}.
 */
public final class MaintenanceService {

  private final ActorRef<MaintenanceEntity.Command> maintenance;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final Executor executor;

  public MaintenanceService(
      ActorSystem<?> system, ActorRef<MaintenanceEntity.Command> maintenance, Duration timeout) {
    this.maintenance = maintenance;
    this.timeout = timeout;
    this.scheduler = system.scheduler();
    this.executor = system.executionContext();
  }

  public CompletionStage<HostStatuses> start(List<String> hosts, String user) {
    return write(r -> new MaintenanceEntity.Start(hosts, user, r));
  }

  public CompletionStage<HostStatuses> drain(List<String> hosts, String user) {
    return write(r -> new MaintenanceEntity.Drain(hosts, user, r));
  }

  public CompletionStage<HostStatuses> slaDrain(
      List<String> hosts, SlaPolicy defaultPolicy, long timeoutSecs, String user) {
    return write(r -> new MaintenanceEntity.SlaDrain(hosts, defaultPolicy, timeoutSecs, user, r));
  }

  public CompletionStage<HostStatuses> end(List<String> hosts, String user) {
    return write(r -> new MaintenanceEntity.End(hosts, user, r));
  }

  /** Every host not in service, by host. */
  public CompletionStage<HostStatuses> status() {
    return Stages.on(
        AskPattern.ask(maintenance, MaintenanceEntity.GetStatus::new, timeout, scheduler),
        executor);
  }

  private CompletionStage<HostStatuses> write(
      org.apache.pekko.japi.function.Function<
              ActorRef<org.apache.pekko.pattern.StatusReply<HostStatuses>>,
              MaintenanceEntity.Command>
          command) {
    return Stages.on(AskPattern.askWithStatus(maintenance, command, timeout, scheduler), executor);
  }
}
