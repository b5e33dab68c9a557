package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code borealis update ...}: Aurora's job update commands (aurora-semantics §4, §12). An update
 * is named by its job and its id ({@code CLUSTER/ROLE/ENV/NAME ID}); ids are unique per job, so
 * {@code CLUSTER ID} names one only while no other job uses the same id.
 *
 * <p>{@code start --wait} and {@code wait} exit 0 only when the update ROLLED_FORWARD, and 10, 11,
 * 12, 13 when it ended ROLLED_BACK, ABORTED, FAILED or in ERROR ({@link UpdateWaiter}): never the
 * client's own 1 (refused), 2 (usage) or 3 (unreachable).
 */
@Command(
    name = "update",
    description = "Start, follow, pause, resume, abort and roll back job updates.",
    subcommands = {
      UpdateCommands.Start.class,
      UpdateCommands.Info.class,
      UpdateCommands.ListUpdates.class,
      UpdateCommands.Pause.class,
      UpdateCommands.Resume.class,
      UpdateCommands.Abort.class,
      UpdateCommands.Rollback.class,
      UpdateCommands.Pulse.class,
      UpdateCommands.Wait.class
    })
final class UpdateCommands extends GroupCommand {

  static final String UPDATES = "/api/v1/updates";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /** An update id as users type it: checked here, so that a typo is a usage error. */
  static String checkId(String id) {
    if (!ID.matcher(id).matches()) {
      throw CliException.usage(
          "'" + id + "' is not an update id (1-128 letters, digits, '.', '_' and '-')");
    }
    return id;
  }

  /**
   * The update a command names: {@code CLUSTER/ROLE/ENV/NAME ID}, or {@code CLUSTER ID} (the
   * scheduler finds the job, or says that several jobs use the id).
   */
  record Target(String cluster, Optional<JobKeyArg> job, String id) {

    static Target parse(String where, String id) {
      checkId(id);
      if (!where.contains("/")) {
        try {
          JobKeyArg.checkPart("cluster", where, where);
        } catch (IllegalArgumentException e) {
          throw CliException.usage(e.getMessage());
        }
        return new Target(where, Optional.empty(), id);
      }
      JobKeyArg key;
      try {
        key = JobKeyArg.parse(where);
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      key.requireNoInstances();
      return new Target(key.cluster(), Optional.of(key), id);
    }

    /** The command that follows this update again. */
    String waitCommand() {
      return "borealis update wait "
          + cluster
          + job.map(k -> "/" + k.jobPath()).orElse("")
          + " "
          + id;
    }

    /** The update's resource. */
    String path() {
      return UPDATES
          + "/"
          + job.map(k -> k.jobPath() + "/").orElse("")
          + SchedulerClient.segment(id);
    }
  }

  /** What the update commands share: the run's context and the common options. */
  abstract static class UpdateCommand implements Callable<Integer> {
    final Context ctx;
    @Mixin Common common;

    UpdateCommand(Context ctx) {
      this.ctx = ctx;
    }

    /**
     * Follows the update to its end; its exit code. Interrupted (Ctrl-C), it says that the update
     * goes on and how to follow it again.
     */
    int follow(SchedulerClient client, Target target, Optional<Duration> timeout) {
      Runnable onInterrupt =
          () -> {
            if (ctx.env.terminal() && !common.json()) {
              ctx.out.println();
              ctx.out.flush();
            }
            ctx.err.println(stoppedFollowing(target));
            ctx.err.flush();
          };
      Runnable unregister = interrupts.register(onInterrupt);
      JsonNode update;
      try {
        update =
            new UpdateWaiter(
                    client,
                    target.path(),
                    ctx.env,
                    common.json() ? Optional.empty() : Optional.of(ctx.out))
                .await(timeout);
      } finally {
        unregister.run();
      }
      int code = UpdateWaiter.exitCode(update);
      if (common.json()) {
        Common.printJson(ctx.out, update);
      } else {
        String message = update.path("message").isTextual() ? update.path("message").asText() : "";
        String line =
            "Update "
                + update.path("update_id").asText()
                + " of "
                + update.path("job_key").asText()
                + " ended "
                + update.path("status").asText()
                + (message.isBlank() ? "" : ": " + Messages.humanDurations(message));
        (code == 0 ? ctx.out : ctx.err).println(line);
        if (code != 0) {
          failureReason(update)
              .filter(r -> !message.contains(r))
              .ifPresent(r -> ctx.err.println("Reason: " + Messages.humanDurations(r)));
        }
      }
      return code;
    }
  }

