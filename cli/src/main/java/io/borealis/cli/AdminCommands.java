package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code borealis admin ...}: operator commands (Aurora's aurora_admin). */
@Command(
    name = "admin",
    description = "Operator commands.",
    subcommands = {
      AdminCommands.Host.class,
      AdminCommands.Reconcile.class,
      StatusCommand.class,
      BackupCommands.Backup.class,
      BackupCommands.Recovery.class
    })
final class AdminCommands extends GroupCommand {

  /** {@code borealis admin host ...}: host maintenance (aurora-semantics §3.6). */
  @Command(
      name = "host",
      description = {
        "Host maintenance: take hosts out of service and back.",
        "start: placement prefers other hosts; drain: move every task off now;",
        "sla-drain: move tasks off as their jobs' SLA allows, all of them after --timeout;",
        "status: the hosts' modes; end: back in service."
      },
      subcommands = {
        HostCommand.Start.class,
        HostCommand.Drain.class,
        HostCommand.SlaDrain.class,
        HostCommand.Status.class,
        HostCommand.End.class
      })
  static final class Host extends GroupCommand {}

  /** What the host commands share: the cluster, the output, and how a reply is printed. */
  abstract static class HostCommand implements Callable<Integer> {
    static final String PATH = "/api/v1/maintenance";

    final Context ctx;
    @Mixin Common common;

    @Option(
        names = "--cluster",
        paramLabel = "NAME",
        description = "The cluster (from clusters.json; default: local).")
    String cluster = "local";

    HostCommand(Context ctx) {
      this.ctx = ctx;
    }

    SchedulerClient client() {
      return ctx.client(cluster, common);
    }

    static ObjectNode hostsBody(List<String> hosts) {
      ObjectNode body = Json.object();
      ArrayNode list = body.putArray("hosts");
      hosts.forEach(list::add);
      return body;
    }

    /** The hosts and their modes: the scheduler's JSON for scripts, a table for people. */
    int print(JsonNode reply) {
      if (common.json()) {
        Common.printJson(ctx.out, reply);
        return 0;
      }
      Table table = new Table("HOST", "MODE");
      reply.path("items").forEach(i -> table.row(i.path("host").asText(), i.path("mode").asText()));
      if (table.isEmpty()) {
        ctx.out.println("No host is in maintenance.");
      } else {
        ctx.out.print(table.render());
      }
      return 0;
    }

    /** A command that names hosts and posts them to {@code /api/v1/maintenance/<op>}. */
    abstract static class Named extends HostCommand {
      @Parameters(paramLabel = "HOST", arity = "1..*", description = "The hosts.")
      List<String> hosts;

      Named(Context ctx) {
        super(ctx);
      }

      abstract String operation();

      @Override
      public Integer call() {
        return print(client().post(PATH + "/" + operation(), hostsBody(hosts)).body());
      }
    }

    @Command(
        name = "start",
        description = "Schedule maintenance: placement prefers other hosts; nothing moves.")
    static final class Start extends Named {
      Start(Context ctx) {
        super(ctx);
      }

      @Override
      String operation() {
        return "start";
      }
    }

    @Command(
        name = "drain",
        description = {
          "Drain hosts now: every task goes DRAINING and is rescheduled elsewhere.",
          "A host is DRAINED once no task is left on it."
        })
    static final class Drain extends Named {
      Drain(Context ctx) {
        super(ctx);
      }

      @Override
      String operation() {
        return "drain";
      }
    }

    @Command(name = "end", description = "End maintenance: the hosts are back in service.")
    static final class End extends Named {
      End(Context ctx) {
        super(ctx);
      }

      @Override
      String operation() {
        return "end";
      }
    }

    @Command(
        name = "sla-drain",
        description = {
          "Drain hosts as their tasks' SLA allows; after --timeout every task left goes.",
          "A task's own SLA policy applies, else the one given here. A host is DRAINED once empty."
        })
    static final class SlaDrain extends Named {

      /** Exactly one of the two policies. */
      static final class Policy {
        @Option(
            names = "--count",
            paramLabel = "N",
            required = true,
            description = "At least N other instances of a job must stay RUNNING.")
        Integer count;

        @Option(
            names = "--percentage",
            paramLabel = "P",
            required = true,
            description = "At least P %% of a job's instances must stay RUNNING.")
        Double percentage;
      }

      @ArgGroup(exclusive = true, multiplicity = "1")
      Policy policy;

      @Option(
          names = "--duration",
          paramLabel = "DURATION",
          description = "How long an instance must have been RUNNING to count (default 0s).")
      Duration duration = Duration.ZERO;

      @Option(
          names = "--timeout",
          paramLabel = "DURATION",
          required = true,
          description = "After this long every task left on the hosts is drained (e.g. 1h).")
      Duration timeout;

      SlaDrain(Context ctx) {
        super(ctx);
      }

      @Override
      String operation() {
        return "sla-drain";
      }

      @Override
      public Integer call() {
        ObjectNode body = hostsBody(hosts);
        ObjectNode inner = Json.object();
        if (policy.count != null) {
          inner.put("count", policy.count);
          body.putObject("policy").set("count", inner);
        } else {
          inner.put("percentage", policy.percentage);
          body.putObject("policy").set("percentage", inner);
        }
        inner.put("duration_secs", duration.toSeconds());
        body.put("timeout_secs", timeout.toSeconds());
        return print(client().post(PATH + "/" + operation(), body).body());
      }
    }

    @Command(
        name = "status",
        description = "The hosts in maintenance and their modes (the named hosts only, if any).")
    static final class Status extends HostCommand {
      @Parameters(paramLabel = "HOST", arity = "0..*", description = "Only these hosts.")
      List<String> hosts = List.of();

      Status(Context ctx) {
        super(ctx);
      }

      @Override
      public Integer call() {
        JsonNode all = client().get(PATH).body();
        if (hosts.isEmpty()) {
          return print(all);
        }
        // A named host not listed is in service.
        ObjectNode named = Json.object();
        ArrayNode items = named.putArray("items");
        for (String host : hosts) {
          String mode = "NONE";
          for (JsonNode i : all.path("items")) {
            if (i.path("host").asText().equals(host)) {
              mode = i.path("mode").asText();
            }
          }
          items.addObject().put("host", host).put("mode", mode);
        }
        return print(named);
      }
    }
  }

  /**
   * Starts a reconciliation run now (Aurora's {@code reconcile_tasks}): explicit asks the backend
   * about each task the scheduler has on an agent, implicit asks for everything the backend knows.
   */
  @Command(
      name = "reconcile",
      description = {
        "Reconcile the scheduler's tasks with the backend now.",
        "Explicit (the default) asks about each task on an agent, in batches; --implicit asks the",
        "backend to report every task it knows. Live tasks the scheduler does not know are killed."
      })
  static final class Reconcile implements Callable<Integer> {
    private final Context ctx;

    @Mixin Common common;

    @Parameters(
        arity = "0..1",
        paramLabel = "CLUSTER",
        description = "The cluster (default: 'local').")
    String cluster = "local";

    @Option(names = "--implicit", description = "Ask the backend for every task it knows.")
    boolean implicit;

    @Option(
        names = "--batch-size",
        paramLabel = "N",
        description = "Tasks per batch of an explicit run (default: the scheduler's setting).")
    Integer batchSize;

    Reconcile(Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      if (batchSize != null && batchSize < 1) {
        throw CliException.usage("--batch-size must be > 0");
      }
      if (batchSize != null && implicit) {
        throw CliException.usage("--batch-size applies to explicit reconciliation only");
      }
      ObjectNode body = Json.object().put("kind", implicit ? "implicit" : "explicit");
      if (batchSize != null) {
        body.put("batch_size", batchSize);
      }
      JsonNode reply = ctx.client(cluster, common).post("/api/v1/admin/reconcile", body).body();
      if (common.json()) {
        Common.printJson(ctx.out, reply);
      } else if (implicit) {
        ctx.out.println("Implicit reconciliation started on cluster " + cluster + ".");
      } else {
        ctx.out.println(
            "Explicit reconciliation started on cluster "
                + cluster
                + (batchSize != null ? ", in batches of " + batchSize : "")
                + ".");
      }
      return 0;
    }
  }
}
