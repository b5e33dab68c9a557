package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code borealis admin ...}: operator commands on the scheduler itself. */
@Command(
    name = "admin",
    description = "Operate the scheduler itself.",
    subcommands = {AdminCommands.Reconcile.class})
final class AdminCommands implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliException.USAGE;
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
