package io.borealis.persistence;

import static io.borealis.model.ScheduleStatus.KILLED;
import static io.borealis.model.ScheduleStatus.PENDING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.borealis.common.Metrics;
import io.borealis.job.JobEvent;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.persistence.QueryService.TaskQuery;
import io.borealis.quota.ResourceAggregate;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups: the file format (round trip, version check, retention), the staged copy of a restore
 * (query, delete, unload, commit) and the read view's handling of the Restored events.
 */
class BackupTest {

  private static final JobKey WEB = new JobKey("www-data", "prod", "web");
  private static final JobKey DB = new JobKey("www-data", "prod", "db");
  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678Z");

  @TempDir Path dir;

  private final ReadView view = new ReadView();
  private final Map<String, Long> sequenceNrs = new HashMap<>();

  private static TaskConfig config(JobKey key) {
    return TaskConfig.simple(key, true, Resources.of(1, 128, 128, "http"));
  }

  private static JobConfiguration job(JobKey key, int instances) {
    return new JobConfiguration(
        key,
        instances,
        config(key),
        UpdateSettings.DEFAULT,
        Optional.empty(),
        CronCollisionPolicy.CANCEL_NEW);
  }

  private static ScheduledTask task(String id, JobKey key, int instance, ScheduleStatus status) {
    return ScheduledTask.created(
        id,
        new InstanceKey(key, instance),
        config(key),
        0,
        Optional.empty(),
        status,
        T0,
        Optional.empty());
  }

  private void apply(Object event) {
    String pid =
        event instanceof JobEvent je
            ? "job|" + je.key()
            : "instance|" + ((InstanceEvent) event).instance();
    view.applyAll(
        List.of(new ReadView.Envelope(pid, sequenceNrs.merge(pid, 1L, Long::sum), event)));
  }

  /** WEB with two instances (PENDING tasks w0, w1), DB with one (PENDING d0). */
  private void twoJobs() {
    apply(new JobEvent.JobCreated(WEB, job(WEB, 2), List.of(0, 1), "s1", T0, "alice"));
    apply(new JobEvent.JobCreated(DB, job(DB, 1), List.of(0), "s1", T0, "alice"));
    apply(
        new InstanceEvent.TaskCreated(new InstanceKey(WEB, 0), task("w0", WEB, 0, PENDING), "s1"));
    apply(
        new InstanceEvent.TaskCreated(new InstanceKey(WEB, 1), task("w1", WEB, 1, PENDING), "s1"));
    apply(new InstanceEvent.TaskCreated(new InstanceKey(DB, 0), task("d0", DB, 0, PENDING), "s1"));
  }

  private Backup backupOfView(String id) {
    ViewSnapshot s = view.snapshot();
    return new Backup(
        Backup.FORMAT,
        id,
        T0,
        s.index(),
        s.jobs(),
        Map.of("www-data", new ResourceAggregate(4, 1024, 2048)),
        Map.of("agent-3", MaintenanceMode.DRAINING));
  }

  // ---------------------------------------------------------------------------------------------
  // The file format

