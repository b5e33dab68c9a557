package io.borealis.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a job file (the JSON tree of {@code job-config.md}, from JSON or YAML) into a {@link
 * JobConfiguration}, filling Aurora's defaults. It never stops at the first problem: the result
 * lists every bad or unknown field with its dotted path, so a user fixes a file in one pass.
 */
public final class JobConfigParser {

  /** The outcome: a configuration, or the list of problems (never both). */
  public record Result(Optional<JobConfiguration> config, List<FieldError> errors) {
    public boolean isValid() {
      return errors.isEmpty();
    }

    public JobConfiguration get() {
      return config.orElseThrow(() -> new IllegalStateException("invalid: " + errors));
    }
  }

  private static final Pattern SIZE =
      Pattern.compile(
          "^\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]i?B|[KMGT])?\\s*$", Pattern.CASE_INSENSITIVE);

  /** 1 EiB in MiB: anything larger is a typo, and must not overflow. */
  private static final BigDecimal MAX_SIZE_MB = BigDecimal.valueOf(1L << 40);

  /** More cores than any machine has: a typo, or a task that would stay PENDING for ever. */
  static final int MAX_CPUS = 1 << 16;

  private static final Pattern PORT_NAME = Pattern.compile("^[A-Za-z0-9_\\-]+$");

  private final ValidationSettings settings;
  private final List<FieldError> errors = new ArrayList<>();

  private JobConfigParser(ValidationSettings settings) {
    this.settings = settings;
  }

  /**
   * Parses a job configuration. {@code pathKey}, when present, is the key named by the request
   * path: the body's {@code role}, {@code environment} and {@code name} may be omitted and must
   * match it when given.
   */
  public static Result parse(JsonNode root, ValidationSettings settings, Optional<JobKey> pathKey) {
    JobConfigParser parser = new JobConfigParser(settings);
    Optional<JobConfiguration> config = parser.job(root, pathKey);
    List<FieldError> errors = List.copyOf(parser.errors);
    return new Result(errors.isEmpty() ? config : Optional.empty(), errors);
  }

  // ---------------------------------------------------------------------------------------------
  // The job

  private Optional<JobConfiguration> job(JsonNode root, Optional<JobKey> pathKey) {
    if (root == null || !root.isObject()) {
      error("", "the job configuration must be a JSON object");
      return Optional.empty();
    }
    Obj job = new Obj((ObjectNode) root, "");
    job.string("cluster")
        .ifPresent(
            cluster -> {
              if (!cluster.equals(settings.clusterName())) {
                error(
                    "cluster",
                    "names cluster '"
                        + cluster
                        + "' but this is cluster '"
                        + settings.clusterName()
                        + "'");
              }
            });
    String role = keyPart(job, "role", pathKey.map(JobKey::role));
    String environment = keyPart(job, "environment", pathKey.map(JobKey::environment));
    String name = keyPart(job, "name", pathKey.map(JobKey::name));
    List<FieldError> keyErrors = JobKey.validate(role, environment, name, "");
    errors.addAll(keyErrors);
    if (keyErrors.stream().noneMatch(e -> e.field().equals("environment"))
        && environment != null
        && !settings.allowedEnvironments().matcher(environment).matches()) {
      error(
          "environment",
          "'"
              + environment
              + "' is not an allowed environment ("
              + settings.allowedEnvironments().pattern()
              + ")");
    }

    int instances = job.integer("instances", 1);
    if (instances < 1 || instances > settings.maxTasksPerJob()) {
      error(
          "instances",
          "must be between 1 and " + settings.maxTasksPerJob() + " (got " + instances + ")");
    }
    boolean service = job.bool("service", false);
    String tier = job.string("tier").orElse(Tiers.DEFAULT_TIER);
    if (!Tiers.ALL.containsKey(tier)) {
      error(
          "tier",
          "must be one of "
              + new java.util.TreeSet<>(Tiers.ALL.keySet())
              + " (got '"
              + tier
              + "')");
    }
    int priority = job.integer("priority", 0);
    int maxTaskFailures = job.integer("max_task_failures", 1);
    if (maxTaskFailures < -1) {
      error("max_task_failures", "must be -1 (unlimited) or >= 0");
    }
    Optional<String> contact = job.string("contact");
    Map<String, String> metadata = job.stringMap("metadata");
    Map<String, Constraint> constraints =
        job.object("constraints").map(c -> constraints(c, role)).orElse(Map.of());
    Optional<HealthCheck> healthCheck = job.object("health_check").map(this::healthCheck);
    UpdateSettings update =
        job.object("update_config").map(this::updateSettings).orElse(UpdateSettings.DEFAULT);
    PartitionPolicy partition =
        job.object("partition_policy").map(this::partitionPolicy).orElse(PartitionPolicy.DEFAULT);
    Optional<Container> container = job.object("container").map(this::container);
    Optional<String> cron = job.nullableString("cron_schedule");
    cron.ifPresent(
        schedule -> {
          CronSchedules.problem(schedule).ifPresent(p -> error("cron_schedule", p));
          if (service) {
            error("cron_schedule", "a service may not have a cron schedule");
          }
        });
    CronCollisionPolicy collision = cronCollisionPolicy(job);

    Optional<Obj> taskObj = job.object("task");
    if (job.absent("task")) {
      error("task", "is required");
    }
    Optional<JobKey> key =
        keyErrors.isEmpty() ? Optional.of(new JobKey(role, environment, name)) : Optional.empty();
    // Aurora requires an executor (here: processes) unless the container is Docker.
    boolean docker = container.filter(c -> c instanceof Container.Docker).isPresent();
    TaskParts task = taskObj.map(t -> task(t, name, docker)).orElse(null);
    Optional<SlaPolicy> sla = job.object("sla_policy").map(o -> slaPolicy(o, tier, instances));
    job.finish();

    if (!errors.isEmpty() || key.isEmpty() || task == null) {
      return Optional.empty();
    }
    Resources resources = withReferencedPorts(task.resources, task.processes, healthCheck);
    TaskConfig taskConfig =
        new TaskConfig(
            key.get(),
            task.name,
            service,
            tier,
            Tiers.ALL.get(tier).production(),
            priority,
            maxTaskFailures,
            resources,
            task.processes,
            task.order,
            constraints,
            healthCheck,
            partition,
            sla,
            container,
            contact,
            metadata);
    return Optional.of(
        new JobConfiguration(key.get(), instances, taskConfig, update, cron, collision));
  }