  /** What an interrupted wait says: the update is not stopped, and how to follow it again. */
  static String stoppedFollowing(Target target) {
    return "borealis: stopped following update "
        + target.id()
        + "; the update goes on. Follow it again with: "
        + target.waitCommand();
  }

  /**
   * The reason of the newest failed instance event (the scheduler's words for why the task ended),
   * which the update's own message names only by its instance.
   */
  static Optional<String> failureReason(JsonNode update) {
    JsonNode events = update.path("instance_events");
    for (int i = events.size() - 1; i >= 0; i--) {
      JsonNode e = events.get(i);
      String action = e.path("action").asText();
      if ((action.equals("INSTANCE_UPDATE_FAILED") || action.equals("INSTANCE_ROLLBACK_FAILED"))
          && e.path("message").isTextual()
          && !e.path("message").asText().isBlank()) {
        return Optional.of(e.path("message").asText());
      }
    }
    return Optional.empty();
  }

  /**
   * Where a wait registers what to say when the client is interrupted (Ctrl-C); the JVM's shutdown
   * hooks, or a test's recorder. {@code register} returns what unregisters it.
   */
  @FunctionalInterface
  interface Interrupts {
    Runnable register(Runnable onInterrupt);

    Interrupts RUNTIME =
        onInterrupt -> {
          Thread hook = new Thread(onInterrupt, "borealis-interrupted");
          Runtime.getRuntime().addShutdownHook(hook);
          return () -> {
            try {
              Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
              // The hook runs, or ran: nothing to undo.
            }
          };
        };
  }

  /** Replaced by tests, which cannot send the test JVM a SIGINT. */
  static Interrupts interrupts = Interrupts.RUNTIME;

  /** A command on one update: {@code CLUSTER[/ROLE/ENV/NAME] ID}. */
  abstract static class OnUpdate extends UpdateCommand {
    @Parameters(
        index = "0",
        paramLabel = "CLUSTER[/ROLE/ENV/NAME]",
        description = "The update's job (or only the cluster, when no other job uses the id).")
    String where;

    @Parameters(index = "1", paramLabel = "ID", description = "The update's id.")
    String id;

    OnUpdate(Context ctx) {
      super(ctx);
    }

    Target target() {
      return Target.parse(where, id);
    }

    SchedulerClient client(Target target) {
      return ctx.client(target.cluster(), common);
    }
  }

  @Command(
      name = "start",
      description = "Start a rolling update of a job (or of some instances) to a job file.",
      exitCodeListHeading = "%nExit codes with --wait:%n",
      exitCodeList = {
        "0:the update ROLLED_FORWARD",
        "1:the scheduler refused, or the wait timed out",
        "2:a usage error",
        "3:the scheduler could not be reached",
        "10:the update ROLLED_BACK",
        "11:the update was ABORTED",
        "12:the update FAILED",
        "13:the update ended in ERROR"
      })
  static final class Start extends UpdateCommand {
    @Parameters(
        index = "0",
        paramLabel = "CLUSTER/ROLE/ENV/NAME[/INSTANCES]",
        description = "The job, and which instances if not all (e.g. .../0-3 for a canary).")
    JobKeyArg key;

    @Parameters(
        index = "1",
        paramLabel = "FILE",
        description = "The job file to update to: YAML, or JSON when it ends in .json.")
    Path file;

