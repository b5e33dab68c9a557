package io.borealis.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.model.Container;
import io.borealis.model.HealthCheck;
import io.borealis.model.JobConfiguration;
import io.borealis.model.ProcessConfig;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import java.util.List;
import java.util.Map;

/**
 * Renders configurations in the job-file schema of {@code job-config.md}, defaults filled in. A
 * rendered job configuration parses back to the same configuration.
 */
final class ConfigJson {

  private ConfigJson() {}

  static ObjectNode job(JobConfiguration c) {
    ObjectNode o = Json.object();
    o.put("role", c.key().role());
    o.put("environment", c.key().environment());
    o.put("name", c.key().name());
    o.put("instances", c.instances());
    taskFields(o, c.task(), false);
    o.set("update_config", update(c.updateConfig()));
    c.cronSchedule().ifPresent(s -> o.put("cron_schedule", s));
    o.put("cron_collision_policy", c.cronCollisionPolicy().name());
    return o;
  }

  /** A task configuration, with the derived {@code production} flag shown. */
  static ObjectNode task(TaskConfig t) {
    ObjectNode o = Json.object();
    taskFields(o, t, true);
    return o;
  }

  private static void taskFields(ObjectNode o, TaskConfig t, boolean derived) {
    o.put("service", t.service());
    o.put("tier", t.tier());
    if (derived) {
      o.put("production", t.production());
    }
    o.put("priority", t.priority());
    o.put("max_task_failures", t.maxTaskFailures());
    t.contact().ifPresent(c -> o.put("contact", c));
    o.set("metadata", strings(t.metadata()));
    ObjectNode task = o.putObject("task");
    task.put("name", t.taskName());
    ArrayNode processes = task.putArray("processes");
    for (ProcessConfig p : t.processes()) {
      ObjectNode po = processes.addObject();
      po.put("name", p.name());
      po.put("cmdline", p.cmdline());
      po.put("max_failures", p.maxFailures());
      po.put("daemon", p.daemon());
      po.put("ephemeral", p.ephemeral());
      po.put("min_duration_secs", p.minDurationSecs());
      po.put("final", p.finalProcess());
      if (!p.env().isEmpty()) {
        po.set("env", strings(p.env()));
      }
    }
    ArrayNode order = task.putArray("constraints");
    for (List<String> seq : t.processOrder()) {
      ArrayNode names = order.addObject().putArray("order");
      seq.forEach(names::add);
    }
    ObjectNode r = task.putObject("resources");
    r.put("cpu", t.resources().cpu());
    r.put("ram", t.resources().ramMb() + "MB");
    r.put("disk", t.resources().diskMb() + "MB");
    ArrayNode ports = r.putArray("ports");
    t.resources().ports().forEach(ports::add);
    r.put("gpu", t.resources().gpu());
    if (!t.constraints().isEmpty()) {
      ObjectNode cs = o.putObject("constraints");
      new java.util.TreeMap<>(t.constraints()).forEach((name, c) -> cs.put(name, c.dsl()));
    }
    t.healthCheck().ifPresent(h -> o.set("health_check", health(h)));
    ObjectNode pp = o.putObject("partition_policy");
    pp.put("reschedule", t.partitionPolicy().reschedule());
    pp.put("delay_secs", t.partitionPolicy().delaySecs());
    t.slaPolicy().ifPresent(s -> o.set("sla_policy", sla(s)));
    t.container().ifPresent(c -> o.set("container", container(c)));
  }

  private static ObjectNode health(HealthCheck h) {
    ObjectNode o = Json.object();
    o.put("type", h.type().name().toLowerCase());
    o.put("endpoint", h.endpoint());
    h.command().ifPresent(c -> o.put("command", c));
    o.put("expected_response", h.expectedResponse());
    o.put("expected_response_code", h.expectedResponseCode());
    o.put("initial_interval_secs", h.initialIntervalSecs());
    o.put("interval_secs", h.intervalSecs());
    o.put("timeout_secs", h.timeoutSecs());
    o.put("max_consecutive_failures", h.maxConsecutiveFailures());
    o.put("min_consecutive_successes", h.minConsecutiveSuccesses());
    return o;
  }

  private static ObjectNode update(UpdateSettings u) {
    ObjectNode o = Json.object();
    o.put("batch_size", u.batchSize());
    o.put("watch_secs", u.watchSecs());
    o.put("max_per_shard_failures", u.maxPerShardFailures());
    o.put("max_total_failures", u.maxTotalFailures());
    o.put("rollback_on_failure", u.rollbackOnFailure());
    o.put("wait_for_batch_completion", u.waitForBatchCompletion());
    u.pulseIntervalSecs().ifPresent(p -> o.put("pulse_interval_secs", p));
    o.put("sla_aware", u.slaAware());
    u.progressDeadlineSecs().ifPresent(p -> o.put("progress_deadline_secs", p));
    ObjectNode s = o.putObject("strategy");
    if (u.strategy() instanceof UpdateStrategy.Queue q) {
      s.putObject("queue").put("batch_size", q.batchSize());
    } else if (u.strategy() instanceof UpdateStrategy.Batch b) {
      s.putObject("batch")
          .put("batch_size", b.batchSize())
          .put("autopause_after_batch", b.autopauseAfterBatch());
    } else if (u.strategy() instanceof UpdateStrategy.VariableBatch v) {
      ObjectNode vb = s.putObject("variable_batch");
      ArrayNode sizes = vb.putArray("batch_sizes");
      v.batchSizes().forEach(sizes::add);
      vb.put("autopause_after_batch", v.autopauseAfterBatch());
    }
    return o;
  }

  private static ObjectNode sla(SlaPolicy p) {
    ObjectNode o = Json.object();
    if (p instanceof SlaPolicy.Percentage pc) {
      o.put("percentage", pc.percentage()).put("duration_secs", pc.durationSecs());
    } else if (p instanceof SlaPolicy.Count c) {
      o.put("count", c.count()).put("duration_secs", c.durationSecs());
    } else if (p instanceof SlaPolicy.Coordinator c) {
      o.put("coordinator_url", c.coordinatorUrl()).put("status_key", c.statusKey());
    }
    return o;
  }

  private static ObjectNode container(Container c) {
    ObjectNode o = Json.object();
    if (c instanceof Container.Docker d) {
      ObjectNode docker = o.putObject("docker");
      docker.put("image", d.image());
      ArrayNode params = docker.putArray("parameters");
      d.parameters().forEach(p -> params.addObject().put("name", p.name()).put("value", p.value()));
    } else if (c instanceof Container.Mesos m) {
      ObjectNode mesos = o.putObject("mesos");
      m.image().ifPresent(i -> mesos.put("image", i));
    }
    return o;
  }

  private static ObjectNode strings(Map<String, String> map) {
    ObjectNode o = Json.object();
    new java.util.TreeMap<>(map).forEach(o::put);
    return o;
  }
}