  private String keyPart(Obj job, String field, Optional<String> fromPath) {
    Optional<String> given = job.string(field);
    if (given.isPresent() && fromPath.isPresent() && !given.get().equals(fromPath.get())) {
      error(field, "is '" + given.get() + "' but the request path names '" + fromPath.get() + "'");
    }
    return given.or(() -> fromPath).orElse(null);
  }

  private CronCollisionPolicy cronCollisionPolicy(Obj job) {
    Optional<String> policy = job.string("cron_collision_policy");
    if (policy.isEmpty()) {
      return CronCollisionPolicy.KILL_EXISTING;
    }
    if (policy.get().equals("RUN_OVERLAP")) {
      error(
          "cron_collision_policy",
          "The RUN_OVERLAP collision policy has been removed (AURORA-38).");
      return CronCollisionPolicy.KILL_EXISTING;
    }
    return enumValue("cron_collision_policy", policy.get(), CronCollisionPolicy.class)
        .orElse(CronCollisionPolicy.KILL_EXISTING);
  }

  // ---------------------------------------------------------------------------------------------
  // The task

  private record TaskParts(
      String name, List<ProcessConfig> processes, List<List<String>> order, Resources resources) {}

  private TaskParts task(Obj task, String jobName, boolean docker) {
    String name = task.string("name").orElse(jobName);
    List<ProcessConfig> processes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<Obj> processObjs = task.objectList("processes");
    for (int i = 0; i < processObjs.size(); i++) {
      ProcessConfig p = process(processObjs.get(i));
      if (p != null) {
        if (!names.add(p.name())) {
          error(processObjs.get(i).path + ".name", "'" + p.name() + "' is used by another process");
        }
        processes.add(p);
      }
    }
    if (task.absent("processes")) {
      if (!docker) {
        error("task.processes", "is required");
      }
    } else if (task.node.get("processes").isArray()
        && task.node.get("processes").isEmpty()
        && !docker) {
      error("task.processes", "must list at least one process");
    }
    List<List<String>> order = new ArrayList<>();
    List<Obj> constraintObjs = task.objectList("constraints");
    for (Obj c : constraintObjs) {
      List<String> seq = c.stringList("order");
      if (c.absent("order")) {
        error(c.path + ".order", "is required");
      }
      for (String p : seq) {
        if (!names.contains(p)) {
          error(c.path + ".order", "names process '" + p + "', which the task does not have");
        }
      }
      finalBeforeRegular(seq, processes)
          .ifPresent(
              pair ->
                  error(
                      c.path + ".order",
                      "orders final process '"
                          + pair.get(0)
                          + "' before regular process '"
                          + pair.get(1)
                          + "' (final processes run after every regular one has ended)"));
      order.add(seq);
      c.finish();
    }
    List<String> cycle = waitingForEachOther(order, processes);
    if (!cycle.isEmpty()) {
      error(
          "task.constraints",
          "form a cycle: processes "
              + String.join(", ", cycle)
              + " each wait for another of them, so none could start");
    }
    Resources resources = null;
    Optional<Obj> resObj = task.object("resources");
    if (resObj.isPresent()) {
      resources = resources(resObj.get());
    } else if (task.absent("resources")) {
      error("task.resources", "is required");
    }
    task.finish();
    return new TaskParts(name, processes, order, resources);
  }

