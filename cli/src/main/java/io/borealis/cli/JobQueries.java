package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code job} commands that change nothing: status, list, inspect, diff. */
final class JobQueries {

  private JobQueries() {}

  @Command(
      name = "status",
      description =
          "The current task of each instance, finished ones included, and the one before it.")
  static final class Status extends JobCommands.JobCommand {
    @Parameters(
        paramLabel = "CLUSTER/ROLE/ENV/NAME[/INSTANCES]",
        description = "The job, and which instances if not all (e.g. .../0-3,7).")
    JobKeyArg key;

    @Option(
        names = "--wide",
        description = "Show whole task ids (the table shortens them to 8 characters).")
    boolean wide;

    Status(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      // Two per instance: when an instance was restarted, its previous task says why.
      String path = jobPath(key) + "/tasks?limit_per_instance=2";
      if (key.instances().isPresent()) {
        path = SchedulerClient.withParam(path, "instances", key.instances().get().toString());
      }
      List<JsonNode> current = new ArrayList<>();
      List<JsonNode> previous = new ArrayList<>();
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      for (JsonNode t : client(key).items(path)) {
        (seen.add(t.path("instance_id").asInt()) ? current : previous).add(t);
      }
      Comparator<JsonNode> byInstance = Comparator.comparingInt(t -> t.path("instance_id").asInt());
      current.sort(byInstance);
      previous.sort(byInstance);
      Map<Integer, String> reasons = pendingReasons(current);
      for (JsonNode t : current) {
        String reason = reasons.get(t.path("instance_id").asInt());
        if (reason != null && t instanceof ObjectNode o) {
          o.put("pending_reason", reason);
        }
      }
      if (common.json()) {
        ObjectNode page = Json.object();
        page.putArray("items").addAll(current);
        page.put("total", current.size());
        page.putArray("previous").addAll(previous);
        Common.printJson(ctx.out, page);
        return 0;
      }
      // Instances asked for that have no task: a typo must not look like an empty job.
      String missing =
          key.instances()
              .map(wanted -> wanted.minus(new java.util.TreeSet<>(seen)))
              .filter(m -> !m.isEmpty())
              .map(m -> "No tasks for " + Messages.instances(m.toString()) + ".")
              .orElse("");
      if (current.isEmpty()) {
        ctx.out.println(missing.isEmpty() ? "No tasks." : missing);
        return 0;
      }
      Table table = new Table("INSTANCE", "STATUS", "HOST", "PORTS", "TASK", "FAILURES", "MESSAGE");
      for (JsonNode t : current) {
        table.row(
            t.path("instance_id").asInt(),
            t.path("status").asText(),
            text(t.path("host")),
            ports(t.path("assigned_ports")),
            taskId(t),
            t.path("failure_count").asInt(),
            // A PENDING task says why it waits rather than how it came to be.
            t.has("pending_reason")
                ? t.path("pending_reason").asText()
                : Messages.humanDurations(text(t.path("reason"))));
      }
      ctx.out.print(table.render());
      if (!previous.isEmpty()) {
        Table ended = new Table("INSTANCE", "STATUS", "ENDED", "TASK", "MESSAGE");
        for (JsonNode t : previous) {
          ended.row(
              t.path("instance_id").asInt(),
              t.path("status").asText(),
              Messages.time(text(t.path("updated_at"))),
              taskId(t),
              Messages.humanDurations(text(t.path("reason"))));
        }
        ctx.out.println();
        ctx.out.println("Previous tasks:");
        ctx.out.print(ended.render());
      }
      if (!missing.isEmpty()) {
        ctx.out.println();
        ctx.out.println(missing);
      }
      return 0;
    }

    /**
     * Why each PENDING instance waits, by instance id, as placement says; nothing when no task is
     * PENDING, or from a scheduler without pending reasons.
     */
    private Map<Integer, String> pendingReasons(List<JsonNode> current) {
      Map<Integer, String> reasons = new java.util.HashMap<>();
      java.util.Set<String> pending = new java.util.HashSet<>();
      for (JsonNode t : current) {
        if (t.path("status").asText().equals("PENDING")) {
          pending.add(t.path("task_id").asText());
        }
      }
      if (pending.isEmpty()) {
        return reasons;
      }
      try {
        for (JsonNode r : client(key).get(jobPath(key) + "/pending-reasons").body().path("items")) {
          if (pending.contains(r.path("task_id").asText())) {
            reasons.put(r.path("instance_id").asInt(), r.path("reason").asText());
          }
        }
      } catch (CliException e) {
        // An older scheduler: the table shows each task's message instead.
      }
      return reasons;
    }

    private String taskId(JsonNode t) {
      String id = t.path("task_id").asText();
      return wide ? id : Messages.shortTaskId(id);
    }

