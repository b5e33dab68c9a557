package io.borealis.loadtest;

import io.borealis.loadtest.AckLog.Kind;
import io.borealis.loadtest.AckLog.Op;
import io.borealis.loadtest.AckLog.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares what a node serves after a crash with the {@link AckLog} and with the statuses the node
 * served before: nothing acknowledged is lost, no instance has two active tasks, no status goes
 * backwards. Pure: the caller reads the node, this class only judges.
 */
final class DurabilityCheck {

  /** Aurora's active statuses (a task in one of them occupies its instance). */
  static final Set<String> ACTIVE =
      Set.of(
          "INIT",
          "PENDING",
          "THROTTLED",
          "ASSIGNED",
          "STARTING",
          "RUNNING",
          "PARTITIONED",
          "KILLING",
          "RESTARTING",
          "PREEMPTING",
          "DRAINING");

  static final Set<String> TERMINAL = Set.of("FINISHED", "FAILED", "KILLED", "LOST");

  /** A task as a job's task list shows it. */
  record TaskView(String taskId, int instance, String status) {}

  /** A task as {@code GET /api/v1/tasks/{id}} shows it: its status and its event history. */
  record TaskHistory(String status, List<String> events) {}

  /** The furthest status a read showed for a task, and where the task belongs. */
  record Observed(String job, int instance, String status) {}

  /**
   * What a check found, as sentences. {@code inactive} lists instances that should run but have no
   * active task yet: a service instance gets a new task once its old one ended, so the caller reads
   * again for a while before it counts one as lost.
   */
  record Findings(
      List<String> lost, List<String> duplicates, List<String> regressions, List<String> inactive) {

    boolean clean() {
      return lost.isEmpty() && duplicates.isEmpty() && regressions.isEmpty() && inactive.isEmpty();
    }
  }

  /** What the log says an instance must look like. */
  enum Expect {
    /** Created or added with a 2xx: it has a task, and (services) an active one. */
    PRESENT,
    /** Killed with a 2xx: no task of it is active, except one still being killed. */
    KILLED,
    /** An unknown answer touched it: anything goes. */
    EITHER
  }

  /** In a set of instances: all of them. */
  private static final int ALL = -1;

  private DurabilityCheck() {}

  /**
   * How far along its life a status is. A read that showed a task at one rank must never be
   * followed by a lower one; PARTITIONED may go back to RUNNING, so they share a rank.
   */
  static int rank(String status) {
    switch (status) {
      case "INIT":
      case "PENDING":
      case "THROTTLED":
        return 0;
      case "ASSIGNED":
        return 1;
      case "STARTING":
        return 2;
      case "RUNNING":
      case "PARTITIONED":
        return 3;
      case "KILLING":
      case "RESTARTING":
      case "PREEMPTING":
      case "DRAINING":
        return 4;
      default:
        return 5;
    }
  }

  /** Per job, per instance: what the log in its order says must hold. */
  static Map<String, Map<Integer, Expect>> expectations(List<Op> ops) {
    Map<String, Map<Integer, Expect>> jobs = new TreeMap<>();
    for (Op op : ops) {
      if (op.kind() == Kind.STATUS || op.kind() == Kind.RESTART) {
        // Neither adds nor removes instances; their effects are judged by the status rules.
        continue;
      }
      Map<Integer, Expect> job = jobs.computeIfAbsent(op.job(), j -> new TreeMap<>());
      boolean acked = op.outcome() == Outcome.ACKED;
      boolean unknown = op.outcome() == Outcome.UNKNOWN;
      if (!acked && !unknown) {
        continue;
      }
      switch (op.kind()) {
        case CREATE:
          for (int i : op.instances().orElseThrow()) {
            job.put(i, acked ? Expect.PRESENT : Expect.EITHER);
          }
          break;
        case KILL:
          {
            Set<Integer> targets = op.instances().orElse(job.keySet());
            for (int i : targets) {
              if (acked) {
                job.put(i, Expect.KILLED);
              } else if (job.containsKey(i)) {
                job.put(i, Expect.EITHER);
              }
            }
            break;
          }
        case ADD:
          if (acked) {
            op.changed().forEach(i -> job.put(i, Expect.PRESENT));
          } else {
            // The new instances' ids are not known: they may reuse a killed instance's.
            job.replaceAll((i, e) -> e == Expect.KILLED ? Expect.EITHER : e);
          }
          break;
        default:
          break;
      }
    }
    return jobs;
  }