  private ProcessConfig process(Obj p) {
    Optional<String> name = p.string("name");
    Optional<String> cmdline = p.string("cmdline");
    if (p.absent("name")) {
      error(p.path + ".name", "is required");
    }
    if (p.absent("cmdline")) {
      error(p.path + ".cmdline", "is required");
    } else if (cmdline.isPresent() && cmdline.get().isBlank()) {
      error(p.path + ".cmdline", "must not be blank");
    }
    name.filter(n -> !PORT_NAME.matcher(n).matches())
        .ifPresent(n -> error(p.path + ".name", "must contain only letters, digits, '_' and '-'"));
    int maxFailures = p.integer("max_failures", 1);
    if (maxFailures < 0) {
      error(p.path + ".max_failures", "must be >= 0 (0 = unlimited)");
    }
    boolean daemon = p.bool("daemon", false);
    boolean ephemeral = p.bool("ephemeral", false);
    int minDuration = p.integer("min_duration_secs", 5);
    if (minDuration < 0) {
      error(p.path + ".min_duration_secs", "must be >= 0");
    }
    boolean fin = p.bool("final", false);
    Map<String, String> env = p.stringMap("env");
    p.finish();
    // Templates are checked here, with the process's own index, whatever else is wrong.
    cmdline.ifPresent(c -> checkTemplate(p.path + ".cmdline", c));
    env.forEach((k, v) -> checkTemplate(p.path + ".env." + k, v));
    if (name.isEmpty() || cmdline.isEmpty()) {
      return null;
    }
    return new ProcessConfig(
        name.get(), cmdline.get(), maxFailures, daemon, ephemeral, minDuration, fin, env);
  }

  private Resources resources(Obj r) {
    double cpu = 0;
    JsonNode cpuNode = r.node.get("cpu");
    r.seen.add("cpu");
    if (cpuNode == null || cpuNode.isNull()) {
      error(r.path + ".cpu", "is required");
    } else if (!cpuNode.isNumber()) {
      error(r.path + ".cpu", "must be a number of cores");
    } else if (!(cpuNode.asDouble() > 0)) {
      error(r.path + ".cpu", "must be > 0");
    } else if (cpuNode.asDouble() > MAX_CPUS) {
      // Also 1e999, which reads as infinity: such a task would stay PENDING for ever.
      error(r.path + ".cpu", "is more than any machine has (at most " + MAX_CPUS + " cores)");
    } else {
      cpu = cpuNode.asDouble();
    }
    long ram = size(r, "ram");
    long disk = size(r, "disk");
    List<String> ports = r.stringList("ports");
    Set<String> unique = new LinkedHashSet<>();
    for (String port : ports) {
      if (!PORT_NAME.matcher(port).matches()) {
        error(
            r.path + ".ports",
            "port name '" + port + "' must contain only letters, digits, '_' and '-'");
      } else if (!unique.add(port)) {
        error(r.path + ".ports", "port '" + port + "' is listed twice");
      }
    }
    long gpu = r.integer("gpu", 0);
    if (gpu < 0) {
      error(r.path + ".gpu", "must be >= 0");
    } else if (gpu > 0 && !settings.allowGpu()) {
      error(r.path + ".gpu", "GPU resources are not enabled on this cluster");
    }
    r.finish();
    return new Resources(cpu, ram, disk, List.copyOf(unique), gpu);
  }

