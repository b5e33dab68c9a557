package io.borealis.persistence;

import static io.borealis.model.ScheduleStatus.ASSIGNED;
import static io.borealis.model.ScheduleStatus.FAILED;
import static io.borealis.model.ScheduleStatus.FINISHED;
import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.model.ScheduleStatus.KILLING;
import static io.borealis.model.ScheduleStatus.LOST;
import static io.borealis.model.ScheduleStatus.PARTITIONED;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static io.borealis.model.ScheduleStatus.STARTING;
import static io.borealis.model.ScheduleStatus.THROTTLED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.borealis.job.JobEvent;
import io.borealis.model.Assignment;
import io.borealis.model.Container;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.HealthCheck;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.PartitionPolicy;
import io.borealis.model.ProcessConfig;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.persistence.QueryService.ConfigGroup;
import io.borealis.persistence.QueryService.JobSummary;
import io.borealis.persistence.QueryService.Page;
import io.borealis.persistence.QueryService.RoleSummary;
import io.borealis.persistence.QueryService.Stats;
import io.borealis.persistence.QueryService.TaskQuery;
import io.borealis.persistence.ReadView.Envelope;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import io.borealis.task.TaskHistoryPruner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read side fed with real job and instance events: job summaries with Aurora's JobStats, job
 * details grouped by configuration, task queries (aurora-semantics §7.4) with Borealis's ordering
 * and paging, removals, de-duplication by persistence id and sequence number, and the index that
 * long-polling reads wait on.
 */
class ReadViewTest {

  private static final JobKey HELLO = new JobKey("www-data", "prod", "hello");
  private static final JobKey OTHER = new JobKey("www-data", "devel", "other");
  private static final JobKey CRON = new JobKey("ops", "prod", "backup");

  private static final TaskConfig V1 =
      TaskConfig.simple(HELLO, true, Resources.of(1, 128, 128, "http"));
  private static final TaskConfig V2 =
      TaskConfig.simple(HELLO, true, Resources.of(2, 256, 128, "http"));

  private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  private final ReadView view = new ReadView();
  private final Map<String, Long> sequenceNrs = new HashMap<>();
  private int clock;

  // ---------------------------------------------------------------------------------------------
  // Building events
  // ---------------------------------------------------------------------------------------------

  private Instant now() {
    return T0.plusSeconds(clock++);
  }

  /** An envelope as the journal would deliver it: the entity's next sequence number. */
  private Envelope envelope(Object event) {
    String pid =
        event instanceof JobEvent je
            ? "Job|" + je.key()
            : "TaskInstance|" + ((InstanceEvent) event).instance();
    return new Envelope(pid, sequenceNrs.merge(pid, 1L, Long::sum), event);
  }

  private List<Envelope> apply(Object... events) {
    List<Envelope> batch = new ArrayList<>();
    for (Object e : events) {
      batch.add(envelope(e));
    }
    view.applyAll(batch);
    return batch;
  }

  private static JobConfiguration job(JobKey key, int instances, TaskConfig task) {
    return new JobConfiguration(
        key,
        instances,
        task,
        UpdateSettings.DEFAULT,
        Optional.empty(),
        CronCollisionPolicy.CANCEL_NEW);
  }

