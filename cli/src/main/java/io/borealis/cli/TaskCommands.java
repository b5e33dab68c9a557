package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code borealis task ...}: commands on one instance's task. */
@Command(
    name = "task",
    description = "Look at the tasks of a job's instances.",
    subcommands = {TaskCommands.Logs.class})
final class TaskCommands extends GroupCommand {

  /**
   * The output of an instance's newest task, read from its sandbox: each process writes {@code
   * .logs/PROCESS/stdout} and {@code .logs/PROCESS/stderr} there.
   */
  @Command(
      name = "logs",
      description = {
        "Print the stdout (or stderr) of an instance's newest task, as it is.",
        "A task with several processes prints each under a '==> NAME <==' header."
      })
  static final class Logs implements Callable<Integer> {
    private final Context ctx;

    @Mixin Common common;

    @Parameters(
        paramLabel = "CLUSTER/ROLE/ENV/NAME/INSTANCE",
        description = "The job and the instance, e.g. local/www-data/prod/hello/0.")
    JobKeyArg key;

    @Option(names = "--stderr", description = "Print stderr instead of stdout.")
    boolean stderr;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing as the log grows, until the task ends (needs one process).")
    boolean follow;

    @Option(names = "--process", paramLabel = "NAME", description = "The process to read.")
    String process;

    Logs(Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      int instance = key.requireSingleInstance();
      if (follow && common.json()) {
        throw CliException.usage(
            "--follow streams the log as text; it cannot be used with -o json");
      }
      SchedulerClient client = ctx.client(key.cluster(), common);
      String taskId = newestTask(client, instance);
      if (common.json()) {
        printJson(client, instance, taskId);
        return 0;
      }
      if (process != null) {
        try {
          copy(client, taskId, process);
        } catch (CliException.ProblemException e) {
          throw unknownProcess(client, taskId, e);
        }
        return 0;
      }
      List<String> processes = processes(client, taskId);
      if (processes.isEmpty()) {
        throw CliException.refused("task " + taskId + " has no process logs yet");
      }
      if (processes.size() == 1) {
        copy(client, taskId, processes.get(0));
        return 0;
      }
      if (follow) {
        throw CliException.usage(
            "task "
                + taskId
                + " runs "
                + processes.size()
                + " processes ("
                + String.join(", ", processes)
                + "): name one with --process to follow it");
      }
      for (int i = 0; i < processes.size(); i++) {
        ctx.out.print((i == 0 ? "" : "\n") + "==> " + processes.get(i) + " <==\n");
        copy(client, taskId, processes.get(i));
      }
      return 0;
    }

    /**
     * {@code -o json}: {@code {"task_id", "instance_id", "stream", "processes": [{"name",
     * "content"}]}}, each log read as UTF-8 (a byte that is not becomes U+FFFD).
     */
    private void printJson(SchedulerClient client, int instance, String taskId) {
      List<String> names = process != null ? List.of(process) : processes(client, taskId);
      ObjectNode doc = Json.object();
      doc.put("task_id", taskId);
      doc.put("instance_id", instance);
      doc.put("stream", stderr ? "stderr" : "stdout");
      ArrayNode list = doc.putArray("processes");
      for (String name : names) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        copy(client, taskId, name, content);
        list.addObject().put("name", name).put("content", content.toString(StandardCharsets.UTF_8));
      }
      Common.printJson(ctx.out, doc);
    }

    private String newestTask(SchedulerClient client, int instance) {
      JsonNode items =
          client
              .get(
                  "/api/v1/jobs/"
                      + key.jobPath()
                      + "/tasks?limit_per_instance=1&instances="
                      + instance)
              .body()
              .path("items");
      if (items.isEmpty()) {
        throw CliException.refused(
            "instance " + instance + " of job " + key.withoutInstances() + " has no task");
      }
      JsonNode task = items.get(0);
      String status = task.path("status").asText();
      if (status.equals("PENDING") || status.equals("THROTTLED")) {
        String reason = task.path("reason").asText("");
        throw CliException.refused(
            "instance "
                + instance
                + " of job "
                + key.withoutInstances()
                + " is "
                + status
                + (reason.isEmpty() ? "" : " (" + reason + ")")
                + ": its task "
                + task.path("task_id").asText()
                + " has not started, so it has no output yet");
      }
      return task.path("task_id").asText();
    }

    /**
     * A process's log was not found: when the task has logs but none of that process, says so and
     * names the ones it has; otherwise the scheduler's own answer.
     */
    private CliException unknownProcess(
        SchedulerClient client, String taskId, CliException.ProblemException notFound) {
      if (notFound.problem().status() != 404) {
        return notFound;
      }
      List<String> processes;
      try {
        processes = processes(client, taskId);
      } catch (CliException e) {
        return notFound;
      }
      if (processes.isEmpty() || processes.contains(process)) {
        return notFound;
      }
      return CliException.refused(
          "task "
              + taskId
              + " has no process '"
              + process
              + "'; its processes: "
              + String.join(", ", processes));
    }

    /** The processes that have logs: the folders under {@code .logs}, in name order. */
    private List<String> processes(SchedulerClient client, String taskId) {
      JsonNode listing = client.get(sandbox(taskId, ".logs")).body();
      List<String> names = new ArrayList<>();
      for (JsonNode e : listing.path("entries")) {
        if (e.path("type").asText().equals("dir")) {
          names.add(e.path("name").asText());
        }
      }
      names.sort(null);
      return names;
    }

    private void copy(SchedulerClient client, String taskId, String name) {
      copy(client, taskId, name, ctx.out);
    }

    private void copy(SchedulerClient client, String taskId, String name, OutputStream out) {
      String path =
          sandbox(
              taskId,
              ".logs/" + SchedulerClient.segment(name) + "/" + (stderr ? "stderr" : "stdout"));
      if (follow) {
        path += "?follow=true";
      }
      byte[] buffer = new byte[8192];
      try (InputStream in = client.stream(path)) {
        // Byte for byte, flushed as it comes: a followed log shows each line as it is written.
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        throw CliException.unreachable(
            "lost the connection to cluster '"
                + key.cluster()
                + "' while reading the log of task "
                + taskId
                + ": "
                + e.getMessage());
      }
    }

    private static String sandbox(String taskId, String path) {
      return "/api/v1/tasks/" + SchedulerClient.segment(taskId) + "/sandbox/" + path;
    }
  }
}
