package io.borealis.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.model.JobKey;
import io.borealis.persistence.ReadView;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import java.util.List;
import java.util.function.Function;

/** The JSON shapes of http-api.md for what the read side holds. */
final class Views {

  private Views() {}

  static ObjectNode task(ScheduledTask t, boolean withEvents) {
    ObjectNode o = Json.object();
    o.put("task_id", t.taskId());
    o.put("job_key", t.instance().job().toString());
    o.put("instance_id", t.instance().instanceId());
    o.put("status", t.status().name());
    o.put("host", t.assignment().map(a -> a.host()).orElse(null));
    o.put("agent_id", t.assignment().map(a -> a.agentId()).orElse(null));
    ObjectNode ports = o.putObject("assigned_ports");
    t.assignment().ifPresent(a -> new java.util.TreeMap<>(a.ports()).forEach(ports::put));
    o.put("failure_count", t.failureCount());
    o.put("ancestor_id", t.ancestorId().orElse(null));
    o.put("reason", t.latestEvent().message().orElse(null));
    o.put("updated_at", t.latestEvent().timestamp().toString());
    if (withEvents) {
      ArrayNode events = o.putArray("events");
      for (TaskEvent e : t.events()) {
        events
            .addObject()
            .put("status", e.status().name())
            .put("timestamp", e.timestamp().toString())
            .put("message", e.message().orElse(null));
      }
    }
    return o;
  }

  static ObjectNode jobSummary(ReadView.JobSummary s) {
    ObjectNode o = Json.object();
    JobKey k = s.key();
    o.put("job_key", k.toString());
    o.put("role", k.role());
    o.put("environment", k.environment());
    o.put("name", k.name());
    o.put("instances", s.instances());
    o.putObject("stats")
        .put("pending", s.stats().pending())
        .put("active", s.stats().active())
        .put("finished", s.stats().finished())
        .put("failed", s.stats().failed());
    o.put("cron_schedule", s.cronSchedule().orElse(null));
    o.putNull("next_cron_run");
    o.putNull("active_update");
    return o;
  }

  static ObjectNode jobDetails(ReadView.JobDetails d) {
    ObjectNode o = jobSummary(d.summary());
    o.put("created_at", d.createdAt() == null ? null : d.createdAt().toString());
    o.set("config", ConfigJson.job(d.config()));
    ArrayNode groups = o.putArray("active_groups");
    for (ReadView.ConfigGroup g : d.activeGroups()) {
      ObjectNode go = groups.addObject();
      go.put("instances", g.ranges());
      go.set("config", ConfigJson.task(g.config()));
    }
    return o;
  }

  static <T> ObjectNode page(ReadView.Page<T> page, Function<T, ObjectNode> item) {
    return list(page.items(), item, page.total(), page.offset(), page.limit());
  }

  static <T> ObjectNode list(
      List<T> items, Function<T, ObjectNode> item, int total, int offset, int limit) {
    ObjectNode o = Json.object();
    ArrayNode array = o.putArray("items");
    items.forEach(i -> array.add(item.apply(i)));
    o.put("total", total);
    o.put("offset", offset);
    o.put("limit", limit);
    return o;
  }
}
