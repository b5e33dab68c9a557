package io.borealis.http;

import io.borealis.model.ScheduleStatus;
import io.borealis.persistence.ReadView;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** Cluster-wide task queries and one task's history. */
final class TaskRoutes {

  private final ApiContext ctx;

  TaskRoutes(ApiContext ctx) {
    this.ctx = ctx;
  }

  void register(Router router) {
    router.get("/api/v1/tasks", this::query).get("/api/v1/tasks/{task_id}", this::one);
  }

  private CompletionStage<HttpResponse> query(Call call) {
    call.allowQuery(
        Set.of(
            "index",
            "wait",
            "role",
            "env",
            "job",
            "status",
            "host",
            "task_id",
            "instances",
            "limit_per_instance",
            "offset",
            "limit"));
    ReadView.TaskQuery q =
        query(
            ctx,
            call,
            call.query("role"),
            call.query("env"),
            call.query("job"),
            Params.strings(call, "task_id"),
            Params.strings(call, "host"));
    return Api.read(
        ctx,
        call,
        () -> Api.json(StatusCodes.OK, Views.page(ctx.view().tasks(q), t -> Views.task(t, false))));
  }

  private CompletionStage<HttpResponse> one(Call call) {
    call.allowQuery(Set.of("index", "wait"));
    String id = call.path("task_id");
    return Api.read(
        ctx,
        call,
        () ->
            ctx.view()
                .task(id)
                .map(t -> Api.json(StatusCodes.OK, Views.task(t, true)))
                .orElseGet(() -> Problems.of(StatusCodes.NOT_FOUND, "Task " + id + " not found")));
  }

  /** The common filters of task lists. */
  static ReadView.TaskQuery query(
      ApiContext ctx,
      Call call,
      Optional<String> role,
      Optional<String> env,
      Optional<String> job,
      Set<String> taskIds,
      Set<String> hosts) {
    Set<ScheduleStatus> statuses = Params.statuses(call, "status");
    int max = ctx.validation().maxTasksPerJob();
    Set<Integer> instances = Params.instances(call, "instances", max);
    int perInstance = Params.nonNegative(call, "limit_per_instance", 0, Integer.MAX_VALUE);
    int offset = Params.nonNegative(call, "offset", 0, Integer.MAX_VALUE);
    int limit =
        Params.nonNegative(
            call, "limit", ctx.settings().maxPageSize(), ctx.settings().maxPageSize());
    return new ReadView.TaskQuery(
        role, env, job, taskIds, statuses, instances, hosts, perInstance, offset, limit);
  }
}