    static String ports(JsonNode ports) {
      List<String> parts = new ArrayList<>();
      for (var e : ports.properties()) {
        parts.add(e.getKey() + "=" + e.getValue().asText());
      }
      return String.join(",", parts);
    }
  }

  @Command(name = "list", description = "The jobs of a cluster, a role or an environment.")
  static final class ListJobs extends JobCommands.JobCommand {
    @Parameters(
        arity = "0..1",
        paramLabel = "CLUSTER[/ROLE[/ENV]]",
        description = "Which jobs (default: every job of cluster 'local').")
    String scope = "local";

    ListJobs(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String[] parts = scope.split("/", -1);
      if (parts.length > 3) {
        throw CliException.usage("'" + scope + "' is not of the form CLUSTER[/ROLE[/ENV]]");
      }
      String[] labels = {"cluster", "role", "environment"};
      for (int i = 0; i < parts.length; i++) {
        try {
          JobKeyArg.checkPart(labels[i], parts[i], scope);
        } catch (IllegalArgumentException e) {
          throw CliException.usage(e.getMessage());
        }
      }
      String path = "/api/v1/jobs";
      if (parts.length > 1) {
        path = SchedulerClient.withParam(path, "role", parts[1]);
      }
      if (parts.length > 2) {
        path = SchedulerClient.withParam(path, "env", parts[2]);
      }
      SchedulerClient client = ctx.client(parts[0], common);
      List<JsonNode> jobs = new ArrayList<>();
      client.items(path).forEach(jobs::add);
      jobs.sort(Comparator.comparing(j -> j.path("job_key").asText()));
      if (common.json()) {
        ObjectNode page = Json.object();
        page.putArray("items").addAll(jobs);
        page.put("total", jobs.size());
        Common.printJson(ctx.out, page);
        return 0;
      }
      if (jobs.isEmpty()) {
        ctx.out.println("No jobs.");
        return 0;
      }
      Table table = new Table("JOB", "INSTANCES", "PENDING", "ACTIVE", "FINISHED", "FAILED");
      for (JsonNode j : jobs) {
        JsonNode stats = j.path("stats");
        table.row(
            parts[0] + "/" + j.path("job_key").asText(),
            j.path("instances").asInt(),
            stats.path("pending").asInt(),
            stats.path("active").asInt(),
            stats.path("finished").asInt(),
            stats.path("failed").asInt());
      }
      ctx.out.print(table.render());
      return 0;
    }
  }

  @Command(
      name = "inspect",
      description = "Validate a job file on the scheduler and show it with every default filled.")
  static final class Inspect extends JobCommands.JobFileCommand {
    Inspect(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      key.requireNoInstances();
      SchedulerClient client = client(key);
      JsonNode populated = client.post("/api/v1/config/validate", JobFiles.load(file, key)).body();
      if (common.json()) {
        Common.printJson(ctx.out, populated);
      } else {
        ctx.out.print(Json.yaml(populated));
      }
      return 0;
    }
  }

  @Command(
      name = "diff",
      description = "What updating the job to this file would change, instance by instance.")
  static final class Diff extends JobCommands.JobFileCommand {
    private static final List<String> KINDS = List.of("add", "remove", "update", "unchanged");

    Diff(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      key.requireNoInstances();
      SchedulerClient client = client(key);
      JsonNode diff = client.post(jobPath(key) + "/diff", JobFiles.load(file, key)).body();
      if (common.json()) {
        Common.printJson(ctx.out, diff);
        return 0;
      }
      Table table = new Table("CHANGE", "INSTANCES");
      for (String kind : KINDS) {
        for (JsonNode group : diff.path(kind)) {
          table.row(kind, group.path("instances").asText());
        }
      }
      if (table.isEmpty()) {
        ctx.out.println("No instances before or after.");
        return 0;
      }
      ctx.out.print(table.render());
      if (!diff.path("update").isEmpty()) {
        printFieldChanges(client, diff.path("update"));
      }
      return 0;
    }

    // The diff route gives the proposed configuration of the instances to update; the job's
    // active groups give what they run now.
    private void printFieldChanges(SchedulerClient client, JsonNode updates) {
      JsonNode current = client.get(jobPath(key)).body().path("active_groups");
      for (JsonNode update : updates) {
        SortedSet<Integer> updated = InstanceSet.parse(update.path("instances").asText()).ids();
        for (JsonNode group : current) {
          SortedSet<Integer> both =
              new TreeSet<>(InstanceSet.parse(group.path("instances").asText()).ids());
          both.retainAll(updated);
          if (both.isEmpty()) {
            continue;
          }
          ctx.out.println();
          ctx.out.println("Instances " + InstanceSet.format(both) + ":");
          for (String line : ConfigDiff.lines(group.path("config"), update.path("config"))) {
            ctx.out.println("  " + line);
          }
        }
      }
    }
  }

  private static String text(JsonNode node) {
    return node.isNull() || node.isMissingNode() ? "" : node.asText();
  }
}
