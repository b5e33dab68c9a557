package io.borealis.update;

import static io.borealis.model.ScheduleStatus.KILLING;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.THROTTLED;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobDiff;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.update.UpdateEvent.InstanceUpdateEvent;
import io.borealis.update.UpdateInstruction.AddTask;
import io.borealis.update.UpdateInstruction.AskCoordinator;
import io.borealis.update.UpdateInstruction.KillTask;
import io.borealis.update.UpdateInstruction.StartTimer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A job's tasks, a manual clock and timers around the pure engine, standing in for the update
 * entity and the task instances (aurora-semantics §9.0): the engine's decisions are persisted
 * (folded with {@link UpdateRun#apply}, checked against the decision's state) and performed; task
 * changes are reported back one at a time, in order, as an entity's mailbox would.
 *
 * <p>Tasks follow Aurora's task state machine where the scenarios need it: killing a PENDING task
 * deletes it, a KILLING task that ends is not rescheduled, a service task that ends on its own is
 * rescheduled PENDING. Only kills of tasks that had left PENDING count as driver kills.
 */
final class UpdateSim {

  static final JobKey JOB = new JobKey("role", "env", "job1");

  final UpdateEngine engine;
  Instant now = Instant.EPOCH;
  UpdateRun run;
  final Map<Integer, ObservedTask> active = new TreeMap<>();
  final List<UpdateEvent> events = new ArrayList<>();
  final Map<UpdateTimer, Instant> timers = new LinkedHashMap<>();
  final List<AskCoordinator> coordinatorQuestions = new ArrayList<>();
  final Deque<UpdateInput> mailbox = new ArrayDeque<>();
  Decision last;
  int kills;
  int nextTaskId;

  UpdateSim(UpdateEngine engine) {
    this.engine = engine;
  }

  UpdateSim() {
    this(new UpdateEngine(UpdateEngine.Settings.DEFAULT));
  }

  // ---------------------------------------------------------------------------------------------
  // Setup
  // ---------------------------------------------------------------------------------------------

  /** An instance with a RUNNING task of {@code config} (since now). */
  UpdateSim running(TaskConfig config, int... instances) {
    for (int i : instances) {
      active.put(i, task(config, ScheduleStatus.RUNNING));
    }
    return this;
  }

  /** An instance with a PENDING task of {@code config}. */
  UpdateSim pending(TaskConfig config, int... instances) {
    for (int i : instances) {
      active.put(i, task(config, PENDING));
    }
    return this;
  }

  ObservedTask task(TaskConfig config, ScheduleStatus status) {
    return new ObservedTask("task-" + nextTaskId++, status, config, now, false, Optional.empty());
  }

  static UpdateInstructions instructions(
      Map<TaskConfig, List<Integer>> initial,
      TaskConfig desired,
      List<Integer> desiredInstances,
      UpdateSettings settings) {
    List<JobDiff.Group> groups = new ArrayList<>();
    initial.forEach((c, ids) -> groups.add(new JobDiff.Group(c, ids)));
    return new UpdateInstructions(
        groups,
        desiredInstances.isEmpty()
            ? Optional.empty()
            : Optional.of(new JobDiff.Group(desired, desiredInstances)),
        settings);
  }

  // ---------------------------------------------------------------------------------------------
  // Driving
  // ---------------------------------------------------------------------------------------------

  UpdateSim start(UpdateInstructions instructions) {
    UpdateRequest request =
        new UpdateRequest(
            "update_id", JOB, instructions, "user", Map.of(), Optional.empty(), Optional.empty());
    Decision d = engine.start(request, Collections.unmodifiableMap(active), now);
    run = null;
    perform(d);
    drain();
    return this;
  }

  Decision input(UpdateInput input) {
    mailbox.add(input);
    Decision first = drainFirst();
    drain();
    return first;
  }

  Decision operator(OperatorAction action) {
    return input(new UpdateInput.Operator(action, "user", Optional.of("message")));
  }

  PulseStatus pulse() {
    return input(new UpdateInput.Pulse("user")).pulse().orElseThrow();
  }

  /** Drives the instance's current task through {@code statuses}, reporting each change. */
  UpdateSim drive(int instance, ScheduleStatus... statuses) {
    for (ScheduleStatus to : statuses) {
      ObservedTask t = active.get(instance);
      assertThat(t).as("instance " + instance + " has an active task").isNotNull();
      ObservedTask moved = t.moved(to, now);
      if (to.isTerminal()) {
        active.remove(instance);
        // A service task that ends on its own comes back; one the scheduler was killing does not.
        if (t.status() != KILLING) {
          active.put(instance, task(t.config(), PENDING));
        }
      } else {
        active.put(instance, moved);
      }
      mailbox.add(new UpdateInput.InstanceChanged(instance, Optional.of(moved)));
      if (to.isTerminal() && t.status() != KILLING) {
        mailbox.add(new UpdateInput.InstanceChanged(instance, Optional.of(active.get(instance))));
      }
      drain();
    }
    return this;
  }

  /** The replacement of an instance comes up: ASSIGNED, STARTING, RUNNING. */
  UpdateSim comesUp(int instance) {
    return drive(
        instance, ScheduleStatus.ASSIGNED, ScheduleStatus.STARTING, ScheduleStatus.RUNNING);
  }

  /** Moves the clock, firing due timers in time order. */
  UpdateSim advance(Duration d) {
    Instant until = now.plus(d);
    while (true) {
      Optional<Map.Entry<UpdateTimer, Instant>> due =
          timers.entrySet().stream()
              .filter(e -> !e.getValue().isAfter(until))
              .min(Map.Entry.comparingByValue(Comparator.naturalOrder()));
      if (due.isEmpty()) {
        break;
      }
      timers.remove(due.get().getKey());
      now = due.get().getValue();
      mailbox.add(new UpdateInput.TimerFired(due.get().getKey()));
      drain();
    }
    now = until;
    return this;
  }

  UpdateSim advanceSecs(long secs) {
    return advance(Duration.ofSeconds(secs));
  }

  private Decision drainFirst() {
    UpdateInput input = mailbox.poll();
    Decision d = engine.decide(run, input, Collections.unmodifiableMap(active), now);
    perform(d);
    return d;
  }

  private void drain() {
    while (!mailbox.isEmpty()) {
      drainFirst();
    }
  }

  private void perform(Decision d) {
    last = d;
    UpdateRun folded = run;
    for (UpdateEvent e : d.events()) {
      folded = folded == null ? UpdateRun.started((UpdateEvent.UpdateStarted) e) : folded.apply(e);
    }
    assertThat(folded).as("the events fold to the decision's state").isEqualTo(d.state());
    run = d.state();
    events.addAll(d.events());
    for (UpdateInstruction i : d.instructions()) {
      if (i instanceof KillTask k) {
        ObservedTask t = active.get(k.instance());
        assertThat(k.message()).isEqualTo("Killed for job update update_id");
        if (t == null || !t.taskId().equals(k.taskId()) || !t.killable()) {
          continue;
        }
        if (t.status() == PENDING || t.status() == THROTTLED) {
          active.remove(k.instance());
          mailbox.add(new UpdateInput.InstanceChanged(k.instance(), Optional.empty()));
        } else {
          kills++;
          ObservedTask killing = t.moved(KILLING, now);
          active.put(k.instance(), killing);
          mailbox.add(new UpdateInput.InstanceChanged(k.instance(), Optional.of(killing)));
        }
      } else if (i instanceof AddTask a) {
        if (!active.containsKey(a.instance())) {
          ObservedTask t = task(a.config(), PENDING);
          active.put(a.instance(), t);
          mailbox.add(new UpdateInput.InstanceChanged(a.instance(), Optional.of(t)));
        }
      } else if (i instanceof StartTimer s) {
        timers.put(s.timer(), s.at());
      } else if (i instanceof AskCoordinator c) {
        coordinatorQuestions.add(c);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Observations
  // ---------------------------------------------------------------------------------------------

  UpdateStatus status() {
    return run.status();
  }

  /** Instance events of one instance in the spec's abbreviations (U, D, F, RB, RD, RF). */
  List<String> eventsOf(int instance) {
    return events.stream()
        .filter(e -> e instanceof InstanceUpdateEvent i && i.instance() == instance)
        .map(e -> abbreviation(((InstanceUpdateEvent) e).action()))
        .toList();
  }

  Map<Integer, List<String>> instanceEvents() {
    Map<Integer, List<String>> all = new TreeMap<>();
    for (UpdateEvent e : events) {
      if (e instanceof InstanceUpdateEvent i) {
        all.computeIfAbsent(i.instance(), k -> new ArrayList<>()).add(abbreviation(i.action()));
      }
    }
    return all;
  }

  static String abbreviation(InstanceAction a) {
    switch (a) {
      case INSTANCE_UPDATING:
        return "U";
      case INSTANCE_UPDATED:
        return "D";
      case INSTANCE_UPDATE_FAILED:
        return "F";
      case INSTANCE_ROLLING_BACK:
        return "RB";
      case INSTANCE_ROLLED_BACK:
        return "RD";
      default:
        return "RF";
    }
  }

  /** The latest status event's message. */
  Optional<String> lastStatusMessage() {
    return run.history().isEmpty() ? Optional.empty() : run.message();
  }

  /** Instance to configuration of the active tasks. */
  Map<Integer, TaskConfig> configs() {
    Map<Integer, TaskConfig> m = new HashMap<>();
    active.forEach((i, t) -> m.put(i, t.config()));
    return m;
  }

  Map<Integer, ScheduleStatus> statuses() {
    return active.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().status()));
  }
}
