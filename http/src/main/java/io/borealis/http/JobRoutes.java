package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.common.Users;
import io.borealis.job.JobDiff;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobConfigParser;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.persistence.ReadView;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;

/** Jobs: create, read, kill, restart, add instances, diff, validate; and roles. */
final class JobRoutes {

  private static final String JOB = "/api/v1/jobs/{role}/{env}/{name}";
  private static final Set<String> READ_PARAMS = Set.of("index", "wait");

  private final ApiContext ctx;

  JobRoutes(ApiContext ctx) {
    this.ctx = ctx;
  }

  void register(Router router) {
    router
        .get("/api/v1/jobs", this::list)
        .post(JOB, this::create)
        .get(JOB, this::get)
        .get(JOB + "/tasks", this::tasks)
        .post(JOB + "/kill", this::kill)
        .post(JOB + "/restart", this::restart)
        .post(JOB + "/instances", this::addInstances)
        .post(JOB + "/diff", this::diff)
        .post("/api/v1/config/validate", this::validate)
        .get("/api/v1/roles", this::roles);
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  private CompletionStage<HttpResponse> create(Call call) {
    call.allowQuery(Set.of());
    JobKey key = Params.jobKey(call);
    JobConfiguration config = parse(call, Optional.of(key));
    if (config.cronSchedule().isPresent()) {
      call.problem(
          "cron_schedule", "Cron jobs may only be created/updated by calling scheduleCronJob.");
      call.checked();
    }
    return ctx.admission()
        .admit(
            config.instances(),
            () ->
                ctx.jobs()
                    .create(config, Users.UNSECURE)
                    .thenApply(
                        created -> {
                          ObjectNode body = Json.object();
                          body.put("job_key", created.key().toString());
                          body.put("instances", created.instances());
                          body.put("message", created.message());
                          return Api.json(StatusCodes.CREATED, body)
                              .addHeader(Location.create("/api/v1/jobs/" + key));
                        }));
  }

  private CompletionStage<HttpResponse> kill(Call call) {
    call.allowQuery(Set.of());
    JobKey key = Params.jobKey(call);
    Body body = new Body(call, true);
    Optional<List<Integer>> instances = instances(body, "instances");
    Optional<String> message = body.string("message");
    body.done();
    return ctx.admission()
        .admit(
            weight(key, instances),
            () ->
                ctx.jobs()
                    .kill(key, instances, Users.UNSECURE, message)
                    .thenApply(
                        killed -> {
                          ObjectNode o = Json.object();
                          o.put("job_key", key.toString());
                          o.put("instances", InstanceRanges.format(killed.instances()));
                          o.put("message", killed.message());
                          return Api.json(StatusCodes.OK, o);
                        }));
  }

  private CompletionStage<HttpResponse> restart(Call call) {
    call.allowQuery(Set.of());
    JobKey key = Params.jobKey(call);
    Body body = new Body(call, true);
    Optional<List<Integer>> instances = instances(body, "instances");
    body.done();
    return ctx.admission()
        .admit(
            weight(key, instances),
            () ->
                ctx.jobs()
                    .restart(key, instances, Users.UNSECURE)
                    .thenApply(
                        restarted -> {
                          ObjectNode o = Json.object();
                          o.put("job_key", key.toString());
                          o.put("instances", InstanceRanges.format(restarted.instances()));
                          o.put("message", restarted.message());
                          return Api.json(StatusCodes.OK, o);
                        }));
  }

  private CompletionStage<HttpResponse> addInstances(Call call) {
    call.allowQuery(Set.of());
    JobKey key = Params.jobKey(call);
    Body body = new Body(call, false);
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
    return ctx.admission()
        .admit(
            howMany,
            () ->
                ctx.jobs()
                    .addInstances(key, template.get().intValue(), howMany, Users.UNSECURE)
                    .thenApply(
                        added -> {
                          ObjectNode o = Json.object();
                          o.put("job_key", key.toString());
                          o.put("instances", InstanceRanges.format(added.instances()));
                          o.put("message", added.message());
                          return Api.json(StatusCodes.CREATED, o);
                        }));
  }

  /** How many instance changes a kill or restart hands on: the instances named, else the job's. */
  private int weight(JobKey key, Optional<List<Integer>> instances) {
    return instances
        .map(List::size)
        .orElseGet(() -> ctx.view().summary(key).map(ReadView.JobSummary::instances).orElse(1));
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  private CompletionStage<HttpResponse> list(Call call) {
    call.allowQuery(union(READ_PARAMS, Set.of("role", "env", "offset", "limit")));
    Optional<String> role = call.query("role");
    Optional<String> env = call.query("env");
    int offset = Params.nonNegative(call, "offset", 0, Integer.MAX_VALUE);
    int limit =
        Params.nonNegative(
            call, "limit", ctx.settings().maxPageSize(), ctx.settings().maxPageSize());
    return Api.read(
        ctx,
        call,
        () -> {
          List<ReadView.JobSummary> jobs = ctx.view().jobs(role, env);
          return Api.json(
              StatusCodes.OK,
              Views.list(
                  slice(jobs, offset, limit), Views::jobSummary, jobs.size(), offset, limit));
        });
  }

  private CompletionStage<HttpResponse> get(Call call) {
    call.allowQuery(READ_PARAMS);
    JobKey key = Params.jobKey(call);
    return Api.read(
        ctx,
        call,
        () ->
            ctx.view()
                .job(key)
                .map(d -> Api.json(StatusCodes.OK, Views.jobDetails(d)))
                .orElseGet(() -> Problems.of(StatusCodes.NOT_FOUND, "Job " + key + " not found")));
  }

  private CompletionStage<HttpResponse> tasks(Call call) {
    call.allowQuery(
        union(READ_PARAMS, Set.of("status", "instances", "limit_per_instance", "offset", "limit")));
    JobKey key = Params.jobKey(call);
    ReadView.TaskQuery base = ReadView.TaskQuery.forJob(key);
    ReadView.TaskQuery q =
        TaskRoutes.query(
            ctx, call, base.role(), base.environment(), base.jobName(), Set.of(), Set.of());
    return Api.read(
        ctx,
        call,
        () -> {
          if (ctx.view().job(key).isEmpty()) {
            return Problems.of(StatusCodes.NOT_FOUND, "Job " + key + " not found");
          }
          return Api.json(
              StatusCodes.OK, Views.page(ctx.view().tasks(q), t -> Views.task(t, false)));
        });
  }

  private CompletionStage<HttpResponse> roles(Call call) {
    call.allowQuery(READ_PARAMS);
    return Api.read(
        ctx,
        call,
        () -> {
          List<ReadView.RoleSummary> roles = ctx.view().roles();
          return Api.json(
              StatusCodes.OK,
              Views.list(
                  roles,
                  r ->
                      Json.object()
                          .put("role", r.role())
                          .put("job_count", r.jobs())
                          .put("cron_job_count", r.cronJobs()),
                  roles.size(),
                  0,
                  roles.size()));
        });
  }

  private CompletionStage<HttpResponse> validate(Call call) {
    call.allowQuery(Set.of());
    JobConfiguration config = parse(call, Optional.empty());
    return Api.done(Api.json(StatusCodes.OK, ConfigJson.job(config)));
  }

  /**
   * What an update to this configuration would change (aurora-semantics §4.2): instances to add,
   * remove, update, and those unchanged, each grouped by configuration ({@link JobDiff}).
   */
  private CompletionStage<HttpResponse> diff(Call call) {
    call.allowQuery(Set.of());
    JobKey key = Params.jobKey(call);
    JobConfiguration proposed = parse(call, Optional.of(key));
    return Api.read(
        ctx,
        call,
        () -> {
          JobDiff diff = JobDiff.of(ctx.view().activeConfigs(key), proposed);
          ObjectNode o = Json.object();
          o.put("job_key", key.toString());
          o.set("add", groups(diff.add()));
          o.set("remove", groups(diff.remove()));
          o.set("update", groups(diff.update()));
          o.set("unchanged", groups(diff.unchanged()));
          return Api.json(StatusCodes.OK, o);
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private JobConfiguration parse(Call call, Optional<JobKey> key) {
    JobConfigParser.Result result = JobConfigParser.parse(call.json(false), ctx.validation(), key);
    call.problems(result.errors());
    call.checked();
    return result.get();
  }

  /** An instance set given as a range string ({@code "0-2,5"}) or a list of ids. */
  private Optional<List<Integer>> instances(Body body, String field) {
    Optional<JsonNode> node = body.any(field);
    if (node.isEmpty()) {
      return Optional.empty();
    }
    int max = ctx.validation().maxTasksPerJob();
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

  private static ArrayNode groups(List<JobDiff.Group> groups) {
    ArrayNode a = Json.array();
    for (JobDiff.Group group : groups) {
      ObjectNode g = a.addObject();
      g.put("instances", InstanceRanges.format(group.instances()));
      g.set("config", ConfigJson.task(group.config()));
    }
    return a;
  }

  static <T> List<T> slice(List<T> all, int offset, int limit) {
    int from = Math.min(offset, all.size());
    int to = (int) Math.min((long) from + limit, all.size());
    return all.subList(from, to);
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> s = new java.util.HashSet<>(a);
    s.addAll(b);
    return s;
  }
}