  /** A RAM or disk size in MiB: a bare number of MB, or a number with MB, GB or TB. */
  private long size(Obj r, String field) {
    r.seen.add(field);
    JsonNode node = r.node.get(field);
    String path = r.path + "." + field;
    if (node == null || node.isNull()) {
      error(path, "is required");
      return 0;
    }
    BigDecimal mb;
    if (node.isNumber() && !node.isBigDecimal() && !Double.isFinite(node.asDouble())) {
      // 1e999 reads as an infinite double, which has no BigDecimal value.
      error(
          path,
          node.asDouble() > 0
              ? "is larger than any machine (at most " + MAX_SIZE_MB + " MB)"
              : "must be > 0");
      return 0;
    } else if (node.isNumber()) {
      mb = node.decimalValue();
    } else if (node.isTextual()) {
      Matcher m = SIZE.matcher(node.asText());
      if (!m.matches()) {
        error(path, "must be a size such as 512MB or 2GB (got '" + node.asText() + "')");
        return 0;
      }
      mb = new BigDecimal(m.group(1)).multiply(unitInMb(m.group(2)));
    } else {
      error(path, "must be a size such as 512MB or 2GB");
      return 0;
    }
    if (mb.signum() <= 0) {
      error(path, "must be > 0");
      return 0;
    }
    if (mb.compareTo(MAX_SIZE_MB) > 0) {
      error(path, "is larger than any machine (at most " + MAX_SIZE_MB + " MB)");
      return 0;
    }
    // Round up: asking for 0.5 MB means asking for something.
    return mb.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
  }

