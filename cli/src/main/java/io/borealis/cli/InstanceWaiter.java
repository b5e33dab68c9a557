package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Follows a job's newest task per instance until every instance is RUNNING (or FINISHED), one
 * fails, or time runs out ({@code job create --wait}). It long-polls the read side, so it asks
 * again as soon as something changed, and at most once per {@link Env#pollInterval()}.
 */
final class InstanceWaiter {

  private static final Set<String> REACHED = Set.of("RUNNING", "FINISHED");
  private static final Set<String> ENDED_OTHERWISE = Set.of("FAILED", "KILLED", "LOST");
  // Statuses in lifecycle order, for a progress line that reads left to right.
  private static final List<String> ORDER =
      List.of("PENDING", "THROTTLED", "ASSIGNED", "STARTING", "RUNNING", "FINISHED");
  private static final Duration LONG_POLL = Duration.ofSeconds(5);

  private final SchedulerClient client;
  private final JobKeyArg key;
  private final Env env;
  private final Optional<PrintStream> progress;
  private String shown = "";

  /** With an empty {@code progress}, waits silently (for {@code -o json}). */
  InstanceWaiter(SchedulerClient client, JobKeyArg key, Env env, Optional<PrintStream> progress) {
    this.client = client;
    this.key = key;
    this.env = env;
    this.progress = progress;
  }

  /** The newest task of each instance once all are up; a refusal naming the one that is not. */
  ArrayNode await(int instances, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    String base = "/api/v1/jobs/" + key.jobPath() + "/tasks?limit_per_instance=1";
    OptionalLong index = OptionalLong.empty();
    while (true) {
      ArrayNode tasks = Json.array();
      try {
        String path = base;
        if (index.isPresent()) {
          long waitMs = Math.max(0, Math.min(LONG_POLL.toMillis(), millisUntil(deadline)));
          path += "&index=" + index.getAsLong() + "&wait=" + waitMs + "ms";
        }
        SchedulerClient.Reply reply = client.get(path);
        reply.body().path("items").forEach(tasks::add);
        index = reply.index();
      } catch (CliException.ProblemException e) {
        // The read side trails the write that created the job by a moment: not found yet (404),
        // or still loading (503), is worth another look.
        int status = e.problem().status();
        if (status != 404 && status != 503) {
          throw e;
        }
        index = OptionalLong.empty();
      }
      Map<Integer, JsonNode> newest = newestPerInstance(tasks, instances);
      for (JsonNode t : newest.values()) {
        String status = t.path("status").asText();
        if (ENDED_OTHERWISE.contains(status)) {
          finishLine();
          String reason = t.path("reason").asText("");
          throw CliException.refused(
              "instance "
                  + t.path("instance_id").asInt()
                  + " is "
                  + status
                  + (reason.isBlank() ? "" : ": " + reason)
                  + " (task "
                  + t.path("task_id").asText()
                  + ")");
        }
      }
      String line = describe(instances, newest);
      show(line);
      if (newest.size() == instances
          && newest.values().stream().allMatch(t -> REACHED.contains(t.path("status").asText()))) {
        finishLine();
        return tasks;
      }
      if (millisUntil(deadline) <= 0) {
        finishLine();
        throw CliException.refused("gave up waiting after " + Cli.human(timeout) + ": " + line);
      }
      sleep(Math.min(env.pollInterval().toMillis(), millisUntil(deadline)));
    }
  }

  private static Map<Integer, JsonNode> newestPerInstance(ArrayNode tasks, int instances) {
    // The route lists each instance's newest task first; instances beyond the job's size (from a
    // later add) do not count here.
    Map<Integer, JsonNode> newest = new TreeMap<>();
    for (JsonNode t : tasks) {
      int id = t.path("instance_id").asInt(-1);
      if (id >= 0 && id < instances) {
        newest.putIfAbsent(id, t);
      }
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
    return (instances == 1 ? "1 instance: " : instances + " instances: ")
        + String.join(", ", parts);
  }

  // On a terminal, one line redrawn in place; elsewhere (logs, pipes), a line per change.
  private void show(String line) {
    if (progress.isEmpty() || line.equals(shown)) {
      return;
    }
    PrintStream out = progress.get();
    if (env.terminal()) {
      int pad = Math.max(0, shown.length() - line.length());
      out.print("\r" + line + " ".repeat(pad));
      out.flush();
    } else {
      out.println(line);
    }
    shown = line;
  }

  private void finishLine() {
    if (progress.isPresent() && env.terminal() && !shown.isEmpty()) {
      progress.get().println();
    }
    shown = "";
  }

  private static long millisUntil(Instant deadline) {
    return Duration.between(Instant.now(), deadline).toMillis();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(Math.max(0, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.refused("interrupted while waiting");
    }
  }
}
