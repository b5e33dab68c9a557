package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** The simulated fleet's control surface; 404 on nodes that run another backend. */
final class SimRoutes {

  private static final Set<ScheduleStatus> REPORTABLE =
      EnumSet.of(
          ScheduleStatus.STARTING,
          ScheduleStatus.RUNNING,
          ScheduleStatus.FINISHED,
          ScheduleStatus.FAILED,
          ScheduleStatus.KILLED,
          ScheduleStatus.LOST,
          ScheduleStatus.PARTITIONED);

  private final ApiContext ctx;

  SimRoutes(ApiContext ctx) {
    this.ctx = ctx;
  }

  void register(Router router) {
    router
        .get("/api/v1/sim/agents", call -> fleet(call, this::agents))
        .post("/api/v1/sim/agents", call -> fleet(call, this::addAgents))
        .post("/api/v1/sim/agents/{agent_id}/lost", call -> fleet(call, this::lose))
        .post("/api/v1/sim/tasks/{task_id}/status", call -> fleet(call, this::status))
        .get("/api/v1/sim/behaviour", call -> fleet(call, this::getBehaviour))
        .put("/api/v1/sim/behaviour", call -> fleet(call, this::setBehaviour));
  }

  private CompletionStage<HttpResponse> fleet(
      Call call,
      java.util.function.BiFunction<Call, FleetControl, CompletionStage<HttpResponse>> handler) {
    if (ctx.fleet().isEmpty()) {
      return Api.done(
          Problems.of(StatusCodes.NOT_FOUND, "This node does not run the simulated backend."));
    }
    return handler.apply(call, ctx.fleet().get());
  }

  private CompletionStage<HttpResponse> agents(Call call, FleetControl fleet) {
    call.allowQuery(Set.of());
    call.checked();
    return fleet
        .agents()
        .thenApply(
            agents ->
                Api.json(
                    StatusCodes.OK,
                    Views.list(agents, SimRoutes::agent, agents.size(), 0, agents.size())));
  }

  private CompletionStage<HttpResponse> addAgents(Call call, FleetControl fleet) {
    call.allowQuery(Set.of());
    Body body = new Body(call, false);
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
    Map<String, Set<String>> attributes = new LinkedHashMap<>();
    Optional<JsonNode> attrs = body.any("attributes");
    if (attrs.isPresent()) {
      if (!attrs.get().isObject()) {
        body.error(
            "attributes", "must be an object of attribute names to a value or a list of values");
      } else {
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
      }
    }
    body.done();
    FleetControl.AgentSpec spec =
        new FleetControl.AgentSpec((int) count, cpu, ram, disk, ports, attributes);
    return fleet
        .addAgents(spec)
        .thenApply(
            added ->
                Api.json(
                    StatusCodes.CREATED,
                    Views.list(added, SimRoutes::agent, added.size(), 0, added.size())));
  }

  private CompletionStage<HttpResponse> lose(Call call, FleetControl fleet) {
    call.allowQuery(Set.of());
    call.checked();
    String agent = call.path("agent_id");
    return fleet
        .loseAgent(agent)
        .thenApply(
            found ->
                found
                    ? Api.json(
                        StatusCodes.OK,
                        Json.object()
                            .put("agent_id", agent)
                            .put(
                                "message",
                                "Agent " + agent + " was lost; its tasks are reported LOST."))
                    : Problems.of(StatusCodes.NOT_FOUND, "Agent " + agent + " not found"));
  }

  private CompletionStage<HttpResponse> status(Call call, FleetControl fleet) {
    call.allowQuery(Set.of());
    String taskId = call.path("task_id");
    Body body = new Body(call, false);
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
    return fleet
        .reportStatus(taskId, s, message)
        .thenApply(
            known ->
                known
                    ? Api.json(
                        StatusCodes.ACCEPTED,
                        Json.object().put("task_id", taskId).put("status", s.name()))
                    : Problems.of(StatusCodes.NOT_FOUND, "No simulated agent runs task " + taskId));
  }

  private CompletionStage<HttpResponse> getBehaviour(Call call, FleetControl fleet) {
    call.allowQuery(Set.of());
    call.checked();
    return fleet.behaviour().thenApply(b -> Api.json(StatusCodes.OK, behaviour(b)));
  }

  private CompletionStage<HttpResponse> setBehaviour(Call call, FleetControl fleet) {
    call.allowQuery(Set.of());
    Body body = new Body(call, false);
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
    return fleet
        .behaviour()
        .thenCompose(
            current ->
                fleet.setBehaviour(
                    new FleetControl.Behaviour(
                        autoRun.orElse(current.autoRun()),
                        delay.orElse(current.startDelayMs()),
                        failRate.orElse(current.failRate()),
                        seed.orElse(current.seed()))))
        .thenApply(b -> Api.json(StatusCodes.OK, behaviour(b)));
  }

  private static ObjectNode behaviour(FleetControl.Behaviour b) {
    return Json.object()
        .put("auto_run", b.autoRun())
        .put("start_delay_ms", b.startDelayMs())
        .put("fail_rate", b.failRate())
        .put("seed", b.seed());
  }

  private static ObjectNode agent(FleetControl.AgentView a) {
    ObjectNode o = Json.object();
    o.put("agent_id", a.agentId());
    o.put("host", a.host());
    ObjectNode attrs = o.putObject("attributes");
    new java.util.TreeMap<>(a.attributes())
        .forEach(
            (k, v) -> {
              var arr = attrs.putArray(k);
              new java.util.TreeSet<>(v).forEach(arr::add);
            });
    Function<FleetControl.Totals, ObjectNode> totals =
        t ->
            Json.object()
                .put("cpu", t.cpu())
                .put("ram_mb", t.ramMb())
                .put("disk_mb", t.diskMb())
                .put("ports", t.ports());
    o.set("total", totals.apply(a.total()));
    o.set("free", totals.apply(a.free()));
    o.put("tasks", a.tasks());
    return o;
  }
}
