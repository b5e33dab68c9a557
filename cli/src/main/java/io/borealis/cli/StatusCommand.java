package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/**
 * {@code borealis admin status [CLUSTER]}: the cluster at a glance, from {@code GET
 * /api/v1/admin/status}: nodes, the resource backend, the store, agents, tasks by status, the
 * pending count and the answering node's read side, in human units; {@code -o json} prints the
 * scheduler's JSON.
 */
@Command(
    name = "status",
    description = {
      "The cluster at a glance: nodes, backend, store, agents, tasks and the read side.",
      "Which node holds the singletons, the store's latency, free resources, tasks by status and",
      "the pending count."
    })
final class StatusCommand extends BackupCommands.ClusterLeaf {

  StatusCommand(Context ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    JsonNode s = client().get("/api/v1/admin/status").body();
    if (common.json()) {
      Common.printJson(ctx.out, s);
      return 0;
    }
    ctx.out.print(render(s));
    return 0;
  }

  /** The status as a few lines and a table of nodes. */
  static String render(JsonNode s) {
    StringBuilder out = new StringBuilder();
    out.append("Borealis ")
        .append(s.path("version").asText())
        .append(", answered by ")
        .append(s.path("answered_by").asText())
        .append(", up ")
        .append(duration(s.path("uptime_secs").asLong()))
        .append("\n\n");
    Table nodes = new Table("NODE", "STATUS", "ROLES", "");
    for (JsonNode n : s.path("nodes")) {
      List<String> notes = new ArrayList<>();
      if (n.path("oldest").asBoolean()) {
        notes.add("oldest: holds the singletons");
      }
      if (n.path("self").asBoolean()) {
        notes.add("answered");
      }
      if (!n.path("reachable").asBoolean(true)) {
        notes.add("UNREACHABLE");
      }
      List<String> roles = new ArrayList<>();
      n.path("roles").forEach(r -> roles.add(r.asText()));
      nodes.row(
          n.path("address").asText(),
          n.path("status").asText(),
          roles.isEmpty() ? "-" : String.join(",", roles),
          String.join(", ", notes));
    }
    out.append(nodes.render()).append('\n');
    JsonNode b = s.path("backend");
    out.append("Backend    ")
        .append(b.path("kind").asText())
        .append(b.path("address").isTextual() ? " on " + b.path("address").asText() : "")
        .append(dependency(b))
        .append(b.path("registered_here").asBoolean() ? "; registered on this node" : "")
        .append('\n');
    JsonNode st = s.path("store");
    out.append("Store      ").append(st.path("kind").asText()).append(dependency(st)).append('\n');
    JsonNode a = s.path("agents");
    if (a.isObject()) {
      out.append(
          String.format(
              Locale.ROOT,
              "Agents     %d; free %s of %s cpu, %s of %s ram%n",
              a.path("count").asInt(),
              cpu(a.path("cpu_free").asDouble()),
              cpu(a.path("cpu_total").asDouble()),
              ram(a.path("ram_mb_free").asLong()),
              ram(a.path("ram_mb_total").asLong())));
    } else {
      out.append("Agents     not known to this backend\n");
    }
    List<String> tasks = new ArrayList<>();
    s.path("tasks")
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().asLong() != 0) {
                tasks.add(e.getKey() + " " + e.getValue().asLong());
              }
            });
    out.append("Tasks      ").append(tasks.isEmpty() ? "none" : String.join(", ", tasks));
    out.append('\n');
    out.append("Pending    ").append(s.path("pending").asLong()).append('\n');
    JsonNode r = s.path("read_side");
    out.append("Read side  index ")
        .append(r.path("index").asLong())
        .append(r.path("caught_up").asBoolean() ? ", caught up" : ", still reading the journal")
        .append(
            r.path("lag_ms").isNumber()
                ? ", " + r.path("lag_ms").asLong() + " ms behind the journal"
                : "")
        .append('\n');
    return out.toString();
  }

  private static String dependency(JsonNode d) {
    if (!d.path("reachable").asBoolean()) {
      return ": DOES NOT ANSWER"
          + (d.path("problem").isTextual() ? " (" + d.path("problem").asText() + ")" : "");
    }
    return d.path("round_trip_ms").isNumber()
        ? ", answers in " + d.path("round_trip_ms").asLong() + " ms"
        : ", answers (in process)";
  }

  static String duration(long secs) {
    if (secs < 60) {
      return secs + "s";
    }
    if (secs < 3600) {
      return (secs / 60) + "m " + (secs % 60) + "s";
    }
    if (secs < 86400) {
      return (secs / 3600) + "h " + (secs % 3600 / 60) + "m";
    }
    return (secs / 86400) + "d " + (secs % 86400 / 3600) + "h";
  }

  static String cpu(double cores) {
    return String.format(Locale.ROOT, "%.1f", cores);
  }

  static String ram(long mb) {
    if (mb >= 1024) {
      return String.format(Locale.ROOT, "%.1f GiB", mb / 1024.0);
    }
    return mb + " MiB";
  }
}
