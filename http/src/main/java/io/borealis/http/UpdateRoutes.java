package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.model.FieldError;
import io.borealis.model.JobConfigParser;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.UpdateSettings;
import io.borealis.persistence.UpdateHistory;
import io.borealis.update.JobUpdateEntity;
import io.borealis.update.OperatorAction;
import io.borealis.update.UpdateKey;
import io.borealis.update.UpdateStatus;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Job updates (http-api.md "Job updates", aurora-semantics §4 and §12): start, list, read (with
 * long-poll), pause, resume, abort, roll back and pulse. An update is named by its job and id;
 * every route on one update takes either the bare id ({@code /updates/{id}}) or the whole key
 * ({@code /updates/{role}/{env}/{name}/{id}}), since ids are unique per job only: a bare id that
 * two jobs use is a 409 naming them.
 */
final class UpdateRoutes extends ApiDirectives {

  private static final String JOB_UPDATES = "/api/v1/jobs/{role}/{env}/{name}/updates";
  private static final String BY_ID = "/api/v1/updates/{id}";
  private static final String BY_KEY = "/api/v1/updates/{role}/{env}/{name}/{id}";
  private static final Set<String> READ_PARAMS = Set.of("index", "wait");
  private static final Set<String> LIST_PARAMS =
      Set.of("index", "wait", "role", "job", "status", "user", "offset", "limit");
  private static final String METADATA_PARAM = "metadata.";

  UpdateRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    List<Endpoint> endpoints = new ArrayList<>();
    endpoints.add(
        Endpoint.post(JOB_UPDATES, this::start).needs("update:start:{role}/{env}/{name}"));
    endpoints.add(Endpoint.get("/api/v1/updates", path -> list()));
    for (String base : List.of(BY_ID, BY_KEY)) {
      endpoints.add(Endpoint.get(base, this::get));
      for (OperatorAction action : OperatorAction.values()) {
        String verb = action.name().toLowerCase(Locale.ROOT);
        endpoints.add(
            Endpoint.post(base + "/" + verb, path -> act(path, action))
                .needs(path -> permission(verb, path)));
      }
      endpoints.add(
          Endpoint.post(base + "/pulse", this::pulse).needs(path -> permission("pulse", path)));
    }
    return endpoints;
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /**
   * What an action on one update needs: {@code update:VERB:ROLE/ENV/NAME} of its job. A bare id is
   * looked up in the view; one that names no update, or several, needs the permission for every job
   * ({@code *}, which only a wildcard grant implies), so an unknown id tells a caller without it
   * nothing.
   */
  private io.borealis.http.auth.Permission.Required permission(String verb, Endpoint.Args path) {
    var base = io.borealis.http.auth.Permission.Required.of("update", verb);
    if (path.get("role") != null) {
      return base.then(path.get("role"), path.get("env"), path.get("name"));
    }
    List<UpdateKey> keys = ctx.view().updatesWithId(path.get("id"));
    if (keys.size() != 1) {
      return base.then("*", "*", "*");
    }
    JobKey job = keys.get(0).job();
    return base.then(job.role(), job.environment(), job.name());
  }

  /**
   * {@code POST /jobs/{role}/{env}/{name}/updates} {@code {job, settings?, instances?, id?,
   * metadata?, message?}}: {@code job} is a job configuration read as the create route reads it,
   * {@code settings} overrides fields of its {@code update_config}, {@code instances} limits the
   * update to those instances.
   */
  private Route start(Endpoint.Args path) {
    return input(
        Set.of(),
        in -> {
          JobKey key = JobRoutes.jobKey(path, in);
          return fields(
              in,
              false,
              body -> {
                Optional<JobConfiguration> proposed = proposed(key, body, in);
                Optional<List<Integer>> scope =
                    JobRoutes.instances(body, "instances", ctx.validation().maxTasksPerJob());
                Optional<String> id = body.string("id");
                id.filter(i -> !UpdateKey.ID.matcher(i).matches())
                    .ifPresent(
                        i ->
                            body.error(
                                "id",
                                "must be 1-128 characters of letters, digits, '.', '_' and '-'"));
                Map<String, String> metadata = metadata(body);
                Optional<String> message = body.string("message");
                body.done();
                JobConfiguration config = proposed.orElseThrow();
                return acting(
                    as ->
                        admitted(
                            1,
                            () ->
                                as.updates()
                                    .start(
                                        key,
                                        config,
                                        Set.copyOf(scope.orElse(List.of())),
                                        id,
                                        metadata,
                                        message)
                                    .thenApply(UpdateRoutes::started)));
              });
        });
  }

