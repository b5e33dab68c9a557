package io.borealis.backend.sim;

import io.borealis.backend.FleetControl;
import io.borealis.backend.FleetControl.AgentView;
import io.borealis.backend.FleetControl.Behaviour;
import io.borealis.backend.LaunchTask;
import io.borealis.backend.OfferEvent;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.TaskRef;
import io.borealis.backend.agent.AgentOffers;
import io.borealis.backend.agent.AgentResources;
import io.borealis.backend.agent.StatusOutbox;
import io.borealis.model.InstanceKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A simulated fleet of agents, for tests, demos and load tests only: nothing runs, but the fleet
 * behaves towards the scheduler like a Mesos cluster would. Each agent offers its free resources
 * (one outstanding offer per agent), accepts launches that fit, reports statuses until they are
 * acknowledged, answers reconciliation, and carries out kills. With {@code auto_run} launched tasks
 * go STARTING then RUNNING (or FAILED, at {@code fail_rate}) on their own; without it they wait for
 * statuses posted through the control surface, which keeps scenario tests deterministic. All
 * randomness comes from one seeded generator.
 */
public final class SimBackend extends AbstractBehavior<ResourceBackend.Command> {

  // ---------------------------------------------------------------------------------------------
  // The control surface (behind FleetControl)

  /**
   * Agents, as a reply: a record, so it crosses nodes (the fleet runs on the node that holds the
   * backend singleton; the sim routes of every node ask it).
   */
  public record Agents(List<AgentView> agents) implements io.borealis.CborSerializable {}

  /** List the agents. */
  public record ListAgents(ActorRef<Agents> replyTo)
      implements ResourceBackend.Command, NoSerializationVerificationNeeded {}

  /** Add agents; replies with the new ones. */
  public record AddAgents(FleetControl.AgentSpec spec, ActorRef<Agents> replyTo)
      implements ResourceBackend.Command, NoSerializationVerificationNeeded {}

  /** The agent disappears, as {@code user} asked (logged): its tasks are reported LOST. */
  public record LoseAgent(String agentId, String user, ActorRef<Boolean> replyTo)
      implements ResourceBackend.Command {}

  /** Report a status for a task as its agent would, as {@code user} asked (logged). */
  public record ReportStatus(
      String taskId,
      ScheduleStatus status,
      Optional<String> message,
      String user,
      ActorRef<Boolean> replyTo)
      implements ResourceBackend.Command {}

  /** Read the behaviour. */
  public record GetBehaviour(ActorRef<Behaviour> replyTo) implements ResourceBackend.Command {}

  /** Change what agents do on their own. */
  public record SetBehaviour(Behaviour behaviour, ActorRef<Behaviour> replyTo)
      implements ResourceBackend.Command {}

  private record AutoStep(String taskId, ScheduleStatus status)
      implements ResourceBackend.Command {}

  private record ResendUnacknowledged() implements ResourceBackend.Command {}

  private record OfferAgain(String agentId) implements ResourceBackend.Command {}

  // ---------------------------------------------------------------------------------------------
  // State (confined to this actor)

  private record SimTask(
      String taskId, InstanceKey instance, String agentId, boolean failsOnStart) {}

  private final ResourceBackend.Listeners listeners;
  private final SimSettings settings;
  private final Clock clock;
  private final TimerScheduler<ResourceBackend.Command> timers;

  private final LinkedHashMap<String, AgentResources> agents = new LinkedHashMap<>();
  private final Map<String, SimTask> tasks = new HashMap<>();
  private final Map<String, ScheduleStatus> statuses = new HashMap<>();
  private final StatusOutbox outbox;
  private final AgentOffers offers;
  private Behaviour behaviour;
  private Random random;
  private long nextAgent = 1;

  /** The factory the node uses for {@code --backend sim}. */
  public static ResourceBackend.Factory factory(SimSettings settings, Clock clock) {
    return ResourceBackend.Factory.of(
        "sim", listeners -> SimBackend.create(listeners, settings, clock));
  }

