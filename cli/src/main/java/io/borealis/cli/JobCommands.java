package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code borealis job ...}: Aurora's job commands, each one or two API calls. The commands that
 * change a job are here; those that only look are in {@link JobQueries}.
 */
@Command(
    name = "job",
    description = "Create, inspect, change and kill jobs.",
    subcommands = {
      JobCommands.Create.class,
      JobQueries.Status.class,
      JobQueries.ListJobs.class,
      JobQueries.Inspect.class,
      JobQueries.Diff.class,
      JobCommands.Kill.class,
      JobCommands.KillAll.class,
      JobCommands.Restart.class,
      JobCommands.Add.class
    })
final class JobCommands extends GroupCommand {

  /** What the job commands share: the run's context, the common options, the job's paths. */
  abstract static class JobCommand implements Callable<Integer> {
    final Context ctx;
    @Mixin Common common;

    JobCommand(Context ctx) {
      this.ctx = ctx;
    }

    SchedulerClient client(JobKeyArg key) {
      return ctx.client(key.cluster(), common);
    }

    static String jobPath(JobKeyArg key) {
      return "/api/v1/jobs/" + key.jobPath();
    }

    /** A write's answer: its JSON for scripts, a sentence for people. */
    int printMessage(JsonNode reply, String sentence) {
      if (common.json()) {
        Common.printJson(ctx.out, reply);
      } else {
        ctx.out.println(sentence);
      }
      return 0;
    }

    /**
     * The instances a write's answer names ({@code "0-2,5"}), empty when it names none. The
     * sentences for people are made here from the answer's fields, not taken from its message.
     */
    static String instancesOf(JsonNode reply) {
      return reply.path("instances").isTextual() ? reply.path("instances").asText() : "";
    }

    int printKilled(JsonNode reply) {
      String killed = instancesOf(reply);
      return printMessage(
          reply,
          killed.isEmpty()
              ? "No tasks to kill."
              : "Killed "
                  + Messages.instances(killed)
                  + " ("
                  + Messages.count(countOf(killed), "task")
                  + ")");
    }

    static int countOf(String ranges) {
      return ranges.isBlank() ? 0 : InstanceSet.parse(ranges).ids().size();
    }
  }

  /** A command on a job and a job file. */
  abstract static class JobFileCommand extends JobCommand {
    @Parameters(
        index = "0",
        paramLabel = "CLUSTER/ROLE/ENV/NAME",
        description = "The job, e.g. local/www-data/prod/hello.")
    JobKeyArg key;

    @Parameters(
        index = "1",
        paramLabel = "FILE",
        description = "The job file: YAML, or JSON when it ends in .json.")
    Path file;

    JobFileCommand(Context ctx) {
      super(ctx);
    }
  }

  @Command(name = "create", description = "Create a job from a job file (YAML or JSON).")
  static final class Create extends JobFileCommand {
    @Option(
        names = "--wait",
        description = {
          "Wait until every instance of a service is RUNNING (and healthy, when it has a health"
              + " check), or every instance of a batch job FINISHED; exit 1 at the first task that"
              + " fails, with its reason."
        })
    boolean wait;

    /** What --wait waits for, as Aurora's client's --wait-until named it. */
    enum Until {
      RUNNING,
      FINISHED
    }

    @Option(
        names = "--wait-until",
        paramLabel = "STATUS",
        description =
            "With --wait: RUNNING (a batch job's tasks RUNNING or FINISHED, e.g. on the simulated"
                + " backend, whose tasks never end) or FINISHED (batch jobs only). Default: RUNNING"
                + " for a service, FINISHED for a batch job.")
    Until until;

    @Option(
        names = "--wait-timeout",
        paramLabel = "DURATION",
        defaultValue = "5m",
        description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    Duration waitTimeout;

    Create(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      key.requireNoInstances();
      SchedulerClient client = client(key);
      ObjectNode job = JobFiles.load(file, key);
      boolean service = job.path("service").asBoolean(false);
      if (until != null && !wait) {
        throw CliException.usage("--wait-until goes with --wait.");
      }
      if (until == Until.FINISHED && service) {
        throw CliException.usage(
            "--wait-until FINISHED is for batch jobs: a service's tasks run until killed.");
      }
      // A job of the same key may have existed (killed, say): --wait judges only new tasks.
      Set<String> before = wait ? InstanceWaiter.taskIds(client, key) : Set.of();
      JsonNode reply = client.post(jobPath(key), job).body();
      ObjectNode created = reply.isObject() ? (ObjectNode) reply : Json.object();
      int instances = created.path("instances").asInt(job.path("instances").asInt(1));
      // The job's API resource; the web UI does not exist yet.
      String url = client.apiBase() + jobPath(key);
      if (!common.json()) {
        ctx.out.println(
            Messages.count(instances, "new task") + " pending for job " + key.jobPath());
        ctx.out.println("Job url: " + url);
      }
      if (wait) {
        ArrayNode tasks;
        // Ctrl-C stops only the client: the job is created and stays as it is.
        Runnable unregister =
            UpdateCommands.interrupts.register(
                () -> {
                  ctx.err.println("borealis: stopped waiting; " + goesOn(key));
                  ctx.err.flush();
                });
        try {
          tasks =
              new InstanceWaiter(
                      client, key, ctx.env, common.json() ? Optional.empty() : Optional.of(ctx.out))
                  .await(instances, service, until == Until.RUNNING, before, waitTimeout);
        } finally {
          unregister.run();
        }
        if (common.json()) {
          created.set("tasks", tasks);
        } else {
          String state =
              service
                  ? "up"
                  : all(tasks, "FINISHED")
                      ? "finished"
                      : all(tasks, "RUNNING") ? "running" : "running or finished";
          ctx.out.println(
              instances == 1
                  ? "The instance is " + state + "."
                  : "All " + instances + " instances are " + state + ".");
        }
      }
      if (common.json()) {
        created.put("job_url", url);
        Common.printJson(ctx.out, created);
      }
      return 0;
    }

    /** What a wait that ends early says of the job, which it leaves as it is. */
    static String goesOn(JobKeyArg key) {
      return "the job "
          + key.jobPath()
          + " is created and goes on. See it with: borealis job status "
          + key.withoutInstances();
    }

    /** Whether every task a batch job's wait ended with is in {@code status}. */
    private static boolean all(ArrayNode tasks, String status) {
      for (JsonNode t : tasks) {
        if (!t.path("status").asText().equals(status)) {
          return false;
        }
      }
      return true;
    }
  }

