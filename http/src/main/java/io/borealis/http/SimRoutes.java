package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.backend.FleetControl;
import io.borealis.backend.PortRange;
import io.borealis.model.ScheduleStatus;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/** The simulated fleet's control surface; 404 on nodes that run another backend. */
final class SimRoutes extends ApiDirectives {

  /** What every change to the simulated fleet needs. */
  private static final String WRITE = "sim:write";

  private static final Set<ScheduleStatus> REPORTABLE =
      EnumSet.of(
          ScheduleStatus.STARTING,
          ScheduleStatus.RUNNING,
          ScheduleStatus.FINISHED,
          ScheduleStatus.FAILED,
          ScheduleStatus.KILLED,
          ScheduleStatus.LOST,
          ScheduleStatus.PARTITIONED);

  /** A simulated agent, its resources in total and free. */
  record SimAgent(
      String agentId,
      String host,
      Map<String, List<String>> attributes,
      SimTotals total,
      SimTotals free,
      int tasks) {}

  record SimTotals(double cpu, long ramMb, long diskMb, int ports) {}

  record SimBehaviour(boolean autoRun, long startDelayMs, double failRate, long seed) {}

  record AgentLost(String agentId, String message) {}

  record StatusReported(String taskId, String status) {}

  SimRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/api/v1/sim/agents", path -> fleet(path, this::agents)),
        Endpoint.post("/api/v1/sim/agents", path -> fleet(path, this::addAgents)).needs(WRITE),
        Endpoint.post("/api/v1/sim/agents/{agent_id}/lost", path -> fleet(path, this::lose))
            .needs(WRITE),
        Endpoint.post("/api/v1/sim/tasks/{task_id}/status", path -> fleet(path, this::status))
            .needs(WRITE),
        Endpoint.get("/api/v1/sim/behaviour", path -> fleet(path, this::getBehaviour)),
        Endpoint.put("/api/v1/sim/behaviour", path -> fleet(path, this::setBehaviour))
            .needs(WRITE));
  }

  /** What a handler of the simulated fleet does with a request, once it has no query. */
  private interface FleetHandler {
    Route handle(Endpoint.Args path, Input in, FleetControl fleet);
  }

  /** A route of the fleet: a 404 where there is none; no query parameters. */
  private Route fleet(Endpoint.Args path, FleetHandler handler) {
    if (ctx.fleet().isEmpty()) {
      return notFound("This node does not run the simulated backend.");
    }
    return input(Set.of(), in -> handler.handle(path, in, ctx.fleet().get()));
  }

  private Route agents(Endpoint.Args path, Input in, FleetControl fleet) {
    in.checked();
    return completeWithFuture(
        fleet
            .agents()
            .thenApply(agents -> json(StatusCodes.OK, Views.all(agents, SimRoutes::agent))));
  }

  private Route addAgents(Endpoint.Args path, Input in, FleetControl fleet) {
    return fields(
        in,
        false,
        body -> {
          long count = body.whole("count").orElse(1L);
          if (count < 1 || count > 10_000) {
            body.error("count", "must be between 1 and 10000");
          }
          double cpu = body.number("cpu").orElse(8.0);
          if (cpu <= 0) {
            body.error("cpu", "must be > 0");
          }
          long ram = body.whole("ram_mb").orElse(16384L);
          if (ram <= 0) {
            body.error("ram_mb", "must be > 0");
          }
          long disk = body.whole("disk_mb").orElse(102400L);
          if (disk <= 0) {
            body.error("disk_mb", "must be > 0");
          }
          List<PortRange> ports = List.of(new PortRange(31000, 32000));
          Optional<String> portText = body.string("ports");
          if (portText.isPresent()) {
            try {
              ports = PortRange.parseList(portText.get());
            } catch (IllegalArgumentException e) {
              body.error("ports", e.getMessage());
            }
          }
          Map<String, Set<String>> attributes = attributes(body);
          body.done();
          FleetControl.AgentSpec spec =
              new FleetControl.AgentSpec((int) count, cpu, ram, disk, ports, attributes);
          return completeWithFuture(
              fleet
                  .addAgents(spec)
                  .thenApply(
                      added -> json(StatusCodes.CREATED, Views.all(added, SimRoutes::agent))));
        });
  }

  private static Map<String, Set<String>> attributes(JsonFields body) {
    Map<String, Set<String>> attributes = new LinkedHashMap<>();
    Optional<JsonNode> attrs = body.any("attributes");
    if (attrs.isEmpty()) {
      return attributes;
    }
    if (!attrs.get().isObject()) {
      body.error(
          "attributes", "must be an object of attribute names to a value or a list of values");
      return attributes;
    }
    attrs
        .get()
        .properties()
        .forEach(
            e -> {
              Set<String> values = new LinkedHashSet<>();
              if (e.getValue().isTextual()) {
                values.add(e.getValue().asText());
              } else if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
              } else {
                body.error("attributes." + e.getKey(), "must be a string or a list of strings");
              }
              attributes.put(e.getKey(), values);
            });
    return attributes;
  }

  private Route lose(Endpoint.Args path, Input in, FleetControl fleet) {
    in.checked();
    String agent = path.get("agent_id");
    return acting(
        as ->
            onSuccess(
                as.fleet(fleet).loseAgent(agent),
                found ->
                    found
                        ? ok(
                            new AgentLost(
                                agent,
                                "Agent " + agent + " was lost; its tasks are reported LOST."))
                        : notFound("Agent " + agent + " not found")));
  }

  private Route status(Endpoint.Args path, Input in, FleetControl fleet) {
    String taskId = path.get("task_id");
    return fields(
        in,
        false,
        body -> {
          Optional<String> statusText = body.string("status");
          Optional<String> message = body.string("message");
          ScheduleStatus status = null;
          if (!body.has("status")) {
            body.error("status", "is required");
          } else if (statusText.isPresent()) {
            try {
              status = ScheduleStatus.valueOf(statusText.get().toUpperCase());
            } catch (IllegalArgumentException e) {
              status = null;
            }
            if (status == null || !REPORTABLE.contains(status)) {
              body.error("status", "must be one of " + REPORTABLE);
            }
          }
          body.done();
          ScheduleStatus s = status;
          return acting(
              as ->
                  onSuccess(
                      as.fleet(fleet).reportStatus(taskId, s, message),
                      known ->
                          known
                              ? complete(
                                  json(StatusCodes.ACCEPTED, new StatusReported(taskId, s.name())))
                              : notFound("No simulated agent runs task " + taskId)));
        });
  }

  private Route getBehaviour(Endpoint.Args path, Input in, FleetControl fleet) {
    in.checked();
    return onSuccess(fleet.behaviour(), b -> ok(behaviour(b)));
  }

  private Route setBehaviour(Endpoint.Args path, Input in, FleetControl fleet) {
    return fields(
        in,
        false,
        body -> {
          Optional<Boolean> autoRun = body.bool("auto_run");
          Optional<Long> delay = body.whole("start_delay_ms");
          delay
              .filter(d -> d < 0 || d > 3_600_000)
              .ifPresent(d -> body.error("start_delay_ms", "must be between 0 and 3600000"));
          Optional<Double> failRate = body.number("fail_rate");
          failRate
              .filter(f -> f < 0 || f > 1)
              .ifPresent(f -> body.error("fail_rate", "must be between 0 and 1"));
          Optional<Long> seed = body.whole("seed");
          body.done();
          return onSuccess(
              fleet
                  .behaviour()
                  .thenCompose(
                      current ->
                          fleet.setBehaviour(
                              new FleetControl.Behaviour(
                                  autoRun.orElse(current.autoRun()),
                                  delay.orElse(current.startDelayMs()),
                                  failRate.orElse(current.failRate()),
                                  seed.orElse(current.seed())))),
              b -> ok(behaviour(b)));
        });
  }

  private static SimBehaviour behaviour(FleetControl.Behaviour b) {
    return new SimBehaviour(b.autoRun(), b.startDelayMs(), b.failRate(), b.seed());
  }

  private static SimAgent agent(FleetControl.AgentView a) {
    Map<String, List<String>> attributes = new TreeMap<>();
    a.attributes().forEach((k, v) -> attributes.put(k, List.copyOf(new TreeSet<>(v))));
    return new SimAgent(
        a.agentId(), a.host(), attributes, totals(a.total()), totals(a.free()), a.tasks());
  }

  private static SimTotals totals(FleetControl.Totals t) {
    return new SimTotals(t.cpu(), t.ramMb(), t.diskMb(), t.ports());
  }
}
