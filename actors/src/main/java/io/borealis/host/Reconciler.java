package io.borealis.host;

import com.typesafe.config.Config;
import io.borealis.CborSerializable;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.TaskRef;
import io.borealis.common.Metrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Periodic task reconciliation with the backend (aurora-semantics §6). Explicit: every interval,
 * the tasks the scheduler believes are on agents (ASSIGNED, STARTING, RUNNING, KILLING…) are sent
 * to the backend as {@link ResourceBackend.Reconcile} in batches, one batch per batch interval, so
 * a large cluster does not flood it. Implicit: {@code Reconcile([])}, the backend reports every
 * task it knows. What comes back flows through the normal status path; a status for a task nobody
 * owns gets that task killed ({@link BackendHost}). Operators can ask for a run now ({@link
 * Trigger}).
 *
 * <p>Runs beside the backend, one per cluster. The task list comes from the read side through
 * {@link TaskSource}, taken when a run starts: a task placed after that is in the next run.
 */
public final class Reconciler {

  /** Counter (aurora-semantics §8): explicit runs started. */
  public static final String EXPLICIT_RUNS = "reconciliation_explicit_runs";

  /** Counter (aurora-semantics §8): implicit runs. */
  public static final String IMPLICIT_RUNS = "reconciliation_implicit_runs";

  /** The tasks the scheduler believes are on agents (SLAVE_ASSIGNED statuses), with their agent. */
  public interface TaskSource {
    List<TaskRef> onAgents();
  }

  /** Timings of aurora-semantics §6, read from {@code borealis.reconciliation}. */
  public record Settings(
      Duration initialDelay,
      Duration explicitInterval,
      int explicitBatchSize,
      Duration explicitBatchInterval,
      Duration implicitInterval,
      Duration scheduleSpread) {

    public Settings {
      if (explicitBatchSize < 1) {
        throw new IllegalArgumentException("explicit-batch-size must be >= 1");
      }
    }

    public static Settings from(Config config) {
      Config c = config.getConfig("borealis.reconciliation");
      return new Settings(
          c.getDuration("initial-delay"),
          c.getDuration("explicit-interval"),
          c.getInt("explicit-batch-size"),
          c.getDuration("explicit-batch-interval"),
          c.getDuration("implicit-interval"),
          c.getDuration("schedule-spread"));
    }

    /** Aurora's defaults. */
    public static final Settings DEFAULT =
        new Settings(
            Duration.ofMinutes(1),
            Duration.ofMinutes(60),
            1000,
            Duration.ofSeconds(5),
            Duration.ofMinutes(60),
            Duration.ofMinutes(30));
  }

  /** What the reconciler accepts. */
  public sealed interface Command extends CborSerializable {}

  /**
   * Reconcile now (the admin triggers). An explicit run goes in batches of {@code batchSize} (the
   * configured size when empty); an implicit run has no batches. {@code requestedBy} is logged with
   * the run: the operator who asked, or the scheduler itself.
   */
  public record Trigger(Kind kind, Optional<Integer> batchSize, String requestedBy)
      implements Command {
    public Trigger {
      if (batchSize.isPresent() && batchSize.get() < 1) {
        throw new IllegalArgumentException("batch size must be > 0: " + batchSize.get());
      }
    }

    /** A run the scheduler starts on its own (a take-over, a recovery). */
    public Trigger(Kind kind, Optional<Integer> batchSize) {
      this(kind, batchSize, SCHEDULER);
    }
  }

  /** Who asked for the runs the scheduler starts on its own. */
  public static final String SCHEDULER = "the scheduler";

  /** The two forms of reconciliation. */
  public enum Kind {
    /** The scheduler names its tasks; the backend reports on each. */
    EXPLICIT,
    /** The scheduler names none; the backend reports every task it knows. */
    IMPLICIT
  }

  /** Timer: the periodic explicit run. */
  private enum ExplicitTick implements Command {
    INSTANCE
  }

  /** Timer: the periodic implicit run. */
  private enum ImplicitTick implements Command {
    INSTANCE
  }

  /** Timer: send the next batch of the explicit run in progress. */
  private enum NextBatch implements Command {
    INSTANCE
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ActorRef<ResourceBackend.Command> backend;
  private final TaskSource source;
  private final Settings settings;
  private final Metrics.Counter explicitRuns;
  private final Metrics.Counter implicitRuns;

  /** The batches of the explicit run in progress still to send. */
  private final Deque<List<TaskRef>> batches = new ArrayDeque<>();

  private Reconciler(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ActorRef<ResourceBackend.Command> backend,
      TaskSource source,
      Settings settings) {
    this.context = context;
    this.timers = timers;
    this.backend = backend;
    this.source = source;
    this.settings = settings;
    Metrics metrics = Metrics.of(context.getSystem());
    this.explicitRuns = metrics.counter(EXPLICIT_RUNS);
    this.implicitRuns = metrics.counter(IMPLICIT_RUNS);
  }

  public static Behavior<Command> create(
      ActorRef<ResourceBackend.Command> backend, TaskSource source, Settings settings) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerAtFixedRate(
                      "explicit",
                      ExplicitTick.INSTANCE,
                      settings.initialDelay(),
                      settings.explicitInterval());
                  // Spread apart so the two kinds do not hit the backend together.
                  timers.startTimerAtFixedRate(
                      "implicit",
                      ImplicitTick.INSTANCE,
                      settings.initialDelay().plus(settings.scheduleSpread()),
                      settings.implicitInterval());
                  return new Reconciler(context, timers, backend, source, settings).behavior();
                }));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(
            ExplicitTick.INSTANCE, () -> explicit(settings.explicitBatchSize(), "periodic"))
        .onMessageEquals(ImplicitTick.INSTANCE, () -> implicit("periodic"))
        .onMessageEquals(NextBatch.INSTANCE, this::sendBatch)
        .onMessage(
            Trigger.class,
            t ->
                t.kind() == Kind.EXPLICIT
                    ? explicit(
                        t.batchSize().orElse(settings.explicitBatchSize()),
                        "requested by " + t.requestedBy())
                    : implicit("requested by " + t.requestedBy()))
        .build();
  }

  /**
   * Starts an explicit run: the first batch at once, the others one per batch interval. A run still
   * in progress is replaced (the new one covers the same tasks as they are now).
   */
  private Behavior<Command> explicit(int batchSize, String why) {
    List<TaskRef> tasks = source.onAgents();
    batches.clear();
    timers.cancel("batch");
    for (int from = 0; from < tasks.size(); from += batchSize) {
      batches.add(List.copyOf(tasks.subList(from, Math.min(tasks.size(), from + batchSize))));
    }
    explicitRuns.increment();
    context
        .getLog()
        .info(
            "Explicit reconciliation ({}) of {} tasks in {} batches.",
            why,
            tasks.size(),
            batches.size());
    return sendBatch();
  }

  private Behavior<Command> sendBatch() {
    List<TaskRef> batch = batches.poll();
    if (batch != null) {
      backend.tell(new ResourceBackend.Reconcile(batch));
    }
    if (!batches.isEmpty()) {
      timers.startSingleTimer("batch", NextBatch.INSTANCE, settings.explicitBatchInterval());
    }
    return Behaviors.same();
  }

  private Behavior<Command> implicit(String why) {
    implicitRuns.increment();
    context.getLog().info("Implicit reconciliation ({}).", why);
    backend.tell(new ResourceBackend.Reconcile(List.of()));
    return Behaviors.same();
  }
}