    @Option(
        names = "--id",
        paramLabel = "ID",
        description =
            "The update's id (default: one is made). The same id and file again answer the same"
                + " update; the id names one rollout across clusters.")
    String id;

    @Option(
        names = "--metadata",
        paramLabel = "KEY=VALUE",
        description = "Metadata stored with the update (repeatable); list by it with the API.")
    List<String> metadata = new ArrayList<>();

    @Option(
        names = "--message",
        paramLabel = "TEXT",
        description = "Why; recorded with the update's first event.")
    String message;

    @Option(
        names = "--wait",
        description = "Follow the update's progress until it ends; the exit code says how.")
    boolean wait;

    @Option(
        names = "--wait-timeout",
        paramLabel = "DURATION",
        description = "How long --wait waits (default: until the update ends).")
    Duration waitTimeout;

    Start(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      ObjectNode body = Json.object();
      body.set("job", JobFiles.load(file, key));
      key.instances().ifPresent(i -> body.put("instances", i.toString()));
      if (id != null) {
        body.put("id", checkId(id));
      }
      Map<String, String> meta = metadata(metadata);
      if (!meta.isEmpty()) {
        ObjectNode m = body.putObject("metadata");
        meta.forEach(m::put);
      }
      if (message != null) {
        body.put("message", message);
      }
      SchedulerClient client = ctx.client(key.cluster(), common);
      SchedulerClient.Reply reply = client.post("/api/v1/jobs/" + key.jobPath() + "/updates", body);
      JsonNode started = reply.body();
      if (reply.status() != 201) {
        // Nothing differs: no update was made.
        if (common.json()) {
          Common.printJson(ctx.out, started);
        } else {
          ctx.out.println(started.path("message").asText("Job is unchanged by proposed update."));
        }
        return 0;
      }
      String updateId = started.path("update_id").asText();
      Target target =
          new Target(
              key.cluster(),
              Optional.of(
                  new JobKeyArg(
                      key.cluster(), key.role(), key.environment(), key.name(), Optional.empty())),
              updateId);
      if (!common.json()) {
        ctx.out.println(
            "Update "
                + updateId
                + " of "
                + key.jobPath()
                + " started ("
                + started.path("status").asText()
                + ")");
        ctx.out.println("Update url: " + client.apiBase() + target.path());
      }
      if (wait) {
        return follow(client, target, Optional.ofNullable(waitTimeout));
      }
      if (common.json()) {
        Common.printJson(ctx.out, started);
      }
      return 0;
    }
  }

  /** {@code KEY=VALUE} pairs, in order; a pair without {@code =} is a usage error. */
  static Map<String, String> metadata(List<String> pairs) {
    Map<String, String> result = new TreeMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw CliException.usage("--metadata takes KEY=VALUE, not '" + pair + "'");
      }
      result.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return result;
  }

  @Command(name = "info", description = "An update's status, progress and events.")
  static final class Info extends OnUpdate {
    Info(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      Target target = target();
      JsonNode u = client(target).get(target.path()).body();
      if (common.json()) {
        Common.printJson(ctx.out, u);
        return 0;
      }
      ctx.out.print(render(u));
      return 0;
    }

