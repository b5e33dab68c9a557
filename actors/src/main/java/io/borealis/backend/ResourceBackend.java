package io.borealis.backend;

import io.borealis.CborSerializable;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The seam between the scheduler and whatever runs tasks (Mesos, the local agent, the simulated
 * fleet). A backend is an actor: offers go out to placement, launches and kills come in, status
 * updates go out to the status router and are acknowledged only after they are persisted, and
 * reconciliation asks the backend for the truth about tasks.
 */
public final class ResourceBackend {

  private ResourceBackend() {}

  /**
   * Commands every backend understands. Deliberately not sealed: a backend may accept more (the
   * simulated fleet's control surface).
   */
  public interface Command extends CborSerializable {}

  /** Start these tasks with the resources of {@code offerId}; the rest of the offer is returned. */
  public record Launch(String offerId, String agentId, List<LaunchTask> tasks) implements Command {
    public Launch {
      tasks = List.copyOf(tasks);
    }
  }

  /** Placement does not want this offer now. */
  public record Decline(String offerId) implements Command {}

  /** Kill a task (also one the scheduler does not know any more). */
  public record Kill(String taskId, Optional<String> agentId) implements Command {}

  /** The status update {@code updateId} of {@code taskId} is persisted; stop re-sending it. */
  public record Acknowledge(String taskId, String updateId) implements Command {}

  /**
   * Report the current status of these tasks (explicit reconciliation); with an empty list, report
   * every task the backend knows (implicit reconciliation).
   */
  public record Reconcile(List<TaskRef> tasks) implements Command {
    public Reconcile {
      tasks = List.copyOf(tasks);
    }
  }

  /** Placement lost its offers (it restarted): offer everything again. */
  public record ReviveOffers() implements Command {}

  /** Where a backend sends what it has to say. */
  public record Listeners(ActorRef<OfferEvent> offers, ActorRef<StatusUpdate> statuses) {}

  /** Makes the backend's behavior; the node picks one factory per run. */
  public interface Factory {
    /** The name operators pick it by: {@code sim}, {@code local}, {@code mesos}. */
    String name();

    Behavior<Command> create(Listeners listeners);

    /** A factory named {@code name} that makes its behavior with {@code create}. */
    static Factory of(
        String name, java.util.function.Function<Listeners, Behavior<Command>> create) {
      return new Factory() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public Behavior<Command> create(Listeners listeners) {
          return create.apply(listeners);
        }
      };
    }
  }
}