  private static org.apache.pekko.http.javadsl.model.HttpResponse started(
      JobUpdateEntity.Started s) {
    if (!s.created()) {
      return json(StatusCodes.OK, new Views.UpdateUnchanged(s.message()));
    }
    return json(
            StatusCodes.CREATED,
            new Views.UpdateStarted(s.key().id(), s.status().orElseThrow().name()))
        .addHeader(Location.create("/api/v1/updates/" + s.key()));
  }

  /**
   * The proposed job: the body's {@code job} with {@code settings} laid over its {@code
   * update_config}, parsed as a create parses it, every problem named by its place in the body.
   */
  private Optional<JobConfiguration> proposed(JobKey key, JsonFields body, Input in) {
    Optional<JsonNode> job = body.any("job");
    Optional<JsonNode> settings = body.any("settings");
    if (job.isEmpty()) {
      body.error("job", "is required (the job configuration to update to)");
    } else if (!job.get().isObject()) {
      body.error("job", "must be a job configuration (a JSON object)");
    }
    if (settings.isPresent() && !settings.get().isObject()) {
      body.error("settings", "must be an object of update_config fields");
      settings = Optional.empty();
    }
    if (job.isEmpty() || !job.get().isObject()) {
      return Optional.empty();
    }
    ObjectNode merged = (ObjectNode) job.get().deepCopy();
    Set<String> overridden = new HashSet<>();
    if (settings.isPresent()) {
      JsonNode own = merged.get("update_config");
      ObjectNode update =
          own != null && own.isObject() ? (ObjectNode) own : Json.MAPPER.createObjectNode();
      settings.get().fieldNames().forEachRemaining(overridden::add);
      update.setAll((ObjectNode) settings.get().deepCopy());
      merged.set("update_config", update);
    }
    JobConfigParser.Result result =
        JobConfigParser.parse(merged, ctx.validation(), Optional.of(key));
    for (FieldError e : result.errors()) {
      in.problem(fieldOf(e.field(), overridden), e.message());
    }
    Optional<JobConfiguration> config = result.config();
    config.ifPresent(
        c -> {
          if (c.cronSchedule().isPresent()) {
            in.problem(
                "job.cron_schedule",
                "Cron jobs may only be created/updated by calling scheduleCronJob.");
          }
          if (!c.task().service()) {
            in.problem("job.service", "Updates are not supported for non-service tasks.");
          }
          UpdateSettings rules = c.updateConfig();
          if (rules.slaAware() && c.task().slaPolicy().isEmpty()) {
            in.problem(
                fieldOf("update_config.sla_aware", overridden),
                "needs the job's sla_policy (an SLA-aware update kills only what it allows)");
          }
          long failures = (long) rules.maxPerShardFailures() * c.instances();
          if (failures > JobUpdateEntity.MAX_UPDATE_INSTANCE_FAILURES) {
            in.problem(
                fieldOf("update_config.max_per_shard_failures", overridden),
                "times the job's "
                    + c.instances()
                    + " instances is "
                    + failures
                    + ", more than the "
                    + JobUpdateEntity.MAX_UPDATE_INSTANCE_FAILURES
                    + " allowed");
          }
        });
    return config;
  }