  public static Behavior<ResourceBackend.Command> create(
      ResourceBackend.Listeners listeners, SimSettings settings, Clock clock) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new SimBackend(context, timers, listeners, settings, clock)));
  }

  private SimBackend(
      ActorContext<ResourceBackend.Command> context,
      TimerScheduler<ResourceBackend.Command> timers,
      ResourceBackend.Listeners listeners,
      SimSettings settings,
      Clock clock) {
    super(context);
    this.timers = timers;
    this.listeners = listeners;
    this.settings = settings;
    this.clock = clock;
    this.behaviour = settings.behaviour();
    this.random = new Random(behaviour.seed());
    this.outbox = new StatusOutbox(listeners.statuses(), clock, "u");
    this.offers = new AgentOffers(listeners.offers(), "offer-");
    listeners.offers().tell(new OfferEvent.OffersReset());
    addAgents(settings.agents());
    timers.startTimerWithFixedDelay(
        "resend", new ResendUnacknowledged(), settings.resendInterval());
  }

  @Override
  public Receive<ResourceBackend.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ResourceBackend.Launch.class, this::onLaunch)
        .onMessage(ResourceBackend.Decline.class, this::onDecline)
        .onMessage(ResourceBackend.Kill.class, this::onKill)
        .onMessage(ResourceBackend.Acknowledge.class, this::onAcknowledge)
        .onMessage(ResourceBackend.Reconcile.class, this::onReconcile)
        .onMessage(ResourceBackend.ReviveOffers.class, this::onRevive)
        .onMessage(AutoStep.class, this::onAutoStep)
        .onMessage(
            OfferAgain.class,
            m -> {
              AgentResources a = agents.get(m.agentId());
              if (a != null) {
                offers.offer(a);
              }
              return this;
            })
        .onMessage(ResendUnacknowledged.class, this::onResend)
        .onMessage(
            ListAgents.class,
            m -> {
              m.replyTo()
                  .tell(new Agents(agents.values().stream().map(AgentResources::view).toList()));
              return this;
            })
        .onMessage(
            AddAgents.class,
            m -> {
              m.replyTo()
                  .tell(
                      new Agents(addAgents(m.spec()).stream().map(AgentResources::view).toList()));
              return this;
            })
        .onMessage(LoseAgent.class, this::onLoseAgent)
        .onMessage(ReportStatus.class, this::onReportStatus)
        .onMessage(
            GetBehaviour.class,
            m -> {
              m.replyTo().tell(behaviour);
              return this;
            })
        .onMessage(
            SetBehaviour.class,
            m -> {
              behaviour = m.behaviour();
              random = new Random(behaviour.seed());
              m.replyTo().tell(behaviour);
              return this;
            })
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduler-facing protocol

  private Behavior<ResourceBackend.Command> onLaunch(ResourceBackend.Launch launch) {
    AgentResources agent = agents.get(launch.agentId());
    if (agent != null) {
      // What the offer covered and the launch does not take is offered again below.
      agent.withdraw(launch.offerId());
    }
    for (LaunchTask t : launch.tasks()) {
      Resources r = t.config().resources();
      if (agent == null) {
        send(
            t.taskId(),
            Optional.of(t.instance()),
            launch.agentId(),
            ScheduleStatus.LOST,
            "Agent " + launch.agentId() + " is gone");
      } else if (tasks.containsKey(t.taskId())) {
        getContext()
            .getLog()
            .warn("Task {} launched twice; ignoring the second launch.", t.taskId());
      } else if (!agent.fits(r, t.assignment().ports())) {
        send(
            t.taskId(),
            Optional.of(t.instance()),
            agent.id(),
            ScheduleStatus.LOST,
            "Launch failed: not enough resources left on " + agent.host());
      } else {
        agent.take(t.taskId(), r, t.assignment().ports());
        // Drawn here, in launch order, not when the start timer fires: timers due together fire
        // in no set order, and the same seed must give each task the same fate.
        boolean fails =
            behaviour.autoRun()
                && behaviour.failRate() > 0
                && random.nextDouble() < behaviour.failRate();
        tasks.put(t.taskId(), new SimTask(t.taskId(), t.instance(), agent.id(), fails));
        statuses.put(t.taskId(), ScheduleStatus.ASSIGNED);
        if (behaviour.autoRun()) {
          step(t.taskId(), ScheduleStatus.STARTING);
        }
      }
    }
    if (agent != null) {
      offers.offer(agent);
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onDecline(ResourceBackend.Decline decline) {
    for (AgentResources a : agents.values()) {
      if (a.withdraw(decline.offerId())) {
        timers.startSingleTimer(
            "offer-" + a.id(), new OfferAgain(a.id()), settings.declineRefuse());
      }
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onKill(ResourceBackend.Kill kill) {
    SimTask task = tasks.get(kill.taskId());
    if (task == null) {
      // Mesos answers a kill of a task it does not know with TASK_LOST.
      send(
          kill.taskId(),
          Optional.empty(),
          kill.agentId().orElse(""),
          ScheduleStatus.LOST,
          "Task unknown to the cluster");
    } else if (behaviour.autoRun() && behaviour.startDelayMs() > 0) {
      timers.startSingleTimer(
          "step-" + task.taskId(),
          new AutoStep(task.taskId(), ScheduleStatus.KILLED),
          Duration.ofMillis(behaviour.startDelayMs()));
    } else {
      transition(task, ScheduleStatus.KILLED, "Killed by the scheduler");
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onAcknowledge(ResourceBackend.Acknowledge ack) {
    outbox.acknowledge(ack.updateId());
    return this;
  }

  private Behavior<ResourceBackend.Command> onReconcile(ResourceBackend.Reconcile reconcile) {
    if (reconcile.tasks().isEmpty()) {
      for (SimTask t : List.copyOf(tasks.values())) {
        send(
            t.taskId(),
            Optional.of(t.instance()),
            t.agentId(),
            statuses.get(t.taskId()),
            "Reconciliation");
      }
      return this;
    }
    for (TaskRef ref : reconcile.tasks()) {
      SimTask t = tasks.get(ref.taskId());
      if (t == null) {
        send(
            ref.taskId(),
            Optional.of(ref.instance()),
            ref.agentId().orElse(""),
            ScheduleStatus.LOST,
            "Reconciliation: task unknown to the cluster");
      } else {
        send(
            t.taskId(),
            Optional.of(t.instance()),
            t.agentId(),
            statuses.get(t.taskId()),
            "Reconciliation");
      }
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onRevive(ResourceBackend.ReviveOffers revive) {
    for (AgentResources a : agents.values()) {
      offers.reofferAll(a);
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onAutoStep(AutoStep step) {
    SimTask task = tasks.get(step.taskId());
    if (task == null) {
      return this;
    }
    ScheduleStatus current = statuses.get(task.taskId());
    if (step.status() == ScheduleStatus.KILLED) {
      transition(task, ScheduleStatus.KILLED, "Killed by the scheduler");
    } else if (step.status() == ScheduleStatus.STARTING && current == ScheduleStatus.ASSIGNED) {
      transition(task, ScheduleStatus.STARTING, null);
      step(task.taskId(), task.failsOnStart() ? ScheduleStatus.FAILED : ScheduleStatus.RUNNING);
    } else if (current == ScheduleStatus.STARTING) {
      transition(
          task, step.status(), step.status() == ScheduleStatus.FAILED ? "Simulated failure" : null);
    }
    return this;
  }

  private Behavior<ResourceBackend.Command> onResend(ResendUnacknowledged msg) {
    outbox.resend(settings.resendInterval());
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Control surface

  private Behavior<ResourceBackend.Command> onLoseAgent(LoseAgent lose) {
    AgentResources agent = agents.remove(lose.agentId());
    if (agent == null) {
      lose.replyTo().tell(false);
      return this;
    }
    getContext().getLog().info("Agent {} lost, as {} asked.", agent.id(), lose.user());
    offers.rescindAll(agent);
    for (String taskId : agent.tasks()) {
      SimTask t = tasks.remove(taskId);
      statuses.remove(taskId);
      send(
          taskId,
          Optional.of(t.instance()),
          agent.id(),
          ScheduleStatus.LOST,
          "Agent " + agent.host() + " was lost");
    }
    lose.replyTo().tell(true);
    return this;
  }

  private Behavior<ResourceBackend.Command> onReportStatus(ReportStatus report) {
    SimTask task = tasks.get(report.taskId());
    if (task == null) {
      report.replyTo().tell(false);
      return this;
    }
    // The message is the simulated agent's, as given (scenarios compare it); who made the agent
    // say it goes to the log, beside the audit line of the request.
    getContext()
        .getLog()
        .info(
            "Task {} reported {} by its simulated agent, as {} asked.",
            task.taskId(),
            report.status(),
            report.user());
    transition(task, report.status(), report.message().orElse(null));
    report.replyTo().tell(true);
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private List<AgentResources> addAgents(FleetControl.AgentSpec spec) {
    List<AgentResources> added = new ArrayList<>();
    for (int i = 0; i < spec.count(); i++) {
      String id = "agent-" + nextAgent++;
      AgentResources a =
          new AgentResources(
              id, id, spec.attributes(), spec.cpu(), spec.ramMb(), spec.diskMb(), spec.ports());
      agents.put(a.id(), a);
      added.add(a);
      offers.offer(a);
    }
    return added;
  }

  private void step(String taskId, ScheduleStatus status) {
    AutoStep msg = new AutoStep(taskId, status);
    if (behaviour.startDelayMs() <= 0) {
      getContext().getSelf().tell(msg);
    } else {
      timers.startSingleTimer("step-" + taskId, msg, Duration.ofMillis(behaviour.startDelayMs()));
    }
  }

  /** The task's agent reports a new status; a terminal one frees the task's resources. */
  private void transition(SimTask task, ScheduleStatus status, String message) {
    statuses.put(task.taskId(), status);
    send(task.taskId(), Optional.of(task.instance()), task.agentId(), status, message);
    if (status.isTerminal()) {
      tasks.remove(task.taskId());
      statuses.remove(task.taskId());
      timers.cancel("step-" + task.taskId());
      AgentResources agent = agents.get(task.agentId());
      if (agent != null) {
        agent.release(task.taskId());
        // Offered on its own: an outstanding offer may be in the middle of a launch.
        offers.offer(agent);
      }
    }
  }

  private void send(
      String taskId,
      Optional<InstanceKey> instance,
      String agentId,
      ScheduleStatus status,
      String message) {
    outbox.send(taskId, instance, agentId, status, message);
  }
}