  @Test
  void aBackupReadsBackAsWrittenAndIsListed() throws IOException {
    twoJobs();
    BackupStore store = new BackupStore(dir, 48);
    Backup written = backupOfView(store.newId(T0));
    assertThat(written.id()).isEqualTo("20260102-030405-678");
    store.write(written);

    assertThat(store.read(written.id())).contains(written);
    assertThat(store.list()).containsExactly(new Backup.Summary(written.id(), T0, 2, 3));
    // No temporary file is left behind.
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactly("20260102-030405-678.backup");
    }
  }

  @Test
  void idsAreUniqueAndOnlyTheNewestAreKept() throws IOException {
    BackupStore store = new BackupStore(dir, 2);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = store.newId(T0);
      ids.add(id);
      store.write(backupOfView(id));
    }
    assertThat(ids).doesNotHaveDuplicates();
    assertThat(store.list()).extracting(Backup.Summary::id).containsExactly(ids.get(1), ids.get(2));
  }

  @Test
  void aBackupOfAnotherFormatIsRefusedAndNotListed() throws IOException {
    Files.createDirectories(dir);
    try (DataOutputStream out =
        new DataOutputStream(Files.newOutputStream(dir.resolve("20990101-000000-000.backup")))) {
      out.writeInt(BackupStore.MAGIC);
      out.writeInt(Backup.FORMAT + 1);
    }
    Files.writeString(dir.resolve("20990101-000000-001.backup"), "not a backup at all");
    BackupStore store = new BackupStore(dir, 48);

    assertThatThrownBy(() -> store.read("20990101-000000-000"))
        .isInstanceOf(BackupStore.UnreadableBackup.class)
        .hasMessageContaining("has format " + (Backup.FORMAT + 1))
        .hasMessageContaining("reads format " + Backup.FORMAT);
    assertThatThrownBy(() -> store.read("20990101-000000-001"))
        .isInstanceOf(BackupStore.UnreadableBackup.class);
    assertThat(store.list()).isEmpty();
  }

  @Test
  void idsThatAreNoBackupsNameNothing() throws IOException {
    BackupStore store = new BackupStore(dir, 48);
    assertThat(store.read("../../etc/passwd")).isEmpty();
    assertThat(store.read("nope")).isEmpty();
    assertThat(store.read("")).isEmpty();
  }

  @Test
  void backupsAreCountedAsTakenOrFailed() throws Exception {
    twoJobs();
    Metrics metrics = Metrics.standalone();
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    BackupStore store = new BackupStore(dir, 48);
    Backup.Others others = new Backup.Others(Map.of("www-data", ResourceAggregate.ZERO), Map.of());
    Backups backups =
        new Backups(view, store, () -> CompletableFuture.completedFuture(others), clock, metrics);
    assertThat(metrics.snapshot())
        .containsEntry(Backups.SUCCESS, 0L)
        .containsEntry(Backups.FAILED, 0L);

    Backup.Summary taken = backups.takeNow().toCompletableFuture().join();
    assertThat(taken).isEqualTo(new Backup.Summary("20260102-030405-678", T0, 2, 3));
    assertThat(store.read(taken.id()).orElseThrow().quotas()).isEqualTo(others.quotas());
    assertThat(metrics.value(Backups.SUCCESS)).isEqualTo(1);

    Backups failing =
        new Backups(
            view,
            store,
            () -> CompletableFuture.failedFuture(new IllegalStateException("no quotas")),
            clock,
            metrics);
    assertThatThrownBy(() -> failing.takeNow().toCompletableFuture().join())
        .isInstanceOf(CompletionException.class);
    assertThat(metrics.value(Backups.FAILED)).isEqualTo(1);
    assertThat(backups.list()).hasSize(1);
  }

  // ---------------------------------------------------------------------------------------------
  // The staged copy

  /** Who the staged recovery's committer was told made the commit. */
  private final AtomicReference<String> committedBy = new AtomicReference<>();

  private StagedRecovery staged(AtomicReference<Backup> committed) throws IOException {
    twoJobs();
    BackupStore store = new BackupStore(dir, 48);
    store.write(backupOfView("b1"));
    return new StagedRecovery(
        store,
        (b, user) -> {
          committed.set(b);
          committedBy.set(user);
          return CompletableFuture.completedFuture(null);
        });
  }

  @Test
  void everyOperationButStageNeedsAStagedBackup() throws IOException {
    StagedRecovery recovery = staged(new AtomicReference<>());
    assertThatThrownBy(() -> recovery.query(StagedRecovery.Filter.ALL))
        .isInstanceOf(StagedRecovery.WrongStage.class);
    assertThatThrownBy(() -> recovery.delete(StagedRecovery.Filter.ALL))
        .isInstanceOf(StagedRecovery.WrongStage.class);
    assertThatThrownBy(recovery::unload).isInstanceOf(StagedRecovery.WrongStage.class);
    assertThatThrownBy(() -> recovery.commit("alice"))
        .isInstanceOf(StagedRecovery.WrongStage.class);
    assertThatThrownBy(() -> recovery.stage("b2")).isInstanceOf(StagedRecovery.NoSuchBackup.class);

    assertThat(recovery.stage("b1")).isEqualTo(new Backup.Summary("b1", T0, 2, 3));
    assertThatThrownBy(() -> recovery.stage("b1"))
        .isInstanceOf(StagedRecovery.WrongStage.class)
        .hasMessageContaining("b1 is staged already");
    recovery.unload();
    assertThat(recovery.staged()).isEmpty();
    recovery.stage("b1");
  }

  @Test
  void theStagedCopyIsQueriedByJobStatusAndTaskId() throws IOException {
    StagedRecovery recovery = staged(new AtomicReference<>());
    recovery.stage("b1");

    StagedRecovery.Staged all = recovery.query(StagedRecovery.Filter.ALL);
    assertThat(all.jobs()).containsExactly(DB, WEB);
    assertThat(all.tasks()).extracting(ScheduledTask::taskId).containsExactly("d0", "w0", "w1");
    assertThat(
            recovery.query(new StagedRecovery.Filter(Optional.of(WEB), Set.of(), Set.of())).tasks())
        .extracting(ScheduledTask::taskId)
        .containsExactly("w0", "w1");
    assertThat(
            recovery
                .query(new StagedRecovery.Filter(Optional.empty(), Set.of(RUNNING), Set.of()))
                .tasks())
        .isEmpty();
    assertThat(
            recovery
                .query(new StagedRecovery.Filter(Optional.empty(), Set.of(PENDING), Set.of("w1")))
                .tasks())
        .extracting(ScheduledTask::taskId)
        .containsExactly("w1");
  }

  @Test
  void deletedTasksLeaveTheStagedCopyAndTheCommitGetsTheEditedCopy() throws IOException {
    AtomicReference<Backup> committed = new AtomicReference<>();
    StagedRecovery recovery = staged(committed);
    recovery.stage("b1");

    assertThat(
            recovery.delete(
                new StagedRecovery.Filter(Optional.empty(), Set.of(), Set.of("w1", "nope"))))
        .containsExactly("w1");
    assertThat(recovery.delete(new StagedRecovery.Filter(Optional.of(DB), Set.of(), Set.of())))
        .containsExactly("d0");
    StagedRecovery.Staged left = recovery.query(StagedRecovery.Filter.ALL);
    // The jobs stay; only their tasks went.
    assertThat(left.jobs()).containsExactly(DB, WEB);
    assertThat(left.tasks()).extracting(ScheduledTask::taskId).containsExactly("w0");

    Backup.Summary done = recovery.commit("alice").toCompletableFuture().join();
    assertThat(done).isEqualTo(new Backup.Summary("b1", T0, 2, 1));
    assertThat(committed.get().summary()).isEqualTo(done);
    // The changes the commit makes name who asked for it.
    assertThat(committedBy.get()).isEqualTo("alice");
    assertThat(recovery.staged()).isEmpty();
  }

  @Test
  void aFailedCommitKeepsTheStage() throws IOException {
    twoJobs();
    BackupStore store = new BackupStore(dir, 48);
    store.write(backupOfView("b1"));
    StagedRecovery recovery =
        new StagedRecovery(
            store,
            (b, user) -> CompletableFuture.failedFuture(new IllegalStateException("timed out")));
    recovery.stage("b1");
    assertThatThrownBy(() -> recovery.commit("alice").toCompletableFuture().join())
        .hasRootCauseMessage("timed out");
    assertThat(recovery.staged()).isPresent();
  }

  // ---------------------------------------------------------------------------------------------
  // The read view and the Restored events

  @Test
  void aRestoredJobAndItsInstancesReplaceWhatTheViewHad() {
    twoJobs();
    InstanceKey web0 = new InstanceKey(WEB, 0);
    InstanceKey web1 = new InstanceKey(WEB, 1);
    apply(
        new JobEvent.JobRestored(
            WEB, Optional.of(job(WEB, 1)), List.of(0), Optional.of(T0), T0, "recovery"));
    apply(
        new InstanceEvent.InstanceRestored(
            web0, List.of(task("w0-new", WEB, 0, RUNNING), task("w0-old", WEB, 0, KILLED)), T0));
    apply(new InstanceEvent.InstanceRestored(web1, List.of(), T0));

    assertThat(view.task("w0")).isEmpty();
    assertThat(view.task("w1")).isEmpty();
    assertThat(view.tasks(TaskQuery.forJob(WEB)).items())
        .extracting(ScheduledTask::taskId)
        .containsExactly("w0-new", "w0-old");
    assertThat(view.tasksIn(RUNNING)).isEqualTo(1);
    assertThat(view.tasksIn(KILLED)).isEqualTo(1);
    assertThat(view.tasksIn(PENDING)).isEqualTo(1);
    assertThat(view.job(WEB).orElseThrow().config()).isEqualTo(job(WEB, 1));
    assertThat(view.activeConfigs(WEB)).containsOnlyKeys(0);
  }

  @Test
  void anErasedJobIsListedNoMoreAndCanBeCreatedAgain() {
    twoJobs();
    apply(
        new JobEvent.JobRestored(
            DB, Optional.empty(), List.of(), Optional.empty(), T0, "recovery"));
    apply(new InstanceEvent.InstanceRestored(new InstanceKey(DB, 0), List.of(), T0));

    assertThat(view.jobs(Optional.empty(), Optional.empty()))
        .extracting(QueryService.JobSummary::key)
        .containsExactly(WEB);
    assertThat(view.job(DB)).isEmpty();
    assertThat(view.task("d0")).isEmpty();
    assertThat(view.taskCount()).isEqualTo(2);

    apply(new JobEvent.JobCreated(DB, job(DB, 1), List.of(0), "s2", T0, "bob"));
    assertThat(view.job(DB)).isPresent();
  }

  @Test
  void aViewRestoredFromItsSnapshotKeepsTheRestoredState() {
    twoJobs();
    apply(
        new JobEvent.JobRestored(
            DB, Optional.empty(), List.of(), Optional.empty(), T0, "recovery"));
    apply(new InstanceEvent.InstanceRestored(new InstanceKey(DB, 0), List.of(), T0));
    ReadView again = new ReadView();
    again.restore(view.snapshot());
    assertThat(again.job(DB)).isEmpty();
    assertThat(again.taskCount()).isEqualTo(2);
  }
}
