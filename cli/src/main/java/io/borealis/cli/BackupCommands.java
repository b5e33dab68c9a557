package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code borealis admin backup ...} and {@code borealis admin recovery ...}: backups and the staged
 * restore (Aurora's {@code aurora_admin scheduler_backup_now}, {@code scheduler_list_backups} and
 * {@code scheduler_stage_recovery} ... {@code scheduler_commit_recovery}).
 */
final class BackupCommands {

  private BackupCommands() {}

  /** What every leaf command shares: the cluster option and the output. */
  abstract static class Leaf implements Callable<Integer> {
    final Context ctx;
    @Mixin Common common;

    @Option(
        names = "--cluster",
        paramLabel = "NAME",
        description = "The cluster (from clusters.json; default: local).")
    String cluster = "local";

    Leaf(Context ctx) {
      this.ctx = ctx;
    }

    SchedulerClient client() {
      return ctx.client(cluster, common);
    }

    /** The reply as JSON when asked for, else {@code text}. */
    int print(JsonNode reply, String text) {
      if (common.json()) {
        Common.printJson(ctx.out, reply);
      } else {
        ctx.out.println(text);
      }
      return 0;
    }
  }

  /** A leaf that also takes the cluster as its only argument, as Aurora's admin client did. */
  abstract static class ClusterLeaf extends Leaf {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER", description = "The cluster.")
    String positional;

    ClusterLeaf(Context ctx) {
      super(ctx);
    }

    @Override
    SchedulerClient client() {
      return ctx.client(positional != null ? positional : cluster, common);
    }
  }

  @Command(
      name = "backup",
      description = "Backups of the scheduler's state: take one now, list them.",
      subcommands = {Now.class, ListBackups.class})
  static final class Backup extends GroupCommand {}

  @Command(name = "now", description = "Take a backup now.")
  static final class Now extends ClusterLeaf {
    Now(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      JsonNode b = client().post("/api/v1/admin/backups", Json.object()).body();
      return print(
          b,
          "Backup "
              + b.path("id").asText()
              + " taken: "
              + b.path("jobs").asInt()
              + " jobs, "
              + b.path("tasks").asInt()
              + " tasks.");
    }
  }

  @Command(name = "list", description = "The backups kept, newest first.")
  static final class ListBackups extends ClusterLeaf {
    ListBackups(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      JsonNode reply = client().get("/api/v1/admin/backups").body();
      if (common.json()) {
        Common.printJson(ctx.out, reply);
        return 0;
      }
      Table table = new Table("ID", "CREATED", "JOBS", "TASKS");
      reply
          .path("items")
          .forEach(
              b ->
                  table.row(
                      b.path("id").asText(),
                      b.path("created_at").asText(),
                      b.path("jobs").asInt(),
                      b.path("tasks").asInt()));
      if (table.isEmpty()) {
        ctx.out.println("No backup.");
      } else {
        ctx.out.print(table.render());
      }
      return 0;
    }
  }

  @Command(
      name = "recovery",
      description = {
        "Restore a backup in stages: stage it, query and edit the staged copy, commit or unload.",
        "After a commit the scheduler serves exactly the staged state."
      },
      subcommands = {Stage.class, Query.class, Delete.class, Commit.class, Unload.class})
  static final class Recovery extends GroupCommand {}

  static final String RECOVERY = "/api/v1/admin/recovery";

  @Command(name = "stage", description = "Load a backup into the staged copy.")
  static final class Stage extends Leaf {
    @Parameters(
        arity = "1..2",
        paramLabel = "[CLUSTER] BACKUP_ID",
        description = "The cluster (optional, as Aurora's admin client took it) and the backup.")
    List<String> args;

    Stage(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      if (args.size() == 2) {
        cluster = args.get(0);
      }
      String id = args.get(args.size() - 1);
      JsonNode r = client().post(RECOVERY + "/stage", Json.object().put("backup_id", id)).body();
      return print(
          r,
          "Backup "
              + r.path("backup_id").asText()
              + " staged: "
              + r.path("jobs").asInt()
              + " jobs, "
              + r.path("tasks").asInt()
              + " tasks.");
    }
  }

  @Command(name = "query", description = "The staged copy's jobs and tasks.")
  static final class Query extends ClusterLeaf {
    @Option(names = "--job", paramLabel = "ROLE/ENV/NAME", description = "Only this job.")
    String job;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        split = ",",
        description = "Only tasks in these statuses.")
    List<String> statuses = List.of();

    @Option(
        names = "--task",
        paramLabel = "TASK_ID",
        split = ",",
        description = "Only these tasks.")
    List<String> tasks = List.of();

    Query(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String path = RECOVERY;
      if (job != null) {
        path = SchedulerClient.withParam(path, "job", job);
      }
      if (!statuses.isEmpty()) {
        path = SchedulerClient.withParam(path, "status", String.join(",", statuses));
      }
      if (!tasks.isEmpty()) {
        path = SchedulerClient.withParam(path, "task_id", String.join(",", tasks));
      }
      JsonNode reply = client().get(path).body();
      if (common.json()) {
        Common.printJson(ctx.out, reply);
        return 0;
      }
      ctx.out.println(
          "Backup "
              + reply.path("backup_id").asText()
              + ": "
              + reply.path("jobs").size()
              + " jobs, "
              + reply.path("tasks").size()
              + " matching tasks.");
      Table table = new Table("TASK", "JOB", "INSTANCE", "STATUS");
      reply
          .path("tasks")
          .forEach(
              t ->
                  table.row(
                      t.path("task_id").asText(),
                      t.path("job_key").asText(),
                      t.path("instance_id").asInt(),
                      t.path("status").asText()));
      if (!table.isEmpty()) {
        ctx.out.print(table.render());
      }
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete tasks from the staged copy.")
  static final class Delete extends Leaf {
    @Parameters(arity = "0..*", paramLabel = "TASK_ID", description = "The tasks.")
    List<String> taskIds = List.of();

    @Option(
        names = "--job",
        paramLabel = "ROLE/ENV/NAME",
        description = "Only tasks of this job (without task ids: all of them).")
    String job;

    Delete(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      if (taskIds.isEmpty() && job == null) {
        throw CliException.usage("name the tasks to delete, or --job");
      }
      ObjectNode body = Json.object();
      if (!taskIds.isEmpty()) {
        ArrayNode ids = body.putArray("task_ids");
        taskIds.forEach(ids::add);
      }
      if (job != null) {
        body.put("job", job);
      }
      JsonNode r = client().post(RECOVERY + "/delete", body).body();
      return print(r, "Deleted " + r.path("deleted").size() + " tasks from the staged copy.");
    }
  }

  @Command(
      name = "commit",
      description = "Make the scheduler serve the staged copy; the backend is reconciled.")
  static final class Commit extends ClusterLeaf {
    Commit(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      JsonNode r = client().post(RECOVERY + "/commit", Json.object()).body();
      return print(
          r,
          "Backup "
              + r.path("backup_id").asText()
              + " committed: the scheduler serves its "
              + r.path("jobs").asInt()
              + " jobs and "
              + r.path("tasks").asInt()
              + " tasks.");
    }
  }

  @Command(name = "unload", description = "Drop the staged copy; nothing changes.")
  static final class Unload extends ClusterLeaf {
    Unload(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      JsonNode r = client().post(RECOVERY + "/unload", Json.object()).body();
      return print(r, "Backup " + r.path("backup_id").asText() + " unloaded.");
    }
  }
}