    /** An update for people: its fields, then its update events and instance events. */
    static String render(JsonNode u) {
      StringBuilder out = new StringBuilder();
      Table fields = new Table("FIELD", "VALUE");
      fields.row("update", u.path("job_key").asText() + "/" + u.path("update_id").asText());
      fields.row("status", u.path("status").asText());
      fields.row("progress", UpdateWaiter.describe(u).replaceFirst("^[A-Z_]+: ", ""));
      fields.row("user", u.path("user").asText());
      fields.row("created", Messages.time(u.path("created_at").asText()));
      fields.row("last modified", Messages.time(u.path("last_modified").asText()));
      if (u.path("message").isTextual()) {
        fields.row("message", Messages.humanDurations(u.path("message").asText()));
      }
      if (u.path("rollback_of").isTextual()) {
        fields.row("rolls back", u.path("rollback_of").asText());
      }
      u.path("metadata")
          .properties()
          .forEach(e -> fields.row("metadata." + e.getKey(), e.getValue().asText()));
      out.append(fields.render());
      Table events = new Table("TIME", "STATUS", "USER", "MESSAGE");
      for (JsonNode e : u.path("update_events")) {
        events.row(
            Messages.time(e.path("timestamp").asText()),
            e.path("status").asText(),
            text(e.path("user")),
            Messages.humanDurations(text(e.path("message"))));
      }
      out.append("\nUpdate events:\n").append(events.render());
      Table instances = new Table("TIME", "INSTANCE", "ACTION", "MESSAGE");
      for (JsonNode e : u.path("instance_events")) {
        instances.row(
            Messages.time(e.path("timestamp").asText()),
            e.path("instance_id").asInt(),
            e.path("action").asText(),
            Messages.humanDurations(text(e.path("message"))));
      }
      out.append("\nInstance events:\n");
      out.append(instances.isEmpty() ? "None.\n" : instances.render());
      return out.toString();
    }
  }

  @Command(name = "list", description = "Updates of a cluster, a role or a job, newest first.")
  static final class ListUpdates extends UpdateCommand {
    @Parameters(
        paramLabel = "CLUSTER[/ROLE[/ENV/NAME]]",
        description = "Where to look: a cluster, a role in it, or one job.")
    String where;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        split = ",",
        description = "Only updates in these statuses (repeatable or comma-separated).")
    List<String> statuses = new ArrayList<>();

    @Option(
        names = "--user",
        paramLabel = "USER",
        description = "Only updates started by this user.")
    String user;

