package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.job.JobDiff;
import io.borealis.model.FieldError;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobConfigParser;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.persistence.QueryService;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.Route;

/** Jobs: create, read, kill, restart, add instances, diff, validate; and roles. */
final class JobRoutes extends ApiDirectives {

  private static final String JOB = "/api/v1/jobs/{role}/{env}/{name}";
  private static final Set<String> READ_PARAMS = Set.of("index", "wait");

  JobRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/api/v1/jobs", path -> list()),
        Endpoint.post(JOB, this::create).needs("job:write:{role}"),
        Endpoint.get(JOB, this::get),
        Endpoint.get(JOB + "/tasks", this::tasks),
        Endpoint.get(JOB + "/pending-reasons", this::pendingReasons),
        Endpoint.post(JOB + "/kill", this::kill).needs("job:write:{role}"),
        Endpoint.post(JOB + "/restart", this::restart).needs("job:write:{role}"),
        Endpoint.post(JOB + "/instances", this::addInstances).needs("job:write:{role}"),
        Endpoint.post(JOB + "/diff", this::diff).reads("job:read:{role}"),
        Endpoint.post("/api/v1/config/validate", path -> validate()).reads("job:read:*"),
        Endpoint.get("/api/v1/roles", path -> roles()));
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  private Route create(Endpoint.Args path) {
    return jobFile(
        path,
        (key, config, in) -> {
          if (config.cronSchedule().isPresent()) {
            in.problem(
                "cron_schedule",
                "Cron jobs may only be created/updated by calling scheduleCronJob.");
            in.checked();
          }
          return acting(
              as ->
                  admitted(
                      config.instances(),
                      () ->
                          as.jobs()
                              .create(config)
                              .thenApply(
                                  created ->
                                      json(
                                              StatusCodes.CREATED,
                                              new Views.JobCreated(
                                                  created.key().toString(),
                                                  created.instances(),
                                                  created.message()))
                                          .addHeader(Location.create("/api/v1/jobs/" + key)))));
        });
  }

  private Route kill(Endpoint.Args path) {
    return instanceCommand(
        path,
        true,
        (key, body) -> {
          Optional<List<Integer>> instances = instances(body, "instances");
          Optional<String> message = body.string("message");
          body.done();
          return new Write(
              weight(key, instances),
              StatusCodes.OK,
              as ->
                  as.jobs()
                      .kill(key, instances, message)
                      .thenApply(killed -> changed(key, killed.instances(), killed.message())));
        });
  }

  private Route restart(Endpoint.Args path) {
    return instanceCommand(
        path,
        true,
        (key, body) -> {
          Optional<List<Integer>> instances = instances(body, "instances");
          body.done();
          return new Write(
              weight(key, instances),
              StatusCodes.OK,
              as ->
                  as.jobs()
                      .restart(key, instances)
                      .thenApply(done -> changed(key, done.instances(), done.message())));
        });
  }

  private Route addInstances(Endpoint.Args path) {
    return instanceCommand(
        path,
        false,
        (key, body) -> {
          Optional<Long> template = body.whole("template_instance");
          Optional<Long> count = body.whole("count");
          int max = ctx.validation().maxTasksPerJob();
          if (!body.has("template_instance")) {
            body.error("template_instance", "is required");
          } else if (template.isPresent() && (template.get() < 0 || template.get() >= max)) {
            body.error("template_instance", "must be an instance id between 0 and " + (max - 1));
          }
          if (!body.has("count")) {
            body.error("count", "is required");
          } else if (count.isPresent() && (count.get() < 1 || count.get() > max)) {
            body.error("count", "must be between 1 and " + max);
          }
          body.done();
          int howMany = count.get().intValue();
          return new Write(
              howMany,
              StatusCodes.CREATED,
              as ->
                  as.jobs()
                      .addInstances(key, template.get().intValue(), howMany)
                      .thenApply(added -> changed(key, added.instances(), added.message())));
        });
  }

  /**
   * A checked command on a job's instances: how many instance changes it hands on, the status of
   * its success, and the change itself on behalf of the acting user.
   */
  private record Write(
      int weight,
      StatusCode status,
      Function<Acting, CompletionStage<Views.InstancesChanged>> run) {}

  /** Reads and checks the body of a command on a job's instances. */
  private interface Command {
    Write read(JobKey key, JsonFields body);
  }

  /**
   * A kill, restart or add-instances: no query, the job's key from the path, a small JSON body
   * ({@code emptyIsObject} when every field is optional), then the write on the caller's behalf.
   */
  private Route instanceCommand(Endpoint.Args path, boolean emptyIsObject, Command command) {
    return input(
        Set.of(),
        in -> {
          JobKey key = jobKey(path, in);
          return fields(
              in,
              emptyIsObject,
              body -> {
                Write write = command.read(key, body);
                return acting(
                    as ->
                        admitted(
                            write.weight(),
                            () ->
                                write
                                    .run()
                                    .apply(as)
                                    .thenApply(changed -> json(write.status(), changed))));
              });
        });
  }

  private static Views.InstancesChanged changed(
      JobKey key, List<Integer> instances, String message) {
    return new Views.InstancesChanged(key.toString(), InstanceRanges.format(instances), message);
  }

  /** How many instance changes a kill or restart hands on: the instances named, else the job's. */
  private int weight(JobKey key, Optional<List<Integer>> instances) {
    return instances
        .map(List::size)
        .orElseGet(() -> ctx.view().summary(key).map(QueryService.JobSummary::instances).orElse(1));
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  private Route list() {
    return input(
        union(READ_PARAMS, Set.of("role", "env", "offset", "limit")),
        in -> {
          Optional<String> role = in.query("role");
          Optional<String> env = in.query("env");
          int offset = in.nonNegative("offset", 0, Integer.MAX_VALUE);
          int limit =
              in.nonNegative("limit", ctx.settings().maxPageSize(), ctx.settings().maxPageSize());
          return read(
              in,
              () -> {
                List<QueryService.JobSummary> jobs = ctx.view().jobs(role, env);
                return ok(
                    new Views.Page<>(
                        slice(jobs, offset, limit).stream().map(Views::jobSummary).toList(),
                        jobs.size(),
                        offset,
                        limit));
              });
        });
  }

  private Route get(Endpoint.Args path) {
    return input(
        READ_PARAMS,
        in -> {
          JobKey key = jobKey(path, in);
          return read(
              in,
              () ->
                  ctx.view()
                      .job(key)
                      .map(d -> ok(Views.job(d)))
                      .orElseGet(() -> notFound("Job " + key + " not found")));
        });
  }

  private Route tasks(Endpoint.Args path) {
    return input(
        union(READ_PARAMS, Set.of("status", "instances", "limit_per_instance", "offset", "limit")),
        in -> {
          JobKey key = jobKey(path, in);
          QueryService.TaskQuery base = QueryService.TaskQuery.forJob(key);
          QueryService.TaskQuery q =
              TaskRoutes.query(
                  ctx, in, base.role(), base.environment(), base.jobName(), Set.of(), Set.of());
          return read(
              in,
              () -> {
                if (ctx.view().job(key).isEmpty()) {
                  return notFound("Job " + key + " not found");
                }
                return tasksPage(ctx.view().tasks(q));
              });
        });
  }

  /** Why each PENDING task waits, as placement sees it now (aurora-semantics §3.3). */
  private Route pendingReasons(Endpoint.Args path) {
    return input(
        READ_PARAMS,
        in -> {
          JobKey key = jobKey(path, in);
          return read(
              in,
              () -> {
                if (ctx.view().job(key).isEmpty()) {
                  return notFound("Job " + key + " not found");
                }
                Duration wait = ctx.settings().pendingReasonWait();
                return completeWithFuture(
                    ctx.jobs()
                        .pendingReasons(key, wait)
                        .handle(
                            (reasons, failed) ->
                                failed != null
                                    ? Problems.unavailable(
                                        "Placement did not answer within "
                                            + wait.toMillis()
                                            + " ms; it may be moving to another node. Try"
                                            + " again.")
                                    : json(
                                        StatusCodes.OK,
                                        new Views.PendingReasons(
                                            reasons.stream()
                                                .map(
                                                    r ->
                                                        new Views.PendingReasonView(
                                                            r.taskId(), r.instanceId(), r.reason()))
                                                .toList()))));
              });
        });
  }

  private Route roles() {
    return input(READ_PARAMS, in -> read(in, () -> ok(Views.all(ctx.view().roles(), Views::role))));
  }

  private Route validate() {
    return input(
        Set.of(),
        in -> jsonBody(false, json -> ok(ConfigJson.job(parse(json, in, Optional.empty())))));
  }

  /**
   * What an update to this configuration would change (aurora-semantics §4.2): instances to add,
   * remove, update, and those unchanged, each grouped by configuration ({@link JobDiff}).
   */
  private Route diff(Endpoint.Args path) {
    return jobFile(
        path,
        (key, proposed, in) ->
            read(
                in,
                () -> ok(Views.diff(key, JobDiff.of(ctx.view().activeConfigs(key), proposed)))));
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** What a route does with a job file sent for the job its path names. */
  private interface JobFileHandler {
    Route handle(JobKey key, JobConfiguration config, Input in);
  }

  /** No query, the job's key from the path, and a valid job file for it as the body. */
  private Route jobFile(Endpoint.Args path, JobFileHandler handler) {
    return input(
        Set.of(),
        in -> {
          JobKey key = jobKey(path, in);
          return jsonBody(
              false, json -> handler.handle(key, parse(json, in, Optional.of(key)), in));
        });
  }

  /** The job's key from the path; nothing can be done without a valid one. */
  static JobKey jobKey(Endpoint.Args path, Input in) {
    String role = path.get("role");
    String env = path.get("env");
    String name = path.get("name");
    List<FieldError> errors = JobKey.validate(role, env, name, "");
    if (!errors.isEmpty()) {
      // Report it with whatever else is wrong.
      in.problems(errors);
      in.checked();
    }
    return new JobKey(role, env, name);
  }

  private JobConfiguration parse(JsonNode json, Input in, Optional<JobKey> key) {
    JobConfigParser.Result result = JobConfigParser.parse(json, ctx.validation(), key);
    in.problems(result.errors());
    in.checked();
    return result.get();
  }

  /** An instance set given as a range string ({@code "0-2,5"}) or a list of ids. */
  private Optional<List<Integer>> instances(JsonFields body, String field) {
    return instances(body, field, ctx.validation().maxTasksPerJob());
  }

  /** As {@link #instances(JsonFields, String)}, ids below {@code max}. */
  static Optional<List<Integer>> instances(JsonFields body, String field, int max) {
    Optional<JsonNode> node = body.any(field);
    if (node.isEmpty()) {
      return Optional.empty();
    }
    JsonNode n = node.get();
    if (n.isTextual()) {
      try {
        return Optional.of(List.copyOf(InstanceRanges.parse(n.asText(), max)));
      } catch (IllegalArgumentException e) {
        body.error(field, e.getMessage());
        return Optional.empty();
      }
    }
    if (n.isArray()) {
      TreeSet<Integer> ids = new TreeSet<>();
      for (JsonNode i : n) {
        if (!i.isIntegralNumber() || i.asLong() < 0 || i.asLong() >= max) {
          body.error(field, "must list instance ids between 0 and " + (max - 1));
          return Optional.empty();
        }
        ids.add(i.asInt());
      }
      if (ids.isEmpty()) {
        body.error(field, "must not be empty (leave it out to mean every instance)");
        return Optional.empty();
      }
      return Optional.of(List.copyOf(ids));
    }
    body.error(field, "must be a range such as \"0-3,7\" or a list of instance ids");
    return Optional.empty();
  }

  static <T> List<T> slice(List<T> all, int offset, int limit) {
    int from = Math.min(offset, all.size());
    int to = (int) Math.min((long) from + limit, all.size());
    return all.subList(from, to);
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> s = new HashSet<>(a);
    s.addAll(b);
    return s;
  }
}