  @Command(name = "kill", description = "Kill some instances of a job (they stay down).")
  static final class Kill extends JobCommand {
    @Parameters(
        paramLabel = "CLUSTER/ROLE/ENV/NAME/INSTANCES",
        description = "The job and the instances to kill, e.g. .../0-2.")
    JobKeyArg key;

    @Option(
        names = "--message",
        paramLabel = "TEXT",
        description = "Why; recorded with each task's KILLING event.")
    String message;

    Kill(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      InstanceSet instances =
          key.instances()
              .orElseThrow(
                  () ->
                      CliException.usage(
                          "job kill needs instances ("
                              + key
                              + "/0-2); to kill every instance, use job killall"));
      SchedulerClient client = client(key);
      // The scheduler kills what exists and says nothing of the rest: a typo in an instance id
      // must not look like success. Checked first, so that a refusal changes nothing.
      InstanceSet missing = instances.minus(existing(client, instances));
      if (!missing.isEmpty()) {
        throw CliException.refused(
            "job "
                + key.withoutInstances()
                + " has no "
                + Messages.instances(missing.toString())
                + "; nothing was killed");
      }
      ObjectNode body = Json.object().put("instances", instances.toString());
      if (message != null) {
        body.put("message", message);
      }
      return printKilled(client.post(jobPath(key) + "/kill", body).body());
    }

    private SortedSet<Integer> existing(SchedulerClient client, InstanceSet instances) {
      String path =
          SchedulerClient.withParam(
              jobPath(key) + "/tasks?limit_per_instance=1", "instances", instances.toString());
      SortedSet<Integer> ids = new TreeSet<>();
      client.items(path).forEach(t -> ids.add(t.path("instance_id").asInt()));
      return ids;
    }
  }

  @Command(name = "killall", description = "Kill every instance of a job.")
  static final class KillAll extends JobCommand {
    @Parameters(paramLabel = "CLUSTER/ROLE/ENV/NAME", description = "The job.")
    JobKeyArg key;

    @Option(
        names = "--message",
        paramLabel = "TEXT",
        description = "Why; recorded with each task's KILLING event.")
    String message;

    KillAll(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      key.requireNoInstances();
      ObjectNode body = Json.object();
      if (message != null) {
        body.put("message", message);
      }
      return printKilled(client(key).post(jobPath(key) + "/kill", body).body());
    }
  }

  @Command(
      name = "restart",
      description = "Restart the active instances of a job (all, or the ones given): new tasks.")
  static final class Restart extends JobCommand {
    @Parameters(
        paramLabel = "CLUSTER/ROLE/ENV/NAME[/INSTANCES]",
        description = "The job, and which instances if not all.")
    JobKeyArg key;

    Restart(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      ObjectNode body = Json.object();
      key.instances().ifPresent(i -> body.put("instances", i.toString()));
      JsonNode reply = client(key).post(jobPath(key) + "/restart", body).body();
      String restarted = instancesOf(reply);
      return printMessage(
          reply,
          restarted.isEmpty()
              ? "No active instances to restart."
              : "Restarting " + Messages.instances(restarted) + " of " + key.jobPath());
    }
  }

  @Command(
      name = "add",
      description = "Add instances to a job, copying the configuration of an active instance.")
  static final class Add extends JobCommand {
    @Parameters(
        index = "0",
        paramLabel = "CLUSTER/ROLE/ENV/NAME/INSTANCE",
        description = "The job and the instance to copy.")
    JobKeyArg key;

    @Parameters(index = "1", paramLabel = "COUNT", description = "How many instances to add.")
    int count;

    Add(Context ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      int template = key.requireSingleInstance();
      if (count < 1) {
        throw CliException.usage("COUNT must be at least 1, not " + count);
      }
      ObjectNode body = Json.object().put("template_instance", template).put("count", count);
      JsonNode reply = client(key).post(jobPath(key) + "/instances", body).body();
      String added = instancesOf(reply);
      return printMessage(
          reply,
          Messages.count(countOf(added), "new task")
              + " pending for job "
              + key.jobPath()
              + " ("
              + Messages.instances(added)
              + ")");
    }
  }
}
