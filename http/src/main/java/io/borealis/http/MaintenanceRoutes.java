package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.maintenance.MaintenanceEntity.HostStatuses;
import io.borealis.maintenance.MaintenanceService;
import io.borealis.model.SlaPolicy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Host maintenance (aurora-semantics §3.6): start, drain, sla-drain and end name hosts and answer
 * their modes once the change is persisted; the listing shows every host not in service.
 */
final class MaintenanceRoutes extends ApiDirectives {

  /** What every change of host maintenance needs. */
  private static final String WRITE = "maintenance:write";

  /** Host names are DNS names: no longer than this. */
  static final int MAX_HOST_LENGTH = 255;

  /** Hosts one request may name. */
  static final int MAX_HOSTS = 1000;

  /** A host and its mode. */
  record HostMode(String host, String mode) {}

  /** Hosts and their modes. */
  record HostModes(List<HostMode> items) {}

  MaintenanceRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/api/v1/maintenance", path -> input(Set.of("index", "wait"), this::status)),
        Endpoint.post("/api/v1/maintenance/start", path -> hosts(Acting.Maintenance::start))
            .needs(WRITE),
        Endpoint.post("/api/v1/maintenance/drain", path -> hosts(Acting.Maintenance::drain))
            .needs(WRITE),
        Endpoint.post("/api/v1/maintenance/sla-drain", path -> input(Set.of(), this::slaDrain))
            .needs(WRITE),
        Endpoint.post("/api/v1/maintenance/end", path -> hosts(Acting.Maintenance::end))
            .needs(WRITE));
  }

  /** A read like the others (index and wait honoured), though the modes come from the entity. */
  private Route status(Input in) {
    return read(in, () -> service(m -> onSuccess(m.status(), s -> ok(view(s)))));
  }

  /** An operation that takes {@code {hosts: [...]}} and nothing else, done as the caller. */
  private Route hosts(
      java.util.function.BiFunction<Acting.Maintenance, List<String>, CompletionStage<HostStatuses>>
          operation) {
    return input(
        Set.of(),
        in ->
            fields(
                in,
                false,
                body -> {
                  List<String> hosts = hostList(body);
                  body.done();
                  return service(
                      m ->
                          acting(
                              as ->
                                  onSuccess(
                                      operation.apply(as.maintenance(m), hosts),
                                      s -> ok(view(s)))));
                }));
  }

  private Route slaDrain(Input in) {
    return fields(
        in,
        false,
        body -> {
          List<String> hosts = hostList(body);
          Optional<SlaPolicy> policy = policy(body);
          Optional<Long> timeout = body.whole("timeout_secs");
          if (!body.has("timeout_secs")) {
            body.error("timeout_secs", "is required");
          }
          timeout
              .filter(t -> t < 0 || t > 365L * 24 * 3600)
              .ifPresent(t -> body.error("timeout_secs", "must be between 0 and 31536000"));
          body.done();
          return service(
              m ->
                  acting(
                      as ->
                          onSuccess(
                              as.maintenance(m)
                                  .slaDrain(hosts, policy.orElseThrow(), timeout.orElseThrow()),
                              s -> ok(view(s)))));
        });
  }

  /** The required {@code hosts}: a non-empty list of host names (repeats count once). */
  private static List<String> hostList(JsonFields body) {
    List<String> hosts = new ArrayList<>();
    Optional<JsonNode> node = body.any("hosts");
    if (node.isEmpty()) {
      body.error("hosts", "is required");
      return hosts;
    }
    if (!node.get().isArray()) {
      body.error("hosts", "must be a list of host names");
      return hosts;
    }
    if (node.get().isEmpty() || node.get().size() > MAX_HOSTS) {
      body.error("hosts", "must name between 1 and " + MAX_HOSTS + " hosts");
      return hosts;
    }
    int i = 0;
    for (JsonNode h : node.get()) {
      String field = "hosts[" + i++ + "]";
      if (!h.isTextual() || h.asText().isBlank()) {
        body.error(field, "must be a non-blank host name");
      } else if (h.asText().length() > MAX_HOST_LENGTH) {
        body.error(field, "must be at most " + MAX_HOST_LENGTH + " characters");
      } else if (!h.asText().equals(h.asText().strip())) {
        body.error(field, "must not start or end with whitespace");
      } else {
        hosts.add(h.asText());
      }
    }
    return hosts;
  }

  /**
   * The required {@code policy}: exactly one of {@code {"count": {"count", "duration_secs"}}} or
   * {@code {"percentage": {"percentage", "duration_secs"}}}.
   */
  private static Optional<SlaPolicy> policy(JsonFields body) {
    Optional<JsonNode> node = body.any("policy");
    if (node.isEmpty()) {
      body.error("policy", "is required");
      return Optional.empty();
    }
    JsonNode p = node.get();
    if (!p.isObject() || p.size() != 1 || !(p.has("count") || p.has("percentage"))) {
      body.error("policy", "must be {\"count\": {...}} or {\"percentage\": {...}}");
      return Optional.empty();
    }
    String kind = p.has("count") ? "count" : "percentage";
    String prefix = "policy." + kind;
    JsonNode inner = p.get(kind);
    if (!inner.isObject()) {
      body.error(prefix, "must be an object");
      return Optional.empty();
    }
    boolean bad = false;
    Iterator<String> names = inner.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!name.equals(kind) && !name.equals("duration_secs")) {
        body.error(prefix + "." + name, "is not a known field");
        bad = true;
      }
    }
    long duration = 0;
    JsonNode d = inner.get("duration_secs");
    if (d != null && !d.isNull()) {
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
        body.error(prefix + ".duration_secs", "must be a whole number >= 0");
        bad = true;
      } else {
        duration = d.asLong();
      }
    }
    JsonNode v = inner.get(kind);
    SlaPolicy policy = null;
    if (v == null || v.isNull()) {
      body.error(prefix + "." + kind, "is required");
    } else if (kind.equals("count")) {
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
        body.error(prefix + ".count", "must be a whole number >= 1");
      } else {
        policy = new SlaPolicy.Count(v.asInt(), duration);
      }
    } else {
      if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > 100) {
        body.error(prefix + ".percentage", "must be a number > 0 and <= 100");
      } else {
        policy = new SlaPolicy.Percentage(v.asDouble(), duration);
      }
    }
    return bad ? Optional.empty() : Optional.ofNullable(policy);
  }

  private Route service(Function<MaintenanceService, Route> inner) {
    if (ctx.maintenance() == null) {
      return complete(Problems.unavailable("This node does not serve host maintenance."));
    }
    return inner.apply(ctx.maintenance());
  }

  private static HostModes view(HostStatuses statuses) {
    return new HostModes(
        statuses.items().stream().map(s -> new HostMode(s.host(), s.mode().name())).toList());
  }
}
