package io.borealis.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.borealis.model.Container;
import io.borealis.model.HealthCheck;
import io.borealis.model.JobConfiguration;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Configurations in the job-file schema of {@code job-config.md}, defaults filled in, as response
 * records. A rendered job configuration parses back to the same configuration. Optional parts of
 * the schema are left out when unset ({@code NON_NULL}); the rest are always written.
 */
final class ConfigJson {

  private ConfigJson() {}

  /** A job file: the job's key and instances around its task's fields. */
  record JobConfigView(
      String role,
      String environment,
      String name,
      int instances,
      @JsonUnwrapped TaskConfigView fields,
      UpdateConfigView updateConfig,
      @JsonInclude(JsonInclude.Include.NON_NULL) String cronSchedule,
      String cronCollisionPolicy) {}

  /** A task's part of a job file; {@code production} (derived) is shown for task configs only. */
  record TaskConfigView(
      boolean service,
      String tier,
      @JsonInclude(JsonInclude.Include.NON_NULL) Boolean production,
      int priority,
      int maxTaskFailures,
      @JsonInclude(JsonInclude.Include.NON_NULL) String contact,
      Map<String, String> metadata,
      TaskBodyView task,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> constraints,
      @JsonInclude(JsonInclude.Include.NON_NULL) HealthCheckView healthCheck,
      PartitionPolicyView partitionPolicy,
      @JsonInclude(JsonInclude.Include.NON_NULL) SlaView slaPolicy,
      @JsonInclude(JsonInclude.Include.NON_NULL) ContainerView container) {}

  record TaskBodyView(
      String name,
      List<ProcessView> processes,
      List<OrderView> constraints,
      ResourcesView resources) {}

  record ProcessView(
      String name,
      String cmdline,
      int maxFailures,
      boolean daemon,
      boolean ephemeral,
      int minDurationSecs,
      @JsonProperty("final") boolean finalProcess,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> env) {}

  record OrderView(List<String> order) {}

  record ResourcesView(double cpu, String ram, String disk, List<String> ports, long gpu) {}

  record HealthCheckView(
      String type,
      String endpoint,
      @JsonInclude(JsonInclude.Include.NON_NULL) String command,
      String expectedResponse,
      int expectedResponseCode,
      int initialIntervalSecs,
      int intervalSecs,
      int timeoutSecs,
      int maxConsecutiveFailures,
      int minConsecutiveSuccesses) {}

  record PartitionPolicyView(boolean reschedule, long delaySecs) {}

  record UpdateConfigView(
      int batchSize,
      int watchSecs,
      int maxPerShardFailures,
      int maxTotalFailures,
      boolean rollbackOnFailure,
      boolean waitForBatchCompletion,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long pulseIntervalSecs,
      boolean slaAware,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long progressDeadlineSecs,
      StrategyView strategy) {}

  /** The strategy, as the one field that names its kind. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record StrategyView(QueueView queue, BatchView batch, VariableBatchView variableBatch) {}

  record QueueView(int batchSize) {}

  record BatchView(int batchSize, boolean autopauseAfterBatch) {}

  record VariableBatchView(List<Integer> batchSizes, boolean autopauseAfterBatch) {}

  /** An SLA policy: its fields tell its kind. */
  sealed interface SlaView permits PercentageView, CountView, CoordinatorView {}

  record PercentageView(double percentage, long durationSecs) implements SlaView {}

  record CountView(int count, long durationSecs) implements SlaView {}

  record CoordinatorView(String coordinatorUrl, String statusKey) implements SlaView {}

  /** The container, as the one field that names its kind. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ContainerView(DockerView docker, MesosView mesos) {}

  record DockerView(String image, List<ParameterView> parameters) {}

  record ParameterView(String name, String value) {}

  record MesosView(@JsonInclude(JsonInclude.Include.NON_NULL) String image) {}

  static JobConfigView job(JobConfiguration c) {
    return new JobConfigView(
        c.key().role(),
        c.key().environment(),
        c.key().name(),
        c.instances(),
        fields(c.task(), false),
        update(c.updateConfig()),
        c.cronSchedule().orElse(null),
        c.cronCollisionPolicy().name());
  }

  /** A task configuration, with the derived {@code production} flag shown. */
  static TaskConfigView task(TaskConfig t) {
    return fields(t, true);
  }