  private static BigDecimal unitInMb(String unit) {
    if (unit == null) {
      return BigDecimal.ONE;
    }
    return switch (Character.toUpperCase(unit.charAt(0))) {
      case 'K' -> BigDecimal.ONE.divide(BigDecimal.valueOf(1024));
      case 'G' -> BigDecimal.valueOf(1024);
      case 'T' -> BigDecimal.valueOf(1024L * 1024);
      default -> BigDecimal.ONE;
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Placement constraints, health checks, update settings, policies

  private Map<String, Constraint> constraints(Obj c, String role) {
    Map<String, Constraint> result = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : c.node.properties()) {
      c.seen.add(e.getKey());
      String path = "constraints." + e.getKey();
      if (!e.getValue().isTextual()) {
        error(path, "must be a string such as \"limit:1\" or \"rack-a,rack-b\"");
        continue;
      }
      String dsl = e.getValue().asText().trim();
      Constraint constraint;
      if (dsl.startsWith("limit:")) {
        try {
          int limit = Integer.parseInt(dsl.substring("limit:".length()).trim());
          if (limit < 1) {
            error(path, "a limit must be >= 1");
            continue;
          }
          constraint = new Constraint.Limit(e.getKey(), limit);
        } catch (NumberFormatException ex) {
          error(path, "'" + dsl + "' is not limit:<number>");
          continue;
        }
      } else {
        boolean negated = dsl.startsWith("!");
        List<String> values = new ArrayList<>();
        for (String v : (negated ? dsl.substring(1) : dsl).split(",")) {
          if (!v.isBlank()) {
            values.add(v.trim());
          }
        }
        if (values.isEmpty()) {
          error(path, "must name at least one value");
          continue;
        }
        constraint = new Constraint.Value(e.getKey(), negated, values);
      }
      if (e.getKey().equals("dedicated")) {
        dedicated(constraint, role, path);
      }
      result.put(e.getKey(), constraint);
    }
    return result;
  }

  private void dedicated(Constraint constraint, String role, String path) {
    if (!(constraint instanceof Constraint.Value v) || v.negated() || v.values().size() != 1) {
      error(path, "a dedicated constraint must be exactly one value of the form role/name");
      return;
    }
    String value = v.values().get(0);
    int slash = value.indexOf('/');
    if (slash <= 0 || slash == value.length() - 1) {
      error(path, "a dedicated constraint must be of the form role/name (got '" + value + "')");
      return;
    }
    String owner = value.substring(0, slash);
    if (!owner.equals("*") && !owner.equals(role)) {
      error(path, "only role '" + owner + "' may use the dedicated pool '" + value + "'");
    }
  }

  private HealthCheck healthCheck(Obj h) {
    HealthCheck.Type type =
        h.string("type")
            .flatMap(t -> enumValue(h.path + ".type", t.toUpperCase(), HealthCheck.Type.class))
            .orElse(HealthCheck.Type.HTTP);
    String endpoint = h.string("endpoint").orElse("/health");
    if (!endpoint.startsWith("/")) {
      error(h.path + ".endpoint", "must start with '/'");
    }
    Optional<String> command = h.string("command");
    if (type == HealthCheck.Type.SHELL && command.isEmpty()) {
      error(h.path + ".command", "is required for a shell health check");
    }
    command.ifPresent(c -> checkTemplate(h.path + ".command", c));
    String expected = h.string("expected_response").orElse("ok");
    int expectedCode = h.integer("expected_response_code", 0);
    int initial = nonNegative(h, "initial_interval_secs", 15);
    int interval = positive(h, "interval_secs", 10);
    int timeout = positive(h, "timeout_secs", 1);
    int maxFailures = nonNegative(h, "max_consecutive_failures", 0);
    int minSuccesses = positive(h, "min_consecutive_successes", 1);
    h.finish();
    return new HealthCheck(
        type,
        endpoint,
        command,
        expected,
        expectedCode,
        initial,
        interval,
        timeout,
        maxFailures,
        minSuccesses);
  }

  private UpdateSettings updateSettings(Obj u) {
    UpdateSettings d = UpdateSettings.DEFAULT;
    int batchSize = positive(u, "batch_size", d.batchSize());
    int watch = nonNegative(u, "watch_secs", d.watchSecs());
    int perShard = nonNegative(u, "max_per_shard_failures", d.maxPerShardFailures());
    int total = nonNegative(u, "max_total_failures", d.maxTotalFailures());
    boolean rollback = u.bool("rollback_on_failure", d.rollbackOnFailure());
    boolean waitBatch = u.bool("wait_for_batch_completion", d.waitForBatchCompletion());
    Optional<Long> pulse = u.nullableLong("pulse_interval_secs");
    pulse.filter(p -> p <= 0).ifPresent(p -> error(u.path + ".pulse_interval_secs", "must be > 0"));
    boolean slaAware = u.bool("sla_aware", d.slaAware());
    Optional<Long> deadline = u.nullableLong("progress_deadline_secs");
    deadline
        .filter(p -> p <= 0)
        .ifPresent(p -> error(u.path + ".progress_deadline_secs", "must be > 0"));
    UpdateStrategy strategy =
        u.object("strategy")
            .map(this::strategy)
            .orElse(
                waitBatch
                    ? new UpdateStrategy.Batch(batchSize, false)
                    : new UpdateStrategy.Queue(batchSize));
    u.finish();
    return new UpdateSettings(
        batchSize, watch, perShard, total, rollback, waitBatch, pulse, slaAware, deadline,
        strategy);
  }

  private UpdateStrategy strategy(Obj s) {
    Set<String> kinds = new LinkedHashSet<>();
    s.node.fieldNames().forEachRemaining(kinds::add);
    if (kinds.size() != 1) {
      s.seen.addAll(kinds);
      error(s.path, "must have exactly one of queue, batch or variable_batch");
      return new UpdateStrategy.Queue(1);
    }
    String kind = kinds.iterator().next();
    Optional<Obj> body = s.object(kind);
    s.finish();
    if (body.isEmpty()) {
      return new UpdateStrategy.Queue(1);
    }
    Obj b = body.get();
    UpdateStrategy result;
    switch (kind) {
      case "queue" -> result = new UpdateStrategy.Queue(positive(b, "batch_size", 1));
      case "batch" ->
          result =
              new UpdateStrategy.Batch(
                  positive(b, "batch_size", 1), b.bool("autopause_after_batch", false));
      case "variable_batch" -> {
        List<Integer> sizes = b.intList("batch_sizes");
        if (sizes.isEmpty()) {
          error(b.path + ".batch_sizes", "must list at least one group size");
        }
        if (sizes.stream().anyMatch(x -> x < 1)) {
          error(b.path + ".batch_sizes", "every group size must be >= 1");
        }
        result = new UpdateStrategy.VariableBatch(sizes, b.bool("autopause_after_batch", false));
      }
      default -> {
        error(s.path + "." + kind, "is not a strategy (queue, batch or variable_batch)");
        return new UpdateStrategy.Queue(1);
      }
    }
    b.finish();
    return result;
  }

  private PartitionPolicy partitionPolicy(Obj p) {
    boolean reschedule = p.bool("reschedule", true);
    long delay = p.longValue("delay_secs", 0);
    if (delay < 0) {
      error(p.path + ".delay_secs", "must be >= 0");
    }
    p.finish();
    return new PartitionPolicy(reschedule, delay);
  }

  private SlaPolicy slaPolicy(Obj s, String tier, int instances) {
    boolean production = Tiers.ALL.containsKey(tier) && Tiers.ALL.get(tier).production();
    if (!production) {
      error(s.path, "an SLA policy is only allowed for production tiers");
    }
    SlaPolicy result;
    if (s.node.has("coordinator_url")) {
      String url = s.string("coordinator_url").orElse("");
      if (!url.startsWith("http://") && !url.startsWith("https://")) {
        error(s.path + ".coordinator_url", "must be an http(s) URL");
      }
      result = new SlaPolicy.Coordinator(url, s.string("status_key").orElse("drain"));
    } else {
      long duration = s.longValue("duration_secs", 0);
      if (duration < 0 || duration > settings.maxSlaDurationSecs()) {
        error(s.path + ".duration_secs", "must be between 0 and " + settings.maxSlaDurationSecs());
      }
      if (instances < settings.minRequiredInstancesForSlaCheck()) {
        error(
            s.path,
            "needs at least "
                + settings.minRequiredInstancesForSlaCheck()
                + " instances (the job has "
                + instances
                + ")");
      }
      if (s.node.has("percentage") == s.node.has("count")) {
        error(s.path, "must have exactly one of percentage, count or coordinator_url");
        s.seen.add("percentage");
        s.seen.add("count");
        result = new SlaPolicy.Count(1, duration);
      } else if (s.node.has("percentage")) {
        double pct = s.number("percentage", 0);
        if (pct <= 0 || pct > 100) {
          error(s.path + ".percentage", "must be > 0 and <= 100");
        } else if (instances - instances * pct / 100 < 1) {
          error(s.path + ".percentage", "leaves no instance that may be taken down");
        }
        result = new SlaPolicy.Percentage(pct, duration);
      } else {
        int count = s.integer("count", 0);
        if (count <= 0) {
          error(s.path + ".count", "must be > 0");
        } else if (instances - count < 1) {
          error(s.path + ".count", "leaves no instance that may be taken down");
        }
        result = new SlaPolicy.Count(count, duration);
      }
    }
    s.finish();
    return result;
  }

  private Container container(Obj c) {
    Container result = null;
    if (c.node.size() != 1) {
      error(c.path, "must have exactly one of docker or mesos");
      c.node.fieldNames().forEachRemaining(c.seen::add);
    } else if (c.node.has("docker")) {
      Obj d = c.object("docker").orElse(null);
      if (d != null) {
        Optional<String> image = d.string("image");
        if (image.isEmpty()) {
          error(d.path + ".image", "is required");
        }
        List<Container.Parameter> params = new ArrayList<>();
        for (Obj p : d.objectList("parameters")) {
          params.add(
              new Container.Parameter(p.string("name").orElse(""), p.string("value").orElse("")));
          p.finish();
        }
        d.finish();
        result = new Container.Docker(image.orElse(""), params);
      }
    } else if (c.node.has("mesos")) {
      Obj m = c.object("mesos").orElse(null);
      if (m != null) {
        result = new Container.Mesos(m.string("image"));
        m.finish();
      }
    }
    c.finish();
    if (result != null && !settings.allowedContainerTypes().contains(result.typeName())) {
      error(
          c.path,
          "container type "
              + result.typeName()
              + " is not allowed on this cluster (allowed: "
              + new java.util.TreeSet<>(settings.allowedContainerTypes())
              + ")");
    }
    return result;
  }

  // ---------------------------------------------------------------------------------------------
  // Templating: every {{...}} must be one Borealis fills in; ports named there are requested.

  private void checkTemplate(String path, String text) {
    for (Placeholders.Problem p : Placeholders.problems(text, PORT_NAME)) {
      error(path, p.message());
    }
  }

  /** Aurora requests every port a command line refers to, whether or not resources lists it. */
  private static Resources withReferencedPorts(
      Resources resources, List<ProcessConfig> processes, Optional<HealthCheck> healthCheck) {
    Set<String> ports = new LinkedHashSet<>(resources.ports());
    List<String> texts = new ArrayList<>();
    for (ProcessConfig p : processes) {
      texts.add(p.cmdline());
      texts.addAll(p.env().values());
    }
    healthCheck.flatMap(HealthCheck::command).ifPresent(texts::add);
    for (String text : texts) {
      ports.addAll(Placeholders.ports(text));
    }
    if (healthCheck.isPresent()
        && healthCheck.get().type() == HealthCheck.Type.HTTP
        && !ports.contains("health")
        && !ports.contains("http")) {
      ports.add("health");
    }
    return new Resources(
        resources.cpu(),
        resources.ramMb(),
        resources.diskMb(),
        List.copyOf(ports),
        resources.gpu());
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private int nonNegative(Obj o, String field, int dflt) {
    int v = o.integer(field, dflt);
    if (v < 0) {
      error(o.path + "." + field, "must be >= 0");
    }
    return v;
  }

  private int positive(Obj o, String field, int dflt) {
    int v = o.integer(field, dflt);
    if (v < 1) {
      error(o.path + "." + field, "must be >= 1");
    }
    return v;
  }

  private <E extends Enum<E>> Optional<E> enumValue(String path, String value, Class<E> type) {
    try {
      return Optional.of(Enum.valueOf(type, value));
    } catch (IllegalArgumentException e) {
      List<String> names = new ArrayList<>();
      for (E c : type.getEnumConstants()) {
        names.add(c.name());
      }
      error(path, "must be one of " + names + " (got '" + value + "')");
      return Optional.empty();
    }
  }

  private void error(String field, String message) {
    errors.add(new FieldError(field.isEmpty() ? "(body)" : field, message));
  }

  /** One JSON object being read: remembers which fields were read to report the unknown ones. */
  private final class Obj {
    final ObjectNode node;
    final String path;
    final Set<String> seen = new HashSet<>();

    Obj(ObjectNode node, String path) {
      this.node = node;
      this.path = path;
    }

    private String at(String field) {
      return path.isEmpty() ? field : path + "." + field;
    }

    boolean absent(String field) {
      JsonNode n = node.get(field);
      return n == null || n.isNull();
    }

    private JsonNode get(String field) {
      seen.add(field);
      JsonNode n = node.get(field);
      return n == null || n.isNull() ? null : n;
    }

    Optional<String> string(String field) {
      JsonNode n = get(field);
      if (n == null) {
        return Optional.empty();
      }
      if (!n.isTextual()) {
        error(at(field), "must be a string");
        return Optional.empty();
      }
      return Optional.of(n.asText());
    }

    Optional<String> nullableString(String field) {
      return string(field).filter(s -> !s.isBlank());
    }

    boolean bool(String field, boolean dflt) {
      JsonNode n = get(field);
      if (n == null) {
        return dflt;
      }
      if (!n.isBoolean()) {
        error(at(field), "must be true or false");
        return dflt;
      }
      return n.asBoolean();
    }

    int integer(String field, int dflt) {
      JsonNode n = get(field);
      if (n == null) {
        return dflt;
      }
      if (!n.isIntegralNumber() || !n.canConvertToInt()) {
        error(at(field), "must be a whole number");
        return dflt;
      }
      return n.asInt();
    }

    long longValue(String field, long dflt) {
      JsonNode n = get(field);
      if (n == null) {
        return dflt;
      }
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        error(at(field), "must be a whole number");
        return dflt;
      }
      return n.asLong();
    }

    /** Empty when absent, null or (reported) not a whole number, so no range check follows. */
    Optional<Long> nullableLong(String field) {
      JsonNode n = get(field);
      if (n == null) {
        return Optional.empty();
      }
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        error(at(field), "must be a whole number");
        return Optional.empty();
      }
      return Optional.of(n.asLong());
    }

    double number(String field, double dflt) {
      JsonNode n = get(field);
      if (n == null) {
        return dflt;
      }
      if (!n.isNumber()) {
        error(at(field), "must be a number");
        return dflt;
      }
      return n.asDouble();
    }

    Optional<Obj> object(String field) {
      JsonNode n = get(field);
      if (n == null) {
        return Optional.empty();
      }
      if (!n.isObject()) {
        error(at(field), "must be an object");
        return Optional.empty();
      }
      return Optional.of(new Obj((ObjectNode) n, at(field)));
    }

    List<Obj> objectList(String field) {
      JsonNode n = get(field);
      if (n == null) {
        return List.of();
      }
      if (!n.isArray()) {
        error(at(field), "must be a list");
        return List.of();
      }
      List<Obj> result = new ArrayList<>();
      for (int i = 0; i < n.size(); i++) {
        if (!n.get(i).isObject()) {
          error(at(field) + "[" + i + "]", "must be an object");
        } else {
          result.add(new Obj((ObjectNode) n.get(i), at(field) + "[" + i + "]"));
        }
      }
      return result;
    }

    <T> List<T> list(String field, Function<JsonNode, Optional<T>> item, String what) {
      JsonNode n = get(field);
      if (n == null) {
        return List.of();
      }
      if (!n.isArray()) {
        error(at(field), "must be a list of " + what);
        return List.of();
      }
      List<T> result = new ArrayList<>();
      for (int i = 0; i < n.size(); i++) {
        Optional<T> v = item.apply(n.get(i));
        if (v.isEmpty()) {
          error(at(field) + "[" + i + "]", "must be " + what.replaceAll("s$", ""));
        } else {
          result.add(v.get());
        }
      }
      return result;
    }

    List<String> stringList(String field) {
      return list(
          field, j -> j.isTextual() ? Optional.of(j.asText()) : Optional.empty(), "strings");
    }

    List<Integer> intList(String field) {
      return list(
          field,
          j ->
              j.isIntegralNumber() && j.canConvertToInt()
                  ? Optional.of(j.asInt())
                  : Optional.empty(),
          "whole numbers");
    }

    Map<String, String> stringMap(String field) {
      JsonNode n = get(field);
      if (n == null) {
        return Map.of();
      }
      if (!n.isObject()) {
        error(at(field), "must be an object of string values");
        return Map.of();
      }
      Map<String, String> result = new LinkedHashMap<>();
      n.properties()
          .forEach(
              e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                  result.put(e.getKey(), e.getValue().asText());
                } else {
                  error(at(field) + "." + e.getKey(), "must be a string");
                }
              });
      return Collections.unmodifiableMap(result);
    }

    /** Reports every field of this object that nothing read, with the one it may stand for. */
    void finish() {
      node.fieldNames()
          .forEachRemaining(
              f -> {
                if (!seen.contains(f)) {
                  error(at(f), "is not a known field" + suggestion(f, seen));
                }
              });
    }
  }

  /** Aurora's names that a Borealis job file spells otherwise, with what to write instead. */
  private static final Map<String, String> AURORA_NAMES =
      Map.of(
          "production", " (it follows from tier: tier preferred is production)",
          "health_check_config", " (did you mean health_check?)",
          "min_duration", " (did you mean min_duration_secs?)");

  /**
   * For a field nobody reads, the known field of the same object it is probably a misspelling of
   * (the same letters but for case, {@code _} and {@code -}, or at most two edits away).
   */
  static String suggestion(String unknown, Set<String> known) {
    if (AURORA_NAMES.containsKey(unknown)) {
      return AURORA_NAMES.get(unknown);
    }
    String bare = unknown.toLowerCase(java.util.Locale.ROOT).replaceAll("[_-]", "");
    return known.stream()
        .filter(
            k ->
                k.replace("_", "").equals(bare)
                    || (unknown.length() > 3 && editDistance(unknown, k) <= 2))
        .sorted(
            Comparator.comparingInt((String k) -> editDistance(unknown, k)).thenComparing(k -> k))
        .findFirst()
        .map(k -> " (did you mean " + k + "?)")
        .orElse("");
  }

  private static int editDistance(String a, String b) {
    int[] row = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      row[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int diagonal = row[0];
      row[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int above = row[j];
        row[j] =
            Math.min(
                Math.min(row[j] + 1, row[j - 1] + 1),
                diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length()];
  }

  /** The first final process this order puts before a regular one, with that regular one. */
  private static Optional<List<String>> finalBeforeRegular(
      List<String> seq, List<ProcessConfig> processes) {
    Set<String> finals = new HashSet<>();
    Set<String> regulars = new HashSet<>();
    for (ProcessConfig p : processes) {
      (p.finalProcess() ? finals : regulars).add(p.name());
    }
    for (int i = 0; i < seq.size(); i++) {
      if (finals.contains(seq.get(i))) {
        for (int j = i + 1; j < seq.size(); j++) {
          if (regulars.contains(seq.get(j))) {
            return Optional.of(List.of(seq.get(i), seq.get(j)));
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The processes (in the task's order) that the order constraints leave waiting for one another:
   * those in a cycle, and those ordered after one. Empty when every process can start.
   */
  private static List<String> waitingForEachOther(
      List<List<String>> order, List<ProcessConfig> processes) {
    Map<String, Set<String>> before = new HashMap<>();
    for (ProcessConfig p : processes) {
      before.put(p.name(), new HashSet<>());
    }
    for (List<String> seq : order) {
      for (int i = 1; i < seq.size(); i++) {
        if (before.containsKey(seq.get(i)) && before.containsKey(seq.get(i - 1))) {
          before.get(seq.get(i)).add(seq.get(i - 1));
        }
      }
    }
    Set<String> started = new HashSet<>();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Map.Entry<String, Set<String>> e : before.entrySet()) {
        if (!started.contains(e.getKey()) && started.containsAll(e.getValue())) {
          started.add(e.getKey());
          progress = true;
        }
      }
    }
    List<String> waiting = new ArrayList<>();
    for (ProcessConfig p : processes) {
      if (before.containsKey(p.name())
          && !started.contains(p.name())
          && !waiting.contains(p.name())) {
        waiting.add(p.name());
      }
    }
    return waiting;
  }
}