    ListUpdates(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String[] parts = where.split("/", -1);
      if (parts.length != 1 && parts.length != 2 && parts.length != 4) {
        throw CliException.usage(
            "'" + where + "' is not CLUSTER, CLUSTER/ROLE or CLUSTER/ROLE/ENV/NAME");
      }
      String[] labels = {"cluster", "role", "environment", "name"};
      for (int i = 0; i < parts.length; i++) {
        try {
          JobKeyArg.checkPart(labels[i], parts[i], where);
        } catch (IllegalArgumentException e) {
          throw CliException.usage(e.getMessage());
        }
      }
      String path = UPDATES;
      if (parts.length == 2) {
        path = SchedulerClient.withParam(path, "role", parts[1]);
      } else if (parts.length == 4) {
        path = SchedulerClient.withParam(path, "job", parts[1] + "/" + parts[2] + "/" + parts[3]);
      }
      if (!statuses.isEmpty()) {
        path =
            SchedulerClient.withParam(
                path,
                "status",
                String.join(
                    ",", statuses.stream().map(s -> s.strip().toUpperCase(Locale.ROOT)).toList()));
      }
      if (user != null) {
        path = SchedulerClient.withParam(path, "user", user);
      }
      var items = ctx.client(parts[0], common).items(path);
      if (common.json()) {
        ObjectNode page = Json.object();
        page.putArray("items").addAll(items);
        page.put("total", items.size());
        Common.printJson(ctx.out, page);
        return 0;
      }
      if (items.isEmpty()) {
        ctx.out.println("No updates.");
        return 0;
      }
      Table table = new Table("JOB", "ID", "STATUS", "PROGRESS", "USER", "MODIFIED");
      for (JsonNode u : items) {
        JsonNode p = u.path("progress");
        table.row(
            u.path("job_key").asText(),
            u.path("update_id").asText(),
            u.path("status").asText(),
            (UpdateWaiter.isBackward(u.path("status").asText())
                    ? p.path("done").asInt() + " rolled back"
                    : p.path("done").asInt() + "/" + p.path("instances").asInt())
                + (p.path("failed").asInt() > 0
                    ? " (" + p.path("failed").asInt() + " failed)"
                    : ""),
            u.path("user").asText(),
            Messages.time(u.path("last_modified").asText()));
      }
      ctx.out.print(table.render());
      return 0;
    }
  }

  /** Pause, resume, abort or roll back. */
  abstract static class Action extends OnUpdate {
    @Option(
        names = "--message",
        paramLabel = "TEXT",
        description = "Why; recorded with the update event.")
    String message;

    Action(Context ctx) {
      super(ctx);
    }

    abstract String verb();

    @Override
    public Integer call() {
      Target target = target();
      ObjectNode body = Json.object();
      if (message != null) {
        body.put("message", message);
      }
      JsonNode reply = client(target).post(target.path() + "/" + verb(), body).body();
      if (common.json()) {
        Common.printJson(ctx.out, reply);
        return 0;
      }
      ctx.out.println(
          "Update " + reply.path("update_id").asText() + " is " + reply.path("status").asText());
      if (reply.path("rollback_update_id").isTextual()) {
        String rollbackId = reply.path("rollback_update_id").asText();
        ctx.out.println("It is rolled back by the new update " + rollbackId);
        ctx.out.println(
            "Follow it with: "
                + new Target(target.cluster(), target.job(), rollbackId).waitCommand());
      } else if (verb().equals("rollback")
          && UpdateWaiter.EXIT_CODES.containsKey(reply.path("status").asText())) {
        // A finished update whose job already runs what it ran before: no new update.
        ctx.out.println(
            "Nothing to roll back: the job's instances already run what they ran before it.");
      }
      return 0;
    }
  }

  @Command(name = "pause", description = "Pause an update.")
  static final class Pause extends Action {
    Pause(Context ctx) {
      super(ctx);
    }

    @Override
    String verb() {
      return "pause";
    }
  }

  @Command(name = "resume", description = "Resume a paused update.")
  static final class Resume extends Action {
    Resume(Context ctx) {
      super(ctx);
    }

    @Override
    String verb() {
      return "resume";
    }
  }

  @Command(name = "abort", description = "Stop an update for good, leaving its tasks as they are.")
  static final class Abort extends Action {
    Abort(Context ctx) {
      super(ctx);
    }

    @Override
    String verb() {
      return "abort";
    }
  }

  @Command(
      name = "rollback",
      description =
          "Roll an update back; a finished one is rolled back by a new update to its initial"
              + " state.")
  static final class Rollback extends Action {
    Rollback(Context ctx) {
      super(ctx);
    }

    @Override
    String verb() {
      return "rollback";
    }
  }

  @Command(
      name = "pulse",
      description = "Pulse a coordinated update: OK, or FINISHED when it is no longer active.")
  static final class Pulse extends OnUpdate {
    Pulse(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      Target target = target();
      JsonNode reply = client(target).post(target.path() + "/pulse", Json.object()).body();
      if (common.json()) {
        Common.printJson(ctx.out, reply);
      } else {
        ctx.out.println(reply.path("status").asText());
      }
      return 0;
    }
  }

  @Command(
      name = "wait",
      description = "Follow an update's progress until it ends; the exit code says how.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:the update ROLLED_FORWARD",
        "1:the scheduler refused, or the wait timed out",
        "2:a usage error",
        "3:the scheduler could not be reached",
        "10:the update ROLLED_BACK",
        "11:the update was ABORTED",
        "12:the update FAILED",
        "13:the update ended in ERROR"
      })
  static final class Wait extends OnUpdate {
    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        description = "How long to wait (default: until the update ends).")
    Duration timeout;

    Wait(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      Target target = target();
      return follow(client(target), target, Optional.ofNullable(timeout));
    }
  }

  private static String text(JsonNode node) {
    return node.isNull() || node.isMissingNode() ? "" : node.asText();
  }
}
