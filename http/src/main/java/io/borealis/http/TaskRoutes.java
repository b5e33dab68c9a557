package io.borealis.http;

import io.borealis.model.ScheduleStatus;
import io.borealis.persistence.QueryService;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/** Cluster-wide task queries and one task's history. */
final class TaskRoutes extends ApiDirectives {

  TaskRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/api/v1/tasks", path -> query()),
        Endpoint.get("/api/v1/tasks/{task_id}", path -> one(path.get("task_id"))));
  }

  private Route query() {
    return input(
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
            "limit"),
        in -> {
          QueryService.TaskQuery q =
              query(
                  ctx,
                  in,
                  in.query("role"),
                  in.query("env"),
                  in.query("job"),
                  in.strings("task_id"),
                  in.strings("host"));
          return read(in, () -> tasksPage(ctx.view().tasks(q)));
        });
  }

  private Route one(String id) {
    return input(
        Set.of("index", "wait"),
        in ->
            read(
                in,
                () ->
                    ctx.view()
                        .task(id)
                        .<Route>map(
                            t ->
                                completeWithFuture(
                                    pendingReasons(List.of(t))
                                        .thenApply(
                                            reasons ->
                                                json(
                                                    StatusCodes.OK, Views.task(t, true, reasons)))))
                        .orElseGet(() -> notFound("Task " + id + " not found"))));
  }

  /** The common filters of task lists. */
  static QueryService.TaskQuery query(
      ApiContext ctx,
      Input in,
      Optional<String> role,
      Optional<String> env,
      Optional<String> job,
      Set<String> taskIds,
      Set<String> hosts) {
    Set<ScheduleStatus> statuses = in.statuses("status");
    int max = ctx.validation().maxTasksPerJob();
    Set<Integer> instances = in.instances("instances", max);
    int perInstance = in.nonNegative("limit_per_instance", 0, Integer.MAX_VALUE);
    int offset = in.nonNegative("offset", 0, Integer.MAX_VALUE);
    int limit = in.nonNegative("limit", ctx.settings().maxPageSize(), ctx.settings().maxPageSize());
    return new QueryService.TaskQuery(
        role, env, job, taskIds, statuses, instances, hosts, perInstance, offset, limit);
  }
}