  /**
   * Where a problem of the merged job configuration lies in the request: under {@code settings}
   * when it is in an {@code update_config} field the settings gave, else under {@code job}.
   */
  static String fieldOf(String field, Set<String> overridden) {
    String prefix = "update_config.";
    if (field.startsWith(prefix)) {
      String rest = field.substring(prefix.length());
      int end = rest.indexOf('.');
      if (overridden.contains(end < 0 ? rest : rest.substring(0, end))) {
        return "settings." + rest;
      }
    }
    return field.isEmpty() ? "job" : "job." + field;
  }

  /** {@code metadata}: an object of strings, each problem named {@code metadata.KEY}. */
  private static Map<String, String> metadata(JsonFields body) {
    Optional<JsonNode> node = body.any("metadata");
    if (node.isEmpty()) {
      return Map.of();
    }
    if (!node.get().isObject()) {
      body.error("metadata", "must be an object of string keys and string values");
      return Map.of();
    }
    Map<String, String> metadata = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : node.get().properties()) {
      if (e.getKey().isEmpty()) {
        body.error("metadata", "keys must not be empty");
      } else if (!e.getValue().isTextual()) {
        body.error("metadata." + e.getKey(), "must be a string");
      } else {
        metadata.put(e.getKey(), e.getValue().asText());
      }
    }
    return metadata;
  }

  /** Pause, resume, abort or roll back, with an optional {@code message}. */
  private Route act(Endpoint.Args path, OperatorAction action) {
    return command(
        path,
        body -> {
          Optional<String> message = body.string("message");
          return key ->
              acting(
                  as ->
                      admitted(
                          1,
                          () ->
                              as.updates()
                                  .act(key, action, message)
                                  .thenApply(
                                      acted ->
                                          json(
                                              StatusCodes.OK,
                                              new Views.UpdateActed(
                                                  acted.key().id(),
                                                  acted.status().name(),
                                                  acted
                                                      .rollback()
                                                      .map(UpdateKey::id)
                                                      .orElse(null))))));
        },
        id -> notFound(noSuchUpdate(id)));
  }

  /**
   * A pulse for a coordinated update: {@code OK}, or {@code FINISHED} when it is not active, also
   * for an update this node does not know by its id (as Aurora answers an unknown key).
   */
  private Route pulse(Endpoint.Args path) {
    return command(
        path,
        body ->
            key ->
                acting(
                    as ->
                        admitted(
                            1,
                            () ->
                                as.updates()
                                    .pulse(key)
                                    .thenApply(
                                        status ->
                                            json(
                                                StatusCodes.OK,
                                                new Views.PulseView(status.name()))))),
        id -> ok(new Views.PulseView("FINISHED")));
  }

  /** Reads a command's body; what it returns runs the command on the update. */
  private interface UpdateCommand {
    Function<UpdateKey, Route> read(JsonFields body);
  }

  /**
   * A command on one update: no query, a body whose fields are all optional (read and checked
   * first), then the update the path names; {@code unknown} answers when a bare id names no update
   * this node knows.
   */
  private Route command(
      Endpoint.Args path, UpdateCommand command, Function<String, Route> unknown) {
    return input(
        Set.of(),
        in -> {
          Target target = target(path, in);
          return fields(
              in,
              true,
              body -> {
                Function<UpdateKey, Route> run = command.read(body);
                body.done();
                if (target.key().isPresent()) {
                  return run.apply(target.key().get());
                }
                List<UpdateKey> keys = ctx.view().updatesWithId(target.id());
                if (keys.isEmpty()) {
                  return unknown.apply(target.id());
                }
                if (keys.size() > 1) {
                  return complete(ambiguous(target.id(), keys));
                }
                return run.apply(keys.get(0));
              });
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  private Route list() {
    return parameterMultiMap(
        query -> {
          Set<String> known = new HashSet<>(LIST_PARAMS);
          query.keySet().stream().filter(k -> k.startsWith(METADATA_PARAM)).forEach(known::add);
          Input in = new Input(query, known);
          Optional<String> role = in.query("role");
          Optional<JobKey> job = Optional.empty();
          Optional<String> jobText = in.query("job");
          if (jobText.isPresent()) {
            try {
              job = Optional.of(JobKey.parse(jobText.get()));
            } catch (IllegalArgumentException e) {
              in.problem("job", "must be ROLE/ENV/NAME (" + e.getMessage() + ")");
            }
          }
          Set<UpdateStatus> statuses = statuses(in);
          Optional<String> user = in.query("user");
          Map<String, String> metadata = new LinkedHashMap<>();
          for (String name : new java.util.TreeSet<>(query.keySet())) {
            if (name.startsWith(METADATA_PARAM)) {
              String k = name.substring(METADATA_PARAM.length());
              if (k.isEmpty()) {
                in.problem(name, "must name a metadata key (metadata.KEY=VALUE)");
              } else {
                in.query(name).ifPresent(v -> metadata.put(k, v));
              }
            }
          }
          int offset = in.nonNegative("offset", 0, Integer.MAX_VALUE);
          int max = ctx.settings().maxPageSize();
          int limit = in.nonNegative("limit", max, max);
          UpdateHistory.Query q =
              new UpdateHistory.Query(role, job, statuses, user, metadata, offset, limit);
          return read(in, () -> ok(Views.page(ctx.view().updates(q), Views::updateSummary)));
        });
  }

  private static Set<UpdateStatus> statuses(Input in) {
    Set<UpdateStatus> result = EnumSet.noneOf(UpdateStatus.class);
    Optional<String> v = in.query("status");
    if (v.isEmpty()) {
      return result;
    }
    List<String> bad = new ArrayList<>();
    for (String s : v.get().split(",")) {
      if (s.isBlank()) {
        continue;
      }
      try {
        result.add(UpdateStatus.valueOf(s.strip().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        bad.add(s.strip());
      }
    }
    if (!bad.isEmpty()) {
      in.problem(
          "status",
          "unknown update status "
              + bad
              + " (statuses are "
              + List.of(UpdateStatus.values())
              + ")");
    }
    return result;
  }

  private Route get(Endpoint.Args path) {
    return input(
        READ_PARAMS,
        in -> {
          Target target = target(path, in);
          return read(
              in,
              () -> {
                UpdateKey key;
                if (target.key().isPresent()) {
                  key = target.key().get();
                } else {
                  List<UpdateKey> keys = ctx.view().updatesWithId(target.id());
                  if (keys.size() > 1) {
                    return complete(ambiguous(target.id(), keys));
                  }
                  if (keys.isEmpty()) {
                    return notFound(noSuchUpdate(target.id()));
                  }
                  key = keys.get(0);
                }
                return ctx.view()
                    .update(key)
                    .map(d -> ok(Views.updateDetails(d)))
                    .orElseGet(() -> notFound(noSuchUpdate(key.toString())));
              });
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** The update a path names: its whole key, or a bare id to look up. */
  private record Target(String id, Optional<UpdateKey> key) {}

  private static Target target(Endpoint.Args path, Input in) {
    String id = path.get("id");
    if (!UpdateKey.ID.matcher(id).matches()) {
      in.problem("id", "must be 1-128 characters of letters, digits, '.', '_' and '-'");
    }
    if (path.get("role") == null) {
      in.checked();
      return new Target(id, Optional.empty());
    }
    JobKey job = JobRoutes.jobKey(path, in);
    in.checked();
    return new Target(id, Optional.of(new UpdateKey(job, id)));
  }

  private static String noSuchUpdate(String update) {
    return "Update " + update + " not found";
  }

  private static org.apache.pekko.http.javadsl.model.HttpResponse ambiguous(
      String id, List<UpdateKey> keys) {
    return Problems.of(
        StatusCodes.CONFLICT,
        "Update id "
            + id
            + " is used by several jobs ("
            + keys.stream().map(k -> k.job().toString()).collect(Collectors.joining(", "))
            + "); name it as /api/v1/updates/ROLE/ENV/NAME/"
            + id);
  }
}