  private static TaskConfigView fields(TaskConfig t, boolean derived) {
    List<ProcessView> processes =
        t.processes().stream()
            .map(
                p ->
                    new ProcessView(
                        p.name(),
                        p.cmdline(),
                        p.maxFailures(),
                        p.daemon(),
                        p.ephemeral(),
                        p.minDurationSecs(),
                        p.finalProcess(),
                        p.env().isEmpty() ? null : new TreeMap<>(p.env())))
            .toList();
    var r = t.resources();
    TaskBodyView body =
        new TaskBodyView(
            t.taskName(),
            processes,
            t.processOrder().stream().map(OrderView::new).toList(),
            new ResourcesView(r.cpu(), r.ramMb() + "MB", r.diskMb() + "MB", r.ports(), r.gpu()));
    Map<String, String> constraints = null;
    if (!t.constraints().isEmpty()) {
      constraints = new TreeMap<>();
      for (var e : t.constraints().entrySet()) {
        constraints.put(e.getKey(), e.getValue().dsl());
      }
    }
    return new TaskConfigView(
        t.service(),
        t.tier(),
        derived ? t.production() : null,
        t.priority(),
        t.maxTaskFailures(),
        t.contact().orElse(null),
        new TreeMap<>(t.metadata()),
        body,
        constraints,
        t.healthCheck().map(ConfigJson::health).orElse(null),
        new PartitionPolicyView(t.partitionPolicy().reschedule(), t.partitionPolicy().delaySecs()),
        t.slaPolicy().map(ConfigJson::sla).orElse(null),
        t.container().map(ConfigJson::container).orElse(null));
  }

  private static HealthCheckView health(HealthCheck h) {
    return new HealthCheckView(
        h.type().name().toLowerCase(),
        h.endpoint(),
        h.command().orElse(null),
        h.expectedResponse(),
        h.expectedResponseCode(),
        h.initialIntervalSecs(),
        h.intervalSecs(),
        h.timeoutSecs(),
        h.maxConsecutiveFailures(),
        h.minConsecutiveSuccesses());
  }

  static UpdateConfigView update(UpdateSettings u) {
    return new UpdateConfigView(
        u.batchSize(),
        u.watchSecs(),
        u.maxPerShardFailures(),
        u.maxTotalFailures(),
        u.rollbackOnFailure(),
        u.waitForBatchCompletion(),
        u.pulseIntervalSecs().orElse(null),
        u.slaAware(),
        u.progressDeadlineSecs().orElse(null),
        strategy(u.strategy()));
  }

  private static StrategyView strategy(UpdateStrategy s) {
    if (s instanceof UpdateStrategy.Queue q) {
      return new StrategyView(new QueueView(q.batchSize()), null, null);
    }
    if (s instanceof UpdateStrategy.Batch b) {
      return new StrategyView(null, new BatchView(b.batchSize(), b.autopauseAfterBatch()), null);
    }
    UpdateStrategy.VariableBatch v = (UpdateStrategy.VariableBatch) s;
    return new StrategyView(
        null, null, new VariableBatchView(v.batchSizes(), v.autopauseAfterBatch()));
  }

  private static SlaView sla(SlaPolicy p) {
    if (p instanceof SlaPolicy.Percentage pc) {
      return new PercentageView(pc.percentage(), pc.durationSecs());
    }
    if (p instanceof SlaPolicy.Count c) {
      return new CountView(c.count(), c.durationSecs());
    }
    SlaPolicy.Coordinator c = (SlaPolicy.Coordinator) p;
    return new CoordinatorView(c.coordinatorUrl(), c.statusKey());
  }

  private static ContainerView container(Container c) {
    if (c instanceof Container.Docker d) {
      return new ContainerView(
          new DockerView(
              d.image(),
              d.parameters().stream().map(p -> new ParameterView(p.name(), p.value())).toList()),
          null);
    }
    return new ContainerView(null, new MesosView(((Container.Mesos) c).image().orElse(null)));
  }
}