  private JobEvent.JobCreated created(JobConfiguration config) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < config.instances(); i++) {
      ids.add(i);
    }
    return new JobEvent.JobCreated(config.key(), config, ids, "s1", now(), "alice");
  }

  private InstanceEvent.TaskCreated task(String taskId, InstanceKey instance, TaskConfig config) {
    return task(taskId, instance, config, PENDING);
  }

  private InstanceEvent.TaskCreated task(
      String taskId, InstanceKey instance, TaskConfig config, ScheduleStatus status) {
    return new InstanceEvent.TaskCreated(
        instance,
        ScheduledTask.created(
            taskId, instance, config, 0, Optional.empty(), status, now(), Optional.empty()),
        "s1");
  }

  private InstanceEvent.TaskAssigned assigned(String taskId, InstanceKey instance, String host) {
    return new InstanceEvent.TaskAssigned(
        instance, taskId, new Assignment("id-" + host, host, Map.of("http", 31000)), now());
  }

  private InstanceEvent.TaskStateChanged changed(
      String taskId, InstanceKey instance, ScheduleStatus from, ScheduleStatus to) {
    return new InstanceEvent.TaskStateChanged(
        instance, taskId, from, to, now(), Optional.of(from + " to " + to), 0);
  }

  /** Events taking a new task of {@code instance} to RUNNING on {@code host}. */
  private Object[] running(String taskId, InstanceKey instance, TaskConfig config, String host) {
    return new Object[] {
      task(taskId, instance, config),
      assigned(taskId, instance, host),
      changed(taskId, instance, ASSIGNED, STARTING),
      changed(taskId, instance, STARTING, RUNNING)
    };
  }

  /** Events taking a new task of {@code instance} through RUNNING to a terminal status. */
  private Object[] ended(
      String taskId, InstanceKey instance, TaskConfig config, String host, ScheduleStatus end) {
    List<Object> events = new ArrayList<>(List.of(running(taskId, instance, config, host)));
    events.add(changed(taskId, instance, RUNNING, end));
    return events.toArray();
  }

  private static TaskQuery query(JobKey key) {
    return TaskQuery.forJob(key);
  }

  private static TaskQuery all() {
    return byKey(Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static TaskQuery byKey(
      Optional<String> role, Optional<String> environment, Optional<String> name) {
    return new TaskQuery(
        role, environment, name, Set.of(), Set.of(), Set.of(), Set.of(), 0, 0, Integer.MAX_VALUE);
  }

  private static TaskQuery with(
      TaskQuery q,
      Set<String> taskIds,
      Set<ScheduleStatus> statuses,
      Set<Integer> instances,
      Set<String> hosts,
      int limitPerInstance) {
    return new TaskQuery(
        q.role(),
        q.environment(),
        q.jobName(),
        taskIds,
        statuses,
        instances,
        hosts,
        limitPerInstance,
        q.offset(),
        q.limit());
  }

  private static TaskQuery page(TaskQuery q, int offset, int limit) {
    return new TaskQuery(
        q.role(),
        q.environment(),
        q.jobName(),
        q.taskIds(),
        q.statuses(),
        q.instances(),
        q.hosts(),
        q.limitPerInstance(),
        offset,
        limit);
  }

  private List<String> ids(TaskQuery q) {
    return view.tasks(q).items().stream().map(ScheduledTask::taskId).toList();
  }

  /**
   * HELLO with three instances: 0 failed once (a0) and runs again (b0) on host-a, 1 runs on host-b
   * (a1), 2 waits (a2). The ids are chosen so that their alphabetical order is not the answer.
   */
  private void threeInstances() {
    apply(created(job(HELLO, 3, V1)));
    apply(ended("z0-old", HELLO.instance(0), V1, "host-a", FAILED));
    apply(task("a2", HELLO.instance(2), V1));
    apply(running("a1", HELLO.instance(1), V1, "host-b"));
    apply(running("b0-new", HELLO.instance(0), V1, "host-a"));
  }

  // ---------------------------------------------------------------------------------------------
  // Jobs
  // ---------------------------------------------------------------------------------------------

  @Test
  void jobSummariesCountTasksAsAurorasJobStats() {
    apply(created(job(HELLO, 6, V1)));
    // pending: PENDING and THROTTLED
    apply(task("p0", HELLO.instance(0), V1));
    apply(task("p1", HELLO.instance(1), V1, THROTTLED));
    // active: ASSIGNED, RUNNING, KILLING, PARTITIONED
    apply(task("a2", HELLO.instance(2), V1), assigned("a2", HELLO.instance(2), "h"));
    apply(running("a3", HELLO.instance(3), V1, "h"));
    apply(running("a4", HELLO.instance(4), V1, "h"));
    apply(changed("a4", HELLO.instance(4), RUNNING, KILLING));
    apply(running("a5", HELLO.instance(5), V1, "h"));
    apply(changed("a5", HELLO.instance(5), RUNNING, PARTITIONED));
    // finished: FINISHED and KILLED; failed: FAILED and LOST (older tasks of instances 0 and 1)
    apply(ended("f0", HELLO.instance(0), V1, "h", FINISHED));
    apply(ended("f1", HELLO.instance(1), V1, "h", KILLED));
    apply(ended("x0", HELLO.instance(0), V1, "h", FAILED));
    apply(ended("x1", HELLO.instance(1), V1, "h", LOST));
    apply(ended("x2", HELLO.instance(2), V1, "h", LOST));

    assertThat(view.jobs(Optional.empty(), Optional.empty()))
        .containsExactly(new JobSummary(HELLO, 6, new Stats(2, 4, 2, 3), Optional.empty()));
  }

  @Test
  void countsTheTasksOfEveryJobByStatusForTheTaskStoreGauges() {
    apply(created(job(HELLO, 3, V1)), task("t0", HELLO.instance(0), V1));
    apply(task("t1", HELLO.instance(1), V1), assigned("t1", HELLO.instance(1), "h"));
    apply(running("t2", HELLO.instance(2), V1, "h"));
    assertThat(view.tasksIn(PENDING)).isEqualTo(1);
    assertThat(view.tasksIn(ASSIGNED)).isEqualTo(1);
    assertThat(view.tasksIn(RUNNING)).isEqualTo(1);

    apply(changed("t2", HELLO.instance(2), RUNNING, FAILED));
    assertThat(view.tasksIn(RUNNING)).isZero();
    assertThat(view.tasksIn(FAILED)).isEqualTo(1);
  }

  @Test
  void statsFollowEveryTransition() {
    apply(created(job(HELLO, 1, V1)), task("t0", HELLO.instance(0), V1));
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(1, 0, 0, 0));

    apply(assigned("t0", HELLO.instance(0), "h"));
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(0, 1, 0, 0));

    apply(changed("t0", HELLO.instance(0), ASSIGNED, FAILED));
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(0, 0, 0, 1));

    apply(task("t1", HELLO.instance(0), V1));
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(1, 0, 0, 1));
  }

  private JobSummary summary(JobKey key) {
    return view.jobs(Optional.empty(), Optional.empty()).stream()
        .filter(s -> s.key().equals(key))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void jobsAreListedByKeyAndFilteredByRoleAndEnvironment() {
    JobConfiguration cron =
        new JobConfiguration(
            CRON,
            1,
            TaskConfig.simple(CRON, false, Resources.of(1, 128, 128)),
            UpdateSettings.DEFAULT,
            Optional.of("0 3 * * *"),
            CronCollisionPolicy.KILL_EXISTING);
    apply(created(job(HELLO, 2, V1)));
    apply(created(job(OTHER, 1, TaskConfig.simple(OTHER, true, Resources.of(1, 128, 128)))));
    apply(created(cron));
    // Instance events of a job never created (its JobCreated not read yet) list nothing.
    JobKey ghost = new JobKey("www-data", "prod", "ghost");
    apply(task("g0", ghost.instance(0), TaskConfig.simple(ghost, true, Resources.of(1, 1, 1))));

    assertThat(view.jobs(Optional.empty(), Optional.empty()))
        .extracting(JobSummary::key)
        .containsExactly(CRON, OTHER, HELLO);
    assertThat(view.jobs(Optional.of("www-data"), Optional.empty()))
        .extracting(JobSummary::key)
        .containsExactly(OTHER, HELLO);
    assertThat(view.jobs(Optional.of("www-data"), Optional.of("prod")))
        .extracting(JobSummary::key)
        .containsExactly(HELLO);
    assertThat(view.jobs(Optional.of("ops"), Optional.empty()))
        .containsExactly(new JobSummary(CRON, 1, new Stats(0, 0, 0, 0), Optional.of("0 3 * * *")));
    assertThat(view.job(ghost)).isEmpty();
    assertThat(view.roles())
        .containsExactly(new RoleSummary("ops", 1, 1), new RoleSummary("www-data", 2, 0));
  }

  @Test
  void addedInstancesCountInTheSummary() {
    apply(created(job(HELLO, 2, V1)));
    apply(new JobEvent.InstancesAdded(HELLO, V1, List.of(2, 3), "s2", now(), "bob"));

    assertThat(summary(HELLO).instances()).isEqualTo(4);
  }

  @Test
  void aRolledForwardUpdateLeavesTheJobWithItsTask() {
    // Found through the API: GET /jobs/{key} showed the configuration the job was created with
    // after updates had rolled every instance to another one.
    JobConfiguration config = job(HELLO, 2, V1);
    apply(created(config));
    apply(new JobEvent.UpdateLocked(HELLO, "u1", List.of(0, 1), now(), "alice"));
    apply(new JobEvent.UpdateUnlocked(HELLO, "u1", "ROLLED_FORWARD", Optional.of(V2), now()));
    assertThat(view.job(HELLO).orElseThrow().config()).isEqualTo(job(HELLO, 2, V2));

    // One that rolled back (or was aborted) leaves it as it was.
    apply(new JobEvent.UpdateLocked(HELLO, "u2", List.of(0, 1), now(), "alice"));
    apply(new JobEvent.UpdateUnlocked(HELLO, "u2", "ROLLED_BACK", Optional.empty(), now()));
    assertThat(view.job(HELLO).orElseThrow().config()).isEqualTo(job(HELLO, 2, V2));
  }

  @Test
  void jobDetailsGroupActiveInstancesByConfiguration() {
    JobConfiguration config = job(HELLO, 6, V2);
    JobEvent.JobCreated created = created(config);
    apply(created);
    apply(running("t0", HELLO.instance(0), V1, "h"));
    apply(running("t1", HELLO.instance(1), V1, "h"));
    apply(task("t2", HELLO.instance(2), V2));
    apply(running("t3", HELLO.instance(3), V1, "h"));
    apply(running("t4", HELLO.instance(4), V2, "h"));
    // Instance 5 ran V1 and finished: not active, in no group.
    apply(ended("t5", HELLO.instance(5), V1, "h", FINISHED));
    // Instance 1's older task ran V2: only the latest task counts.
    apply(ended("t1-old", HELLO.instance(1), V2, "h", FAILED));
    apply(running("t1-new", HELLO.instance(1), V1, "h"));

    ReadView.JobDetails details = view.job(HELLO).orElseThrow();

    assertThat(details.config()).isEqualTo(config);
    assertThat(details.createdAt()).isEqualTo(created.timestamp());
    assertThat(details.summary().instances()).isEqualTo(6);
    assertThat(details.activeGroups())
        .containsExactly(new ConfigGroup(V1, List.of(0, 1, 3)), new ConfigGroup(V2, List.of(2, 4)));
    assertThat(details.activeGroups())
        .extracting(ConfigGroup::ranges)
        .containsExactly("0-1,3", "2,4");
    assertThat(view.activeConfigs(HELLO))
        .containsExactly(
            Map.entry(0, V1),
            Map.entry(1, V1),
            Map.entry(2, V2),
            Map.entry(3, V1),
            Map.entry(4, V2));
    assertThat(view.job(OTHER)).isEmpty();
    assertThat(view.activeConfigs(OTHER)).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks
  // ---------------------------------------------------------------------------------------------

  @Test
  void aTaskCarriesItsWholeHistory() {
    apply(created(job(HELLO, 1, V1)));
    apply(running("t0", HELLO.instance(0), V1, "host-a"));

    ScheduledTask t = view.task("t0").orElseThrow();

    assertThat(t.status()).isEqualTo(RUNNING);
    assertThat(t.instance()).isEqualTo(HELLO.instance(0));
    assertThat(t.assignment())
        .contains(new Assignment("id-host-a", "host-a", Map.of("http", 31000)));
    assertThat(t.events())
        .extracting(TaskEvent::status)
        .containsExactly(PENDING, ASSIGNED, STARTING, RUNNING);
    assertThat(t.events().get(3).message()).contains("STARTING to RUNNING");
    assertThat(view.task("nope")).isEmpty();
  }

  @Test
  void tasksAreOrderedByJobThenInstanceThenNewestFirst() {
    threeInstances();
    apply(created(job(OTHER, 1, V1)));
    apply(task("o0", OTHER.instance(0), V1));

    assertThat(ids(query(HELLO))).containsExactly("b0-new", "z0-old", "a1", "a2");
    // www-data/devel/other sorts before www-data/prod/hello.
    assertThat(ids(all())).containsExactly("o0", "b0-new", "z0-old", "a1", "a2");
  }

  @Test
  void limitPerInstanceKeepsTheNewestMatchingTasks() {
    threeInstances();

    assertThat(ids(with(query(HELLO), Set.of(), Set.of(), Set.of(), Set.of(), 1)))
        .containsExactly("b0-new", "a1", "a2");
    // The limit counts matching tasks only.
    assertThat(ids(with(query(HELLO), Set.of(), Set.of(FAILED), Set.of(), Set.of(), 1)))
        .containsExactly("z0-old");
    assertThat(view.tasks(with(query(HELLO), Set.of(), Set.of(), Set.of(), Set.of(), 1)).total())
        .isEqualTo(3);
  }

  @Test
  void tasksAreFilteredByStatusInstanceAndHost() {
    threeInstances();

    assertThat(ids(with(query(HELLO), Set.of(), Set.of(RUNNING), Set.of(), Set.of(), 0)))
        .containsExactly("b0-new", "a1");
    assertThat(ids(with(query(HELLO), Set.of(), Set.of(RUNNING, PENDING), Set.of(), Set.of(), 0)))
        .containsExactly("b0-new", "a1", "a2");
    assertThat(ids(with(query(HELLO), Set.of(), Set.of(), Set.of(0, 2), Set.of(), 0)))
        .containsExactly("b0-new", "z0-old", "a2");
    // A task never assigned has no host and matches no host filter.
    assertThat(ids(with(query(HELLO), Set.of(), Set.of(), Set.of(), Set.of("host-a"), 0)))
        .containsExactly("b0-new", "z0-old");
    assertThat(ids(with(all(), Set.of(), Set.of(), Set.of(), Set.of("host-a", "host-b"), 0)))
        .containsExactly("b0-new", "z0-old", "a1");
    // Every set field must match.
    assertThat(ids(with(query(HELLO), Set.of(), Set.of(FAILED), Set.of(1), Set.of(), 0))).isEmpty();
  }

  @Test
  void tasksAreFilteredByJobKeyParts() {
    threeInstances();
    apply(created(job(OTHER, 1, V1)));
    apply(task("o0", OTHER.instance(0), V1));
    Optional<String> any = Optional.empty();

    assertThat(ids(byKey(Optional.of("www-data"), Optional.of("devel"), any)))
        .containsExactly("o0");
    assertThat(ids(byKey(any, any, Optional.of("hello"))))
        .containsExactly("b0-new", "z0-old", "a1", "a2");
    assertThat(ids(byKey(Optional.of("ops"), any, any))).isEmpty();
    // A blank role is no restriction (aurora-semantics §7.4).
    assertThat(ids(byKey(Optional.of("  "), any, any))).hasSize(5);
  }

  @Test
  void tasksAreFoundByIdInTheSameOrderAndWithTheOtherFilters() {
    threeInstances();

    assertThat(
            ids(
                with(
                    all(),
                    Set.of("a1", "z0-old", "b0-new", "unknown"),
                    Set.of(),
                    Set.of(),
                    Set.of(),
                    0)))
        .containsExactly("b0-new", "z0-old", "a1");
    assertThat(ids(with(all(), Set.of("a1", "z0-old", "b0-new"), Set.of(), Set.of(), Set.of(), 1)))
        .containsExactly("b0-new", "a1");
    assertThat(
            ids(
                with(
                    all(),
                    Set.of("a1", "z0-old", "b0-new"),
                    Set.of(FAILED),
                    Set.of(),
                    Set.of(),
                    0)))
        .containsExactly("z0-old");
    assertThat(ids(with(all(), Set.of("a1", "a2"), Set.of(), Set.of(2), Set.of(), 0)))
        .containsExactly("a2");
    assertThat(ids(with(query(OTHER), Set.of("a1"), Set.of(), Set.of(), Set.of(), 0))).isEmpty();
  }

  @Test
  void pagesCarryTheTotalBeforePaging() {
    threeInstances();

    Page<ScheduledTask> page = view.tasks(page(query(HELLO), 1, 2));
    assertThat(page.items()).extracting(ScheduledTask::taskId).containsExactly("z0-old", "a1");
    assertThat(page.total()).isEqualTo(4);
    assertThat(page.offset()).isEqualTo(1);
    assertThat(page.limit()).isEqualTo(2);

    assertThat(ids(page(query(HELLO), 3, 10))).containsExactly("a2");
    Page<ScheduledTask> beyond = view.tasks(page(query(HELLO), 10, 10));
    assertThat(beyond.items()).isEmpty();
    assertThat(beyond.total()).isEqualTo(4);
  }

  @Test
  void aDeletedTaskIsGone() {
    threeInstances();

    apply(new InstanceEvent.TaskDeleted(HELLO.instance(2), "a2", now()));

    assertThat(view.task("a2")).isEmpty();
    assertThat(view.locate("a2")).isEmpty();
    assertThat(ids(query(HELLO))).containsExactly("b0-new", "z0-old", "a1");
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(0, 2, 0, 1));
  }

  @Test
  void prunedTasksAreGone() {
    threeInstances();
    apply(ended("y0", HELLO.instance(0), V1, "host-a", FINISHED));
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(1, 2, 1, 1));

    apply(new InstanceEvent.TasksPruned(HELLO.instance(0), List.of("z0-old", "y0")));

    assertThat(view.task("z0-old")).isEmpty();
    assertThat(view.task("y0")).isEmpty();
    assertThat(ids(query(HELLO))).containsExactly("b0-new", "a1", "a2");
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(1, 2, 0, 0));
  }

  @Test
  void historyToPruneFollowsTheJobWideRulesAndKeepsEachInstancesLatestTask() {
    threeInstances();
    apply(ended("y0", HELLO.instance(0), V1, "host-a", FAILED));
    apply(ended("x0", HELLO.instance(0), V1, "host-a", FINISHED));
    // Instance 1 ended long ago too, but it is its latest task: kept.
    apply(changed("a1", HELLO.instance(1), RUNNING, KILLED));
    TaskHistoryPruner.Settings keepOne =
        new TaskHistoryPruner.Settings(1, Duration.ofHours(1), Duration.ofDays(2));

    // Within the minimum retention nothing goes, whatever the count.
    assertThat(view.historyToPrune(keepOne, T0.plus(Duration.ofMinutes(30)))).isEmpty();
    // Later, the job keeps its one most recently ended task of the history (instance 0's latest
    // task, x0, and the running b0-new are not candidates).
    assertThat(view.historyToPrune(keepOne, T0.plus(Duration.ofHours(2))))
        .containsExactly(Map.entry(HELLO.instance(0), List.of("z0-old")));
    // After the maximum age, every ended task of the history goes.
    assertThat(view.historyToPrune(keepOne, T0.plus(Duration.ofDays(3))).get(HELLO.instance(0)))
        .containsExactlyInAnyOrder("z0-old", "y0");
  }

  @Test
  void locateFindsTheInstanceOfATask() {
    threeInstances();

    assertThat(view.locate("z0-old")).contains(HELLO.instance(0));
    assertThat(view.locate("a1")).contains(HELLO.instance(1));
    assertThat(view.locate("nope")).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Feeding: duplicates and the index
  // ---------------------------------------------------------------------------------------------

  @Test
  void anEventSeenBeforeIsSkipped() {
    apply(created(job(HELLO, 1, V1)));
    List<Envelope> batch = apply(running("t0", HELLO.instance(0), V1, "h"));
    long index = view.index();
    ScheduledTask before = view.task("t0").orElseThrow();

    // The stream restarted and delivers the same events again, and an older one.
    view.applyAll(batch);
    view.applyAll(List.of(batch.get(1)));

    assertThat(view.index()).isEqualTo(index);
    assertThat(view.task("t0")).contains(before);
    assertThat(ids(query(HELLO))).containsExactly("t0");
    assertThat(summary(HELLO).stats()).isEqualTo(new Stats(0, 1, 0, 0));
  }

  @Test
  void aBatchMixingSeenAndNewEventsAppliesOnlyTheNewOnes() {
    apply(created(job(HELLO, 1, V1)));
    List<Envelope> first = apply(task("t0", HELLO.instance(0), V1));
    List<Envelope> second = List.of(envelope(assigned("t0", HELLO.instance(0), "h")));
    List<Envelope> mixed = new ArrayList<>(first);
    mixed.addAll(second);

    view.applyAll(mixed);

    assertThat(view.index()).isEqualTo(3);
    assertThat(view.task("t0").orElseThrow().status()).isEqualTo(ASSIGNED);
    assertThat(view.task("t0").orElseThrow().events()).hasSize(2);
  }

  @Test
  void anEventDeliveredWithAnEarlierOneMissingIsHeldBackAndItsEntityFetchedById() {
    List<String> fetches = new ArrayList<>();
    view.onGap((pid, from) -> fetches.add(pid + "@" + from));
    apply(created(job(HELLO, 1, V1)));
    InstanceKey i0 = HELLO.instance(0);
    List<Envelope> events = new ArrayList<>();
    for (Object e : running("t0", i0, V1, "h")) {
      events.add(envelope(e));
    }
    view.applyAll(events.subList(0, 2));

    // STARTING's tag row came late; another query of the tag brings RUNNING first.
    view.applyAll(List.of(events.get(3)));

    assertThat(fetches).containsExactly("TaskInstance|" + i0 + "@3");
    assertThat(view.task("t0").orElseThrow().status()).isEqualTo(ASSIGNED);

    // The fetch by id brings both, in order; the late tag row is then skipped as seen.
    view.fill(events.subList(2, 4));
    view.applyAll(List.of(events.get(2)));

    ScheduledTask t0 = view.task("t0").orElseThrow();
    assertThat(t0.status()).isEqualTo(RUNNING);
    assertThat(t0.events())
        .extracting(e -> e.status())
        .containsExactly(PENDING, ASSIGNED, STARTING, RUNNING);
    assertThat(fetches).hasSize(1);
  }

  @Test
  void aFetchByIdAppliesWhatTheJournalHoldsEvenWithSequenceNumbersMissing() {
    view.onGap((pid, from) -> {});
    apply(created(job(HELLO, 1, V1)));
    InstanceKey i0 = HELLO.instance(0);
    Envelope created = envelope(task("t0", i0, V1));
    view.applyAll(List.of(created));
    Envelope assigned = envelope(assigned("t0", i0, "h"));
    // Sequence number 3 is not in the journal at all.
    sequenceNrs.merge(created.persistenceId(), 1L, Long::sum);
    Envelope starting = envelope(changed("t0", i0, ASSIGNED, STARTING));

    view.fill(List.of(assigned, starting));

    assertThat(view.task("t0").orElseThrow().status()).isEqualTo(STARTING);
  }

  @Test
  void withoutAFetcherAGapIsAppliedAsBefore() {
    apply(created(job(HELLO, 1, V1)));
    InstanceKey i0 = HELLO.instance(0);
    List<Envelope> events = new ArrayList<>();
    for (Object e : running("t0", i0, V1, "h")) {
      events.add(envelope(e));
    }
    view.applyAll(events.subList(0, 2));

    view.applyAll(List.of(events.get(3)));

    assertThat(view.task("t0").orElseThrow().status()).isEqualTo(RUNNING);
  }

  @Test
  void theIndexCountsAppliedEvents() {
    assertThat(view.index()).isZero();

    apply(created(job(HELLO, 2, V1)));
    apply(task("t0", HELLO.instance(0), V1), task("t1", HELLO.instance(1), V1));
    apply(new JobEvent.InstancesScheduled(HELLO, "s1", List.of(0, 1)));

    assertThat(view.index()).isEqualTo(4);
  }

  @Test
  void awaitIndexAnswersAtOnceWhenTheIndexIsAlreadyPast() {
    apply(created(job(HELLO, 1, V1)), task("t0", HELLO.instance(0), V1));
    RecordingTimer timer = new RecordingTimer();

    assertThat(view.awaitIndex(1, Duration.ofSeconds(30), timer).toCompletableFuture())
        .isCompletedWithValue(2L);
    // Not waiting at all: the index as it is.
    assertThat(view.awaitIndex(5, Duration.ZERO, timer).toCompletableFuture())
        .isCompletedWithValue(2L);
    assertThat(timer.scheduled).isEmpty();
  }

  @Test
  void awaitIndexAnswersOnceTheIndexPasses() {
    apply(created(job(HELLO, 1, V1)), task("t0", HELLO.instance(0), V1));
    RecordingTimer timer = new RecordingTimer();

    CompletableFuture<Long> waiting =
        view.awaitIndex(3, Duration.ofSeconds(30), timer).toCompletableFuture();
    assertThat(waiting).isNotDone();

    apply(assigned("t0", HELLO.instance(0), "h"));
    assertThat(waiting).isNotDone();

    apply(changed("t0", HELLO.instance(0), ASSIGNED, STARTING));
    assertThat(waiting).isCompletedWithValue(4L);
    // The wait's timer fires later and changes nothing.
    timer.fire();
    assertThat(waiting).isCompletedWithValue(4L);
  }

  @Test
  void awaitIndexAnswersWithTheCurrentIndexWhenTheWaitIsOver() {
    apply(created(job(HELLO, 1, V1)));
    RecordingTimer timer = new RecordingTimer();

    CompletableFuture<Long> waiting =
        view.awaitIndex(5, Duration.ofSeconds(30), timer).toCompletableFuture();
    apply(task("t0", HELLO.instance(0), V1));
    assertThat(waiting).isNotDone();
    assertThat(timer.delaysMs).containsExactly(30_000L);

    timer.fire();

    assertThat(waiting).isCompletedWithValue(2L);
    // A waiter that timed out is not completed again by later events.
    apply(
        assigned("t0", HELLO.instance(0), "h"),
        changed("t0", HELLO.instance(0), ASSIGNED, STARTING));
    assertThat(waiting).isCompletedWithValue(2L);
  }

  @Test
  void awaitIndexWaitsForRealTime() throws Exception {
    apply(created(job(HELLO, 1, V1)));
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    try {
      CompletableFuture<Long> waiting =
          view.awaitIndex(5, Duration.ofMillis(50), timer).toCompletableFuture();

      assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void caughtUpIsMarkedOnce() {
    assertThat(view.isCaughtUp()).isFalse();
    view.markCaughtUp();
    assertThat(view.isCaughtUp()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots
  // ---------------------------------------------------------------------------------------------

  /** A config with every optional part set, so the snapshot round trip covers them. */
  private static final TaskConfig RICH =
      new TaskConfig(
          CRON,
          "backup",
          false,
          "preferred",
          true,
          3,
          2,
          Resources.of(0.5, 64, 32, "http", "admin"),
          List.of(
              new ProcessConfig("main", "run --now", 2, true, false, 5, true, Map.of("A", "b"))),
          List.of(List.of("main")),
          Map.of(),
          Optional.of(
              new HealthCheck(
                  HealthCheck.Type.HTTP, "/health", Optional.empty(), "ok", 200, 10, 5, 1, 3, 1)),
          new PartitionPolicy(true, 30),
          Optional.of(new SlaPolicy.Count(2, 60)),
          Optional.of(
              new Container.Docker("busybox", List.of(new Container.Parameter("env", "X=1")))),
          Optional.of("ops@example.com"),
          Map.of("team", "storage"));

  /** Jobs of every kind, tasks in every state, deletions and prunings. */
  private void aBusyView() {
    threeInstances();
    apply(ended("y0", HELLO.instance(0), V1, "host-a", FINISHED));
    apply(new InstanceEvent.TasksPruned(HELLO.instance(0), List.of("y0")));
    apply(created(job(OTHER, 2, V2)));
    apply(running("o0", OTHER.instance(0), V2, "host-c"));
    apply(changed("o0", OTHER.instance(0), RUNNING, PARTITIONED));
    apply(task("o1", OTHER.instance(1), V2, THROTTLED));
    apply(new InstanceEvent.TaskDeleted(OTHER.instance(1), "o1", now()));
    apply(
        created(
            new JobConfiguration(
                CRON,
                1,
                RICH,
                UpdateSettings.DEFAULT,
                Optional.of("0 3 * * *"),
                CronCollisionPolicy.KILL_EXISTING)));
    apply(ended("c0", CRON.instance(0), RICH, "host-a", KILLED));
    // Instances of a job whose creation was not read yet.
    JobKey ghost = new JobKey("www-data", "prod", "ghost");
    apply(task("g0", ghost.instance(0), TaskConfig.simple(ghost, true, Resources.of(1, 1, 1))));
    view.applyAll("borealis-3", "seq:42", List.of());
    view.applyAll("borealis-5", "seq:7", List.of());
  }

  /** Every query's answer, to compare two views. */
  private static List<Object> answers(ReadView v) {
    List<Object> all = new ArrayList<>();
    all.add(v.index());
    all.add(v.jobs(Optional.empty(), Optional.empty()));
    all.add(v.roles());
    Page<ScheduledTask> tasks = v.tasks(all());
    all.add(tasks);
    for (ScheduledTask t : tasks.items()) {
      all.add(v.task(t.taskId()));
      all.add(v.locate(t.taskId()));
    }
    for (JobKey key : List.of(HELLO, OTHER, CRON, new JobKey("www-data", "prod", "ghost"))) {
      all.add(v.job(key));
      all.add(v.activeConfigs(key));
      all.add(v.tasks(with(query(key), Set.of(), Set.of(), Set.of(), Set.of(), 1)));
    }
    all.add(v.offset("borealis-3"));
    all.add(v.offset("borealis-5"));
    all.add(v.offset("borealis-0"));
    return all;
  }

  @Test
  void aSnapshotSavedAndLoadedAnswersEveryQueryAlike(@TempDir Path dir) throws Exception {
    aBusyView();
    FileSnapshotStore store = new FileSnapshotStore(dir.resolve("read-side"));

    store.save(view.snapshot());
    ReadView restored = new ReadView();
    restored.restore(store.load().orElseThrow());

    assertThat(answers(restored)).isEqualTo(answers(view));
    assertThat(restored.offset("borealis-3")).contains("seq:42");
    assertThat(restored.taskCount()).isEqualTo(view.taskCount()).isEqualTo(7);
    // Only the file is left: the temporary one was renamed over it.
    try (var files = Files.list(dir.resolve("read-side"))) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("view.snapshot");
    }
  }

  @Test
  void aRestoredViewSkipsWhatItHadAndAppliesWhatFollows(@TempDir Path dir) throws Exception {
    apply(created(job(HELLO, 1, V1)));
    List<Envelope> before = apply(running("t0", HELLO.instance(0), V1, "h"));
    FileSnapshotStore store = new FileSnapshotStore(dir);
    store.save(view.snapshot());
    ReadView restored = new ReadView();
    restored.restore(store.load().orElseThrow());
    long index = restored.index();

    // The journal delivers again what the snapshot holds: nothing changes, the index included.
    restored.applyAll(before);
    assertThat(restored.index()).isEqualTo(index);
    assertThat(restored.task("t0").orElseThrow().events()).hasSize(4);

    // What follows is applied once, to both, and the index goes on from the snapshot's.
    List<Envelope> after = apply(changed("t0", HELLO.instance(0), RUNNING, KILLING));
    restored.applyAll(after);
    restored.applyAll(after);
    assertThat(restored.index()).isEqualTo(index + 1);
    assertThat(answers(restored)).isEqualTo(answers(view));
    // An entity's write reported directly follows on from the snapshot's sequence numbers too.
    InstanceEvent.TaskStateChanged killed = changed("t0", HELLO.instance(0), KILLING, KILLED);
    Envelope next = envelope(killed);
    restored.persisted(next.persistenceId(), next.sequenceNr(), List.of(killed));
    assertThat(restored.task("t0").orElseThrow().status()).isEqualTo(KILLED);
  }

  @Test
  void tasksOfOneJobShareTheirConfigurationAfterARestore(@TempDir Path dir) throws Exception {
    apply(created(job(HELLO, 3, V1)));
    for (int i = 0; i < 3; i++) {
      // Each event deserialized from the journal carries its own copy of the configuration.
      TaskConfig copy = TaskConfig.simple(HELLO, true, Resources.of(1, 128, 128, "http"));
      apply(task("t" + i, HELLO.instance(i), copy));
    }
    assertThat(view.task("t1").orElseThrow().config())
        .isSameAs(view.task("t0").orElseThrow().config());
    FileSnapshotStore store = new FileSnapshotStore(dir);
    store.save(view.snapshot());

    ReadView restored = new ReadView();
    restored.restore(store.load().orElseThrow());

    TaskConfig shared = restored.task("t0").orElseThrow().config();
    assertThat(restored.task("t2").orElseThrow().config()).isSameAs(shared).isEqualTo(V1);
    assertThat(restored.task("t2").orElseThrow().instance().job())
        .isSameAs(restored.task("t0").orElseThrow().instance().job());
  }

  @Test
  void noSnapshotIsNothingToLoad(@TempDir Path dir) throws Exception {
    assertThat(new FileSnapshotStore(dir.resolve("absent")).load()).isEmpty();
  }

  @Test
  void aDamagedSnapshotIsRefusedNotHalfLoaded(@TempDir Path dir) throws Exception {
    aBusyView();
    FileSnapshotStore store = new FileSnapshotStore(dir);
    store.save(view.snapshot());
    byte[] whole = Files.readAllBytes(store.file());

    // Cut short.
    Files.write(store.file(), java.util.Arrays.copyOf(whole, whole.length / 2));
    assertThatThrownBy(store::load).isInstanceOf(IOException.class);
    // Garbage.
    Files.writeString(store.file(), "not a snapshot at all");
    assertThatThrownBy(store::load).isInstanceOf(IOException.class);
    // Another format.
    ViewSnapshot s = view.snapshot();
    store.save(new ViewSnapshot(99, s.index(), s.offsets(), s.otherSequenceNrs(), s.jobs()));
    assertThatThrownBy(store::load).isInstanceOf(IOException.class).hasMessageContaining("99");
  }

  /** A timer that records what it is asked to run, and runs it when the test says so. */
  private static final class RecordingTimer extends ScheduledThreadPoolExecutor {
    final List<Runnable> scheduled = new ArrayList<>();
    final List<Long> delaysMs = new ArrayList<>();

    RecordingTimer() {
      super(0);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      scheduled.add(command);
      delaysMs.add(unit.toMillis(delay));
      return null;
    }

    void fire() {
      List<Runnable> due = List.copyOf(scheduled);
      scheduled.clear();
      due.forEach(Runnable::run);
    }
  }
}