  /**
   * Judges what the node serves.
   *
   * @param served per job of the log, its task list (an absent job: the node does not know it)
   * @param observed per task, the furthest status any earlier read showed
   * @param histories per observed task, what the node now says about it (absent: not found)
   */
  static Findings check(
      List<Op> ops,
      Map<String, List<TaskView>> served,
      Map<String, Observed> observed,
      Map<String, Optional<TaskHistory>> histories) {
    List<String> lost = new ArrayList<>();
    List<String> duplicates = new ArrayList<>();
    List<String> regressions = new ArrayList<>();
    List<String> inactive = new ArrayList<>();
    expectations(ops)
        .forEach(
            (job, instances) -> {
              Map<Integer, List<TaskView>> byInstance = new HashMap<>();
              for (TaskView t : served.getOrDefault(job, List.of())) {
                byInstance.computeIfAbsent(t.instance(), i -> new ArrayList<>()).add(t);
              }
              byInstance.forEach(
                  (i, tasks) -> {
                    List<String> active =
                        tasks.stream()
                            .filter(t -> ACTIVE.contains(t.status()))
                            .map(t -> t.taskId() + " " + t.status())
                            .toList();
                    if (active.size() > 1) {
                      duplicates.add(
                          job + "/" + i + " has " + active.size() + " active tasks: " + active);
                    }
                  });
              instances.forEach(
                  (i, expect) -> {
                    List<TaskView> tasks = byInstance.getOrDefault(i, List.of());
                    if (expect == Expect.PRESENT) {
                      if (tasks.isEmpty()) {
                        lost.add(job + "/" + i + " was created (acknowledged) but has no task");
                      } else if (tasks.stream().noneMatch(t -> ACTIVE.contains(t.status()))) {
                        inactive.add(job + "/" + i + " has no active task: " + statuses(tasks));
                      }
                    } else if (expect == Expect.KILLED) {
                      tasks.stream()
                          .filter(t -> ACTIVE.contains(t.status()) && !t.status().equals("KILLING"))
                          .forEach(
                              t ->
                                  lost.add(
                                      job
                                          + "/"
                                          + i
                                          + " was killed (acknowledged) but "
                                          + t.taskId()
                                          + " is "
                                          + t.status()));
                    }
                  });
            });
    Map<String, Set<Integer>> killTargets = killTargets(ops);
    observed.forEach(
        (taskId, seen) -> {
          Optional<TaskHistory> now = histories.getOrDefault(taskId, Optional.empty());
          if (now.isEmpty()) {
            // A kill deletes a task that never left PENDING or THROTTLED (Aurora's DELETE).
            boolean deletedByKill =
                rank(seen.status()) == 0
                    && killTargets.getOrDefault(seen.job(), Set.of()).stream()
                        .anyMatch(i -> i == ALL || i == seen.instance());
            if (!deletedByKill) {
              lost.add("task " + taskId + " (seen " + seen.status() + ") is no longer known");
            }
            return;
          }
          TaskHistory h = now.get();
          if (!h.events().contains(seen.status())) {
            lost.add(
                "task "
                    + taskId
                    + " was seen "
                    + seen.status()
                    + " but its history is "
                    + h.events());
          }
          if (rank(h.status()) < rank(seen.status())
              || (TERMINAL.contains(seen.status()) && !h.status().equals(seen.status()))) {
            regressions.add(
                "task " + taskId + " was seen " + seen.status() + " and is now " + h.status());
          }
        });
    return new Findings(lost, duplicates, regressions, inactive);
  }

  /**
   * Per job, the instances named by a kill that was acknowledged or may have happened; {@link #ALL}
   * stands for every instance (a whole-job kill).
   */
  private static Map<String, Set<Integer>> killTargets(List<Op> ops) {
    Map<String, Set<Integer>> out = new HashMap<>();
    for (Op op : ops) {
      if (op.kind() == Kind.KILL && op.outcome() != Outcome.REFUSED) {
        out.computeIfAbsent(op.job(), j -> new TreeSet<>())
            .addAll(op.instances().orElse(Set.of(ALL)));
      }
    }
    return out;
  }

  private static Map<String, String> statuses(List<TaskView> tasks) {
    Map<String, String> out = new LinkedHashMap<>();
    tasks.forEach(t -> out.put(t.taskId(), t.status()));
    return out;
  }
}
