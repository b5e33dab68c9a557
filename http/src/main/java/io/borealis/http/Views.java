package io.borealis.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.borealis.job.JobDiff;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.persistence.QueryService;
import io.borealis.persistence.UpdateHistory;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The response records of http-api.md, one per shape, and how each is made from what the write side
 * answers or the read side holds. {@link Json#MAPPER} writes their components in snake_case; a null
 * component is written as {@code null} unless it says it is left out.
 */
final class Views {

  private Views() {}

  // ---------------------------------------------------------------------------------------------
  // Writes

  /** {@code POST /jobs/{role}/{env}/{name}}: 201. */
  record JobCreated(String jobKey, int instances, String message) {}

  /** A kill, restart or add-instances: the instances it changed, as ranges ({@code "0-2,5"}). */
  record InstancesChanged(String jobKey, String instances, String message) {}

  /** {@code POST .../diff}: the instances an update to the proposed configuration would touch. */
  record JobDiffView(
      String jobKey,
      List<ConfigGroupView> add,
      List<ConfigGroupView> remove,
      List<ConfigGroupView> update,
      List<ConfigGroupView> unchanged) {}

  /** {@code POST .../updates}: 201, the update's id (unique within its job) and its status. */
  record UpdateStarted(String updateId, String status) {}

  /** {@code POST .../updates}: 200, nothing to update. */
  record UpdateUnchanged(String message) {}

  /**
   * Pause, resume, abort or roll back: the update's status after it; a rollback of a finished
   * update names the new update that rolls it back.
   */
  record UpdateActed(
      String updateId,
      String status,
      @JsonInclude(JsonInclude.Include.NON_NULL) String rollbackUpdateId) {}

  /** A pulse's answer: {@code OK} or {@code FINISHED}. */
  record PulseView(String status) {}

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** A list: one page of items and where it lies in the whole. */
  record Page<T>(List<T> items, int total, int offset, int limit) {}

  record TaskView(
      String taskId,
      String jobKey,
      int instanceId,
      String status,
      String host,
      String agentId,
      Map<String, Integer> assignedPorts,
      int failureCount,
      String ancestorId,
      String reason,
      String updatedAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) List<TaskEventView> events) {}

  record TaskEventView(String status, String timestamp, String message) {}

  /** Why a PENDING task waits. */
  record PendingReasonView(String taskId, int instanceId, String reason) {}

  record PendingReasons(List<PendingReasonView> items) {}

  record JobSummaryView(
      String jobKey,
      String role,
      String environment,
      String name,
      int instances,
      StatsView stats,
      String cronSchedule,
      String nextCronRun,
      String activeUpdate) {}

  record StatsView(int pending, int active, int finished, int failed) {}

  /** One job: its summary's fields, then its configuration and its groups of instances. */
  record JobView(
      @JsonUnwrapped JobSummaryView summary,
      String createdAt,
      ConfigJson.JobConfigView config,
      List<ConfigGroupView> activeGroups) {}

  /** Instances (as ranges) that share one task configuration. */
  record ConfigGroupView(String instances, ConfigJson.TaskConfigView config) {}

  record RoleView(String role, int jobCount, int cronJobCount) {}

  /** One update in listings. */
  record UpdateSummaryView(
      String updateId,
      String jobKey,
      String status,
      String message,
      String user,
      String createdAt,
      String lastModified,
      Map<String, String> metadata,
      String rollbackOf,
      ProgressView progress) {}

  /** Instances of an update: all, done, being worked on, failed. */
  record ProgressView(int instances, int done, int inFlight, int failed) {}

  /** One update in detail: its summary's fields, then what it was asked and what happened. */
  record UpdateDetailsView(
      @JsonUnwrapped UpdateSummaryView summary,
      ConfigJson.UpdateConfigView settings,
      List<ConfigGroupView> initialState,
      ConfigGroupView desiredState,
      List<UpdateEventView> updateEvents,
      List<InstanceEventView> instanceEvents) {}

  /** A status the update entered; {@code user} is null when it moved by itself. */
  record UpdateEventView(String status, String user, String message, String timestamp) {}

  /** An instance event of an update. */
  record InstanceEventView(int instanceId, String action, String message, String timestamp) {}

  // ---------------------------------------------------------------------------------------------

  static TaskView task(ScheduledTask t, boolean withEvents) {
    return task(t, withEvents, Map.of());
  }

  /**
   * A task; a PENDING one found in {@code pendingReasons} (task id → why placement has not placed
   * it) gives that as its reason, as {@code pending-reasons} does, instead of its last message.
   */
  static TaskView task(ScheduledTask t, boolean withEvents, Map<String, String> pendingReasons) {
    TaskEvent latest = t.latestEvent();
    String reason =
        t.status() == ScheduleStatus.PENDING && pendingReasons.containsKey(t.taskId())
            ? pendingReasons.get(t.taskId())
            : latest.message().orElse(null);
    return new TaskView(
        t.taskId(),
        t.instance().job().toString(),
        t.instance().instanceId(),
        t.status().name(),
        t.assignment().map(a -> a.host()).orElse(null),
        t.assignment().map(a -> a.agentId()).orElse(null),
        t.assignment().map(a -> new TreeMap<>(a.ports())).orElseGet(TreeMap::new),
        t.failureCount(),
        t.ancestorId().orElse(null),
        reason,
        latest.timestamp().toString(),
        withEvents
            ? t.events().stream()
                .map(
                    e ->
                        new TaskEventView(
                            e.status().name(), e.timestamp().toString(), e.message().orElse(null)))
                .toList()
            : null);
  }

  static JobSummaryView jobSummary(QueryService.JobSummary s) {
    JobKey k = s.key();
    QueryService.Stats st = s.stats();
    return new JobSummaryView(
        k.toString(),
        k.role(),
        k.environment(),
        k.name(),
        s.instances(),
        new StatsView(st.pending(), st.active(), st.finished(), st.failed()),
        s.cronSchedule().orElse(null),
        null,
        s.activeUpdate().orElse(null));
  }

  static JobView job(QueryService.JobDetails d) {
    return new JobView(
        jobSummary(d.summary()),
        d.createdAt() == null ? null : d.createdAt().toString(),
        ConfigJson.job(d.config()),
        d.activeGroups().stream()
            .map(g -> new ConfigGroupView(g.ranges(), ConfigJson.task(g.config())))
            .toList());
  }

  static RoleView role(QueryService.RoleSummary r) {
    return new RoleView(r.role(), r.jobs(), r.cronJobs());
  }

  static JobDiffView diff(JobKey key, JobDiff diff) {
    return new JobDiffView(
        key.toString(),
        groups(diff.add()),
        groups(diff.remove()),
        groups(diff.update()),
        groups(diff.unchanged()));
  }

  static UpdateSummaryView updateSummary(UpdateHistory.Summary s) {
    UpdateHistory.Progress p = s.progress();
    return new UpdateSummaryView(
        s.key().id(),
        s.key().job().toString(),
        s.status().name(),
        s.message().orElse(null),
        s.user(),
        s.createdAt().toString(),
        s.lastModified().toString(),
        new TreeMap<>(s.metadata()),
        s.rollbackOf().orElse(null),
        new ProgressView(p.instances(), p.done(), p.inFlight(), p.failed()));
  }

  static UpdateDetailsView updateDetails(UpdateHistory.Details d) {
    return new UpdateDetailsView(
        updateSummary(d.summary()),
        ConfigJson.update(d.instructions().settings()),
        groups(d.instructions().initialState()),
        d.instructions().desiredState().map(g -> groups(List.of(g)).get(0)).orElse(null),
        d.updateEvents().stream()
            .map(
                e ->
                    new UpdateEventView(
                        e.status().name(),
                        e.user().orElse(null),
                        e.message().orElse(null),
                        e.timestamp().toString()))
            .toList(),
        d.instanceEvents().stream()
            .map(
                e ->
                    new InstanceEventView(
                        e.instance(),
                        e.action().name(),
                        e.message().orElse(null),
                        e.timestamp().toString()))
            .toList());
  }

  private static List<ConfigGroupView> groups(List<JobDiff.Group> groups) {
    return groups.stream()
        .map(
            g ->
                new ConfigGroupView(
                    InstanceRanges.format(g.instances()), ConfigJson.task(g.config())))
        .toList();
  }

  static <T, V> Page<V> page(QueryService.Page<T> page, Function<T, V> item) {
    return new Page<>(
        page.items().stream().map(item).toList(), page.total(), page.offset(), page.limit());
  }

  /** A whole list as one page. */
  static <T, V> Page<V> all(List<T> items, Function<T, V> item) {
    return new Page<>(items.stream().map(item).toList(), items.size(), 0, items.size());
  }
}
