package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Follows the tasks a create made until every instance is where {@code --wait} waits for, one of
 * them fails, or time runs out ({@code job create --wait}).
 *
 * <p>What it waits for: a service's instances RUNNING (on the local backend a task with a health
 * check is RUNNING only once the check passed), a batch job's instances FINISHED, or with {@code
 * --wait-until RUNNING} RUNNING or FINISHED (a batch job may run for hours, and the simulated
 * backend's tasks never end on their own). What ends the wait early, with exit 1 and the task's
 * reason: the first task of the create that ended otherwise (FAILED, LOST, KILLED, or a service's
 * task that FINISHED), even when the scheduler will start another, since a task that fails once
 * under {@code --wait} is what the user needs to see.
 *
 * <p>Only tasks the create made are judged: the caller lists the job's task ids before it creates,
 * and tasks of an earlier job of the same key (killed, say) are left out. It long-polls the read
 * side, so it asks again as soon as something changed, and at most once per {@link
 * Env#pollInterval()}.
 */
final class InstanceWaiter {

  private static final Set<String> ENDED = Set.of("FINISHED", "FAILED", "KILLED", "LOST");
  // Statuses in lifecycle order, for a progress line that reads left to right.
  private static final List<String> ORDER =
      List.of("PENDING", "THROTTLED", "ASSIGNED", "STARTING", "RUNNING", "FINISHED");
  private static final Duration LONG_POLL = Duration.ofSeconds(5);

  private final SchedulerClient client;
  private final JobKeyArg key;
  private final Env env;
  private final ProgressLine progressLine;

  /** With an empty {@code progress}, waits silently (for {@code -o json}). */
  InstanceWaiter(SchedulerClient client, JobKeyArg key, Env env, Optional<PrintStream> progress) {
    this.client = client;
    this.key = key;
    this.env = env;
    this.progressLine = new ProgressLine(progress, env.terminal());
  }

  /** The ids of every task the job has now (none when there is no such job). */
  static Set<String> taskIds(SchedulerClient client, JobKeyArg key) {
    Set<String> ids = new java.util.HashSet<>();
    try {
      client.items(tasksPath(key)).forEach(t -> ids.add(t.path("task_id").asText()));
    } catch (CliException.ProblemException e) {
      if (e.problem().status() != 404) {
        throw e;
      }
    }
    return ids;
  }

  private static String tasksPath(JobKeyArg key) {
    return "/api/v1/jobs/" + key.jobPath() + "/tasks";
  }

  /**
   * The newest task of each instance once all are there; a refusal naming the first that failed, or
   * what was left when time ran out.
   *
   * @param service whether the job is a service (wait for RUNNING) or batch (wait for FINISHED)
   * @param untilRunning a batch job's tasks are waited for until RUNNING (or FINISHED already)
   * @param before the job's task ids before the create, which are not judged
   */
  ArrayNode await(
      int instances, boolean service, boolean untilRunning, Set<String> before, Duration timeout) {
    Set<String> goal =
        service
            ? Set.of("RUNNING")
            : untilRunning ? Set.of("RUNNING", "FINISHED") : Set.of("FINISHED");
    Instant deadline = env.clock().instant().plus(timeout);
    OptionalLong index = OptionalLong.empty();
    while (true) {
      List<JsonNode> tasks = new ArrayList<>();
      try {
        index = read(index, deadline, before, instances, tasks);
      } catch (CliException.ProblemException e) {
        // The read side may trail the create by a moment: not found yet is worth another look.
        if (e.problem().status() != 404) {
          throw e;
        }
        index = OptionalLong.empty();
      }
      Optional<JsonNode> failed =
          tasks.stream()
              .filter(t -> ENDED.contains(t.path("status").asText()))
              .filter(t -> !goal.contains(t.path("status").asText()))
              // The first failure, by the time it ended.
              .min(Comparator.comparing(t -> t.path("updated_at").asText("")));
      if (failed.isPresent()) {
        JsonNode t = failed.get();
        String status = t.path("status").asText();
        String reason = t.path("reason").asText("");
        progressLine.finish();
        throw CliException.refused(
            "instance "
                + t.path("instance_id").asInt()
                + " is "
                + status
                + (reason.isBlank() ? "" : ": " + Messages.humanDurations(reason))
                + " (task "
                + t.path("task_id").asText()
                + ")");
      }
      Map<Integer, JsonNode> newest = newestPerInstance(tasks);
      String line = describe(instances, newest);
      progressLine.show(line);
      if (newest.size() == instances
          && newest.values().stream().allMatch(t -> goal.contains(t.path("status").asText()))) {
        progressLine.finish();
        ArrayNode done = Json.array();
        newest.values().forEach(done::add);
        return done;
      }
      if (env.millisUntil(deadline) <= 0) {
        progressLine.finish();
        throw CliException.refused(
            "gave up waiting after "
                + Cli.human(timeout)
                + " for every instance to be "
                + (service ? "RUNNING" : untilRunning ? "RUNNING or FINISHED" : "FINISHED")
                + ": "
                + line
                + "; "
                + JobCommands.Create.goesOn(key));
      }
      env.pause(Math.min(env.pollInterval().toMillis(), env.millisUntil(deadline)));
    }
  }

  /**
   * Reads every task of the job, page by page, into {@code tasks} (only the create's tasks of
   * instances below {@code instances}, newest first per instance as the route lists them); the
   * first page long-polls past {@code index}. Returns the index of the answer.
   */
  private OptionalLong read(
      OptionalLong index,
      Instant deadline,
      Set<String> before,
      int instances,
      List<JsonNode> tasks) {
    OptionalLong answered = OptionalLong.empty();
    int offset = 0;
    while (true) {
      String path = SchedulerClient.withParam(tasksPath(key), "offset", Integer.toString(offset));
      if (offset == 0 && index.isPresent()) {
        long waitMs = Math.max(0, Math.min(LONG_POLL.toMillis(), env.millisUntil(deadline)));
        path =
            SchedulerClient.withParam(
                SchedulerClient.withParam(path, "index", Long.toString(index.getAsLong())),
                "wait",
                waitMs + "ms");
      }
      SchedulerClient.Reply reply = client.get(path);
      if (offset == 0) {
        answered = reply.index();
      }
      JsonNode page = reply.body();
      JsonNode items = page.path("items");
      for (JsonNode t : items) {
        int id = t.path("instance_id").asInt(-1);
        // Instances beyond the job's size (from a later add) do not count here.
        if (id >= 0 && id < instances && !before.contains(t.path("task_id").asText())) {
          tasks.add(t);
        }
      }
      offset += items.size();
      if (items.isEmpty() || offset >= page.path("total").asInt()) {
        return answered;
      }
    }
  }

  private static Map<Integer, JsonNode> newestPerInstance(List<JsonNode> tasks) {
    // The route lists each instance's newest task first.
    Map<Integer, JsonNode> newest = new TreeMap<>();
    for (JsonNode t : tasks) {
      newest.putIfAbsent(t.path("instance_id").asInt(), t);
    }
    return newest;
  }

  static String describe(int instances, Map<Integer, JsonNode> newest) {
    Map<String, Integer> counts = new TreeMap<>();
    newest.values().forEach(t -> counts.merge(t.path("status").asText(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    for (String status : ORDER) {
      Integer n = counts.remove(status);
      if (n != null) {
        parts.add(n + " " + status);
      }
    }
    counts.forEach((status, n) -> parts.add(n + " " + status));
    int unseen = instances - newest.size();
    if (unseen > 0) {
      parts.add(unseen + " not visible yet");
    }
    return Messages.count(instances, "instance") + ": " + String.join(", ", parts);
  }
}
