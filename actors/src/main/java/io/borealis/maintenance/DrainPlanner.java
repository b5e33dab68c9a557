package io.borealis.maintenance;

import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.SlaPolicy;
import io.borealis.task.ScheduledTask;
import io.borealis.update.ObservedTask;
import io.borealis.update.SlaCheck;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One pass of the maintenance poller (aurora-semantics §3.6), as data: which DRAINING hosts are
 * empty now (→ DRAINED), and for every task on a host in maintenance whether it goes DRAINING now,
 * waits for its SLA, or needs its coordinator's word. Pekko-free; the entity performs the result.
 *
 * <p>A task is drained when its host's request is past its timeout (forced) or, on a full pass,
 * when its SLA allows one more instance of its job to go down: the task's own policy, else the
 * request's default, checked by {@link SlaCheck} with the instances this pass already drains
 * counted as down. A task on a DRAINED host is drained at once: it was placed there before
 * placement learnt of the host's mode, or seen late by the read side.
 */
public final class DrainPlanner {

  /** What the pass does with one task. */
  public sealed interface Step {
    ScheduledTask task();

    String host();
  }

  /** Take the task down now (DRAINING); {@code forced}: without asking its SLA. */
  public record Drain(ScheduledTask task, String host, boolean forced) implements Step {}

  /** The task's SLA does not allow it yet: ask again on the next pass. */
  public record Wait(ScheduledTask task, String host) implements Step {}

  /** The task's own policy is a coordinator's: drain it if the coordinator agrees. */
  public record AskCoordinator(ScheduledTask task, String host, SlaPolicy.Coordinator policy)
      implements Step {}

  /** The host is DRAINING without a request (Aurora's missing_maintenance_request): skipped. */
  public record MissingRequest(ScheduledTask task, String host) implements Step {}

  /**
   * A pass's outcome: hosts now DRAINED, a step per task considered, and the time left before each
   * waiting task's drain is forced (ms, by {@code role/env/name/instance}).
   */
  public record Pass(List<String> drained, List<Step> steps, Map<String, Long> countdowns) {}

  /** The SLA check's knobs, shared with SLA-aware updates. */
  public record Settings(int minRequiredInstances, boolean checkNonProduction) {}

  /** Statuses of tasks already on their way down: nothing to drain. */
  private static final Set<ScheduleStatus> GOING_DOWN =
      EnumSet.of(
          ScheduleStatus.KILLING,
          ScheduleStatus.PREEMPTING,
          ScheduleStatus.RESTARTING,
          ScheduleStatus.DRAINING);

  private final Settings settings;

  public DrainPlanner(Settings settings) {
    this.settings = settings;
  }

  /**
   * One pass over the hosts in maintenance.
   *
   * @param active the active tasks on the DRAINING and DRAINED hosts (others are ignored)
   * @param jobTasks a job's latest task per instance, for the SLA check
   * @param withSla a full poll; otherwise only forced drains (the frequent drained check)
   */
  public Pass plan(
      MaintenanceState state,
      List<ScheduledTask> active,
      Function<JobKey, Map<Integer, ObservedTask>> jobTasks,
      Instant now,
      boolean withSla,
      RandomGenerator random) {
    Map<String, List<ScheduledTask>> byHost = new TreeMap<>();
    for (ScheduledTask t : active) {
      if (t.status().isActive() && t.assignment().isPresent()) {
        byHost.computeIfAbsent(t.assignment().get().host(), h -> new ArrayList<>()).add(t);
      }
    }
    List<String> drained = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    Map<String, Long> countdowns = new LinkedHashMap<>();
    // The job views of this pass, with the instances it drains already counted as down.
    Map<JobKey, Map<Integer, ObservedTask>> views = new HashMap<>();
    for (String host : state.hostsIn(MaintenanceMode.DRAINING, MaintenanceMode.DRAINED)) {
      List<ScheduledTask> tasks = byHost.getOrDefault(host, List.of());
      MaintenanceMode mode = state.mode(host);
      if (mode == MaintenanceMode.DRAINING && tasks.isEmpty()) {
        drained.add(host);
        continue;
      }
      List<ScheduledTask> order = new ArrayList<>(tasks);
      // Aurora shuffles, so one stuck task does not always hold the others back.
      Collections.shuffle(order, new Random(random.nextLong()));
      for (ScheduledTask task : order) {
        if (GOING_DOWN.contains(task.status())) {
          continue;
        }
        if (mode == MaintenanceMode.DRAINED) {
          steps.add(new Drain(task, host, true));
          continue;
        }
        if (state.request(host).isEmpty()) {
          steps.add(new MissingRequest(task, host));
          continue;
        }
        DrainRequest request = state.request(host).get();
        long remaining = request.remainingMs(now);
        if (remaining <= 0) {
          steps.add(new Drain(task, host, true));
          continue;
        }
        countdowns.put(countdownName(task), remaining);
        if (!withSla) {
          continue;
        }
        SlaPolicy policy = task.config().slaPolicy().orElse(request.defaultPolicy());
        if (policy instanceof SlaPolicy.Coordinator c) {
          steps.add(new AskCoordinator(task, host, c));
          continue;
        }
        JobKey job = task.instance().job();
        Map<Integer, ObservedTask> view =
            views.computeIfAbsent(job, j -> new HashMap<>(jobTasks.apply(j)));
        int instance = task.instance().instanceId();
        boolean allowed =
            SlaCheck.allows(
                policy,
                instance,
                view,
                now,
                task.config().production(),
                settings.minRequiredInstances(),
                settings.checkNonProduction());
        if (allowed) {
          steps.add(new Drain(task, host, false));
          countdowns.remove(countdownName(task));
          ObservedTask seen = view.getOrDefault(instance, ObservedTask.of(task));
          view.put(instance, seen.moved(ScheduleStatus.DRAINING, now));
        } else {
          steps.add(new Wait(task, host));
        }
      }
    }
    return new Pass(drained, steps, countdowns);
  }

  /** The gauge of a task's countdown: {@code maintenance_countdown_ms_<job/instance>}. */
  public static String countdownName(ScheduledTask task) {
    return "maintenance_countdown_ms_"
        + task.instance().job().role()
        + "/"
        + task.instance().job().environment()
        + "/"
        + task.instance().job().name()
        + "/"
        + task.instance().instanceId();
  }
}
