package io.borealis.persistence;

import static io.borealis.update.InstanceAction.INSTANCE_ROLLBACK_FAILED;
import static io.borealis.update.InstanceAction.INSTANCE_ROLLED_BACK;
import static io.borealis.update.InstanceAction.INSTANCE_ROLLING_BACK;
import static io.borealis.update.InstanceAction.INSTANCE_UPDATED;
import static io.borealis.update.InstanceAction.INSTANCE_UPDATE_FAILED;
import static io.borealis.update.InstanceAction.INSTANCE_UPDATING;
import static io.borealis.update.UpdateStatus.ABORTED;
import static io.borealis.update.UpdateStatus.ROLLED_BACK;
import static io.borealis.update.UpdateStatus.ROLLED_FORWARD;
import static io.borealis.update.UpdateStatus.ROLLING_BACK;
import static io.borealis.update.UpdateStatus.ROLLING_FORWARD;
import static io.borealis.update.UpdateStatus.ROLL_FORWARD_PAUSED;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobDiff;
import io.borealis.job.JobEvent;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import io.borealis.persistence.ReadView.Envelope;
import io.borealis.persistence.UpdateHistory.InstanceEntry;
import io.borealis.persistence.UpdateHistory.Progress;
import io.borealis.persistence.UpdateHistory.Query;
import io.borealis.persistence.UpdateHistory.StatusEntry;
import io.borealis.persistence.UpdateHistory.Summary;
import io.borealis.update.InstanceAction;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateInstructions;
import io.borealis.update.UpdateKey;
import io.borealis.update.UpdateStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job updates on the read side: the update entity's events in, getJobUpdateSummaries/Details-style
 * answers out (aurora-semantics §4.3, §4.6, §7, §12), the job's active update, the history bound of
 * §4.12, the event stream's update changes, and the snapshot round trip.
 */
class ReadViewUpdatesTest {

  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static final JobKey HELLO = new JobKey("www-data", "prod", "hello");
  private static final JobKey OTHER = new JobKey("ops", "devel", "other");
  private static final TaskConfig V1 =
      TaskConfig.simple(HELLO, true, Resources.of(1, 128, 128, "http"));
  private static final TaskConfig V2 =
      TaskConfig.simple(HELLO, true, Resources.of(2, 256, 128, "http"));
  private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  private ReadView view = new ReadView(2);
  private final Map<String, Long> sequenceNrs = new HashMap<>();
  private int clock;

  private Instant now() {
    return T0.plusSeconds(clock++);
  }

  private Envelope envelope(String pid, Object event) {
    return new Envelope(pid, sequenceNrs.merge(pid, 1L, Long::sum), event);
  }

  private List<Envelope> apply(UpdateKey key, UpdateEvent... events) {
    List<Envelope> batch = new ArrayList<>();
    for (UpdateEvent e : events) {
      batch.add(envelope("update|" + key, e));
    }
    view.applyAll(batch);
    return batch;
  }

  private void createJob(JobKey key) {
    JobConfiguration config =
        new JobConfiguration(
            key, 3, V1, UpdateSettings.DEFAULT, Optional.empty(), CronCollisionPolicy.CANCEL_NEW);
    view.applyAll(
        List.of(
            envelope(
                "Job|" + key,
                new JobEvent.JobCreated(key, config, List.of(0, 1, 2), "s1", now(), "alice"))));
  }

  private static UpdateInstructions instructions(int instances) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      ids.add(i);
    }
    UpdateSettings settings =
        new UpdateSettings(
            3,
            1,
            0,
            0,
            true,
            false,
            Optional.empty(),
            false,
            Optional.empty(),
            new UpdateStrategy.Queue(3));
    return new UpdateInstructions(
        List.of(new JobDiff.Group(V1, ids)), Optional.of(new JobDiff.Group(V2, ids)), settings);
  }

  private UpdateEvent.UpdateStarted started(UpdateKey key, String user, Map<String, String> meta) {
    return new UpdateEvent.UpdateStarted(
        key.id(),
        key.job(),
        instructions(3),
        user,
        meta,
        Optional.empty(),
        ROLLING_FORWARD,
        Optional.of("rolling out v2"),
        now());
  }

  private UpdateEvent.StatusChanged moved(
      UpdateKey key, UpdateStatus from, UpdateStatus to, String user, String message) {
    return new UpdateEvent.StatusChanged(
        key.id(), from, to, Optional.ofNullable(user), Optional.ofNullable(message), now());
  }

  private UpdateEvent.InstanceTransitioned instance(
      UpdateKey key, int instance, InstanceAction action) {
    return new UpdateEvent.InstanceTransitioned(
        key.id(), instance, action, Optional.empty(), now());
  }

  /** A bookkeeping event the read side ignores (it still counts in the index). */
  private UpdateEvent.Pulsed pulsed(UpdateKey key) {
    return new UpdateEvent.Pulsed(key.id(), now());
  }

  private static UpdateKey key(JobKey job, String id) {
    return new UpdateKey(job, id);
  }

  private Summary summary(UpdateKey key) {
    return view.update(key).orElseThrow().summary();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aStartedUpdateIsTheJobsActiveUpdateWithItsRequest() {
    createJob(HELLO);
    UpdateKey u = key(HELLO, "u1");
    apply(u, started(u, "alice", Map.of("ticket", "T-1")));

    var details = view.update(u).orElseThrow();
    assertThat(details.summary().status()).isEqualTo(ROLLING_FORWARD);
    assertThat(details.summary().user()).isEqualTo("alice");
    assertThat(details.summary().metadata()).containsEntry("ticket", "T-1");
    assertThat(details.summary().message()).contains("rolling out v2");
    assertThat(details.summary().createdAt()).isEqualTo(details.summary().lastModified());
    assertThat(details.summary().progress()).isEqualTo(new Progress(3, 0, 0, 0));
    assertThat(details.instructions().desiredState().orElseThrow().config()).isEqualTo(V2);
    assertThat(details.updateEvents())
        .extracting(StatusEntry::status, StatusEntry::user)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ROLLING_FORWARD, Optional.of("alice")));
    assertThat(view.summary(HELLO).orElseThrow().activeUpdate()).contains("u1");
    assertThat(view.job(HELLO).orElseThrow().summary().activeUpdate()).contains("u1");
    assertThat(view.activeUpdate(HELLO).map(Summary::key)).contains(u);
  }

  @Test
  void statusChangesAndInstanceEventsAreRecordedAndCounted() {
    UpdateKey u = key(HELLO, "u1");
    apply(
        u,
        started(u, "alice", Map.of()),
        instance(u, 0, INSTANCE_UPDATING),
        instance(u, 1, INSTANCE_UPDATING),
        instance(u, 0, INSTANCE_UPDATED),
        pulsed(u));
    assertThat(summary(u).progress()).isEqualTo(new Progress(3, 1, 1, 0));

    apply(u, moved(u, ROLLING_FORWARD, ROLL_FORWARD_PAUSED, "bob", "hold on"));
    apply(u, instance(u, 1, INSTANCE_UPDATE_FAILED));

    Summary s = summary(u);
    assertThat(s.status()).isEqualTo(ROLL_FORWARD_PAUSED);
    assertThat(s.message()).contains("hold on");
    assertThat(s.progress()).isEqualTo(new Progress(3, 1, 0, 1));
    // Last modified is the latest of the update events and the instance events (§4.2 step 6).
    var details = view.update(u).orElseThrow();
    assertThat(s.lastModified()).isEqualTo(details.instanceEvents().get(3).timestamp());
    assertThat(details.updateEvents())
        .extracting(StatusEntry::status)
        .containsExactly(ROLLING_FORWARD, ROLL_FORWARD_PAUSED);
    assertThat(details.updateEvents().get(1).user()).contains("bob");
    assertThat(details.instanceEvents())
        .extracting(InstanceEntry::instance, InstanceEntry::action)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0, INSTANCE_UPDATING),
            org.assertj.core.groups.Tuple.tuple(1, INSTANCE_UPDATING),
            org.assertj.core.groups.Tuple.tuple(0, INSTANCE_UPDATED),
            org.assertj.core.groups.Tuple.tuple(1, INSTANCE_UPDATE_FAILED));
  }

  @Test
  void onceRollingBackOnlyRollbackEventsCountAndTheEndFreesTheJob() {
    createJob(HELLO);
    UpdateKey u = key(HELLO, "u1");
    apply(
        u,
        started(u, "alice", Map.of()),
        instance(u, 0, INSTANCE_UPDATING),
        instance(u, 0, INSTANCE_UPDATED),
        instance(u, 1, INSTANCE_UPDATING),
        instance(u, 1, INSTANCE_UPDATE_FAILED),
        moved(u, ROLLING_FORWARD, ROLLING_BACK, null, "Latest failure: instance 1 exited."));
    assertThat(summary(u).progress()).isEqualTo(new Progress(3, 0, 0, 0));

    apply(
        u,
        instance(u, 1, INSTANCE_ROLLING_BACK),
        instance(u, 1, INSTANCE_ROLLED_BACK),
        instance(u, 0, INSTANCE_ROLLING_BACK));
    assertThat(summary(u).progress()).isEqualTo(new Progress(3, 1, 1, 0));
    apply(u, instance(u, 0, INSTANCE_ROLLBACK_FAILED));
    assertThat(summary(u).progress()).isEqualTo(new Progress(3, 1, 0, 1));

    apply(u, moved(u, ROLLING_BACK, ROLLED_BACK, null, "Latest failure: instance 1 exited."));
    assertThat(summary(u).status()).isEqualTo(ROLLED_BACK);
    assertThat(summary(u).message()).contains("Latest failure: instance 1 exited.");
    assertThat(view.summary(HELLO).orElseThrow().activeUpdate()).isEmpty();
    assertThat(view.activeUpdate(HELLO)).isEmpty();
  }

  @Test
  void updatesAreListedNewestModifiedFirstAndFilteredByEveryField() {
    UpdateKey a = key(HELLO, "a");
    UpdateKey b = key(OTHER, "b");
    UpdateKey c = key(HELLO, "c");
    apply(a, started(a, "alice", Map.of("ticket", "T-1", "team", "web")));
    apply(b, started(b, "bob", Map.of("ticket", "T-2")));
    apply(a, moved(a, ROLLING_FORWARD, ROLLED_FORWARD, null, null));
    apply(c, started(c, "alice", Map.of("ticket", "T-1")));
    apply(b, instance(b, 0, INSTANCE_UPDATING));

    assertThat(keys(Query.all())).containsExactly(b, c, a);
    assertThat(keys(query(Optional.of("www-data"), Optional.empty(), Set.of(), null, Map.of())))
        .containsExactly(c, a);
    assertThat(keys(query(Optional.empty(), Optional.of(OTHER), Set.of(), null, Map.of())))
        .containsExactly(b);
    assertThat(
            keys(
                query(
                    Optional.empty(),
                    Optional.empty(),
                    Set.of(ROLLED_FORWARD, ABORTED),
                    null,
                    Map.of())))
        .containsExactly(a);
    assertThat(keys(query(Optional.empty(), Optional.empty(), Set.of(), "alice", Map.of())))
        .containsExactly(c, a);
    assertThat(
            keys(
                query(Optional.empty(), Optional.empty(), Set.of(), null, Map.of("ticket", "T-1"))))
        .containsExactly(c, a);
    assertThat(
            keys(
                query(
                    Optional.empty(),
                    Optional.empty(),
                    Set.of(),
                    null,
                    Map.of("ticket", "T-1", "team", "web"))))
        .containsExactly(a);

    var page =
        view.updates(
            new Query(
                Optional.empty(), Optional.empty(), Set.of(), Optional.empty(), Map.of(), 1, 1));
    assertThat(page.total()).isEqualTo(3);
    assertThat(page.items()).extracting(Summary::key).containsExactly(c);
  }

  @Test
  void anIdUsedByTwoJobsNamesBoth() {
    UpdateKey mine = key(HELLO, "rollout-7");
    UpdateKey theirs = key(OTHER, "rollout-7");
    apply(mine, started(mine, "alice", Map.of()));
    apply(theirs, started(theirs, "bob", Map.of()));

    assertThat(view.updatesWithId("rollout-7")).containsExactly(theirs, mine);
    assertThat(view.updatesWithId("unknown")).isEmpty();
    assertThat(summary(theirs).user()).isEqualTo("bob");
  }

  @Test
  void onlyTheNewestFinishedUpdatesOfAJobAreKept() {
    // The view keeps 2 finished updates per job.
    List<UpdateKey> done = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      UpdateKey u = key(HELLO, "u" + i);
      apply(
          u, started(u, "alice", Map.of()), moved(u, ROLLING_FORWARD, ROLLED_FORWARD, null, null));
      done.add(u);
    }
    UpdateKey running = key(HELLO, "now");
    apply(running, started(running, "alice", Map.of()));
    UpdateKey elsewhere = key(OTHER, "x");
    apply(
        elsewhere,
        started(elsewhere, "bob", Map.of()),
        moved(elsewhere, ROLLING_FORWARD, ABORTED, "bob", null));

    assertThat(keys(Query.all()))
        .containsExactlyInAnyOrder(done.get(2), done.get(3), running, elsewhere);
    assertThat(view.update(done.get(0))).isEmpty();
    assertThat(view.updatesWithId("u0")).isEmpty();
    // A later event of a pruned update is ignored.
    apply(done.get(0), instance(done.get(0), 0, INSTANCE_UPDATED));
    assertThat(view.update(done.get(0))).isEmpty();
  }

  @Test
  void finishedUpdatesThatEndedBeforeTheCutoffLeaveTheViewAndAreCounted() {
    UpdateKey running = key(HELLO, "now");
    apply(running, started(running, "alice", Map.of()));
    UpdateKey old = key(OTHER, "old");
    apply(
        old,
        started(old, "alice", Map.of()),
        moved(old, ROLLING_FORWARD, ROLLED_FORWARD, null, null));
    Instant cutoff = now();
    UpdateKey recent = key(OTHER, "recent");
    apply(
        recent,
        started(recent, "bob", Map.of()),
        moved(recent, ROLLING_FORWARD, ABORTED, "bob", null));

    assertThat(view.pruneUpdatesEndedBefore(cutoff)).isEqualTo(1);
    // An active update stays whatever its age; a finished one stays until it is old enough.
    assertThat(keys(Query.all())).containsExactlyInAnyOrder(running, recent);
    assertThat(view.update(old)).isEmpty();
    assertThat(view.updatesPruned()).isEqualTo(1);

    // Pruned by count (2 finished kept per job) is counted too.
    for (int i = 0; i < 3; i++) {
      UpdateKey u = key(OTHER, "u" + i);
      apply(u, started(u, "bob", Map.of()), moved(u, ROLLING_FORWARD, ROLLED_FORWARD, null, null));
    }
    assertThat(view.updatesPruned()).isEqualTo(3);
  }

  @Test
  void anEventReportedByTheEntityAndLaterByTheJournalIsAppliedOnce() {
    UpdateKey u = key(HELLO, "u1");
    UpdateEvent.UpdateStarted start = started(u, "alice", Map.of());
    UpdateEvent.InstanceTransitioned first = instance(u, 0, INSTANCE_UPDATING);
    view.persisted("update|" + u, 2, List.of(start, first));
    long index = view.index();

    view.applyAll(
        List.of(
            new Envelope("update|" + u, 1, start),
            new Envelope("update|" + u, 2, first),
            new Envelope("update|" + u, 3, instance(u, 0, INSTANCE_UPDATED))));

    assertThat(view.index()).isEqualTo(index + 1);
    assertThat(view.update(u).orElseThrow().instanceEvents()).hasSize(2);
    assertThat(summary(u).progress()).isEqualTo(new Progress(3, 1, 0, 0));
  }

  @Test
  void theEventStreamCarriesUpdateChangesForTheUpdateAndItsJob() throws Exception {
    UpdateKey u = key(HELLO, "u1");
    UpdateKey other = key(OTHER, "u1");
    apply(u, started(u, "alice", Map.of()));
    apply(other, started(other, "bob", Map.of()));
    apply(
        u,
        instance(u, 2, INSTANCE_UPDATING),
        moved(u, ROLLING_FORWARD, ROLL_FORWARD_PAUSED, "bob", "wait"));

    List<Change> ofUpdate = changes(new Change.Topic.Update(Optional.of(HELLO), "u1"), 3);
    assertThat(ofUpdate)
        .extracting(c -> c.payload().kind())
        .containsExactly("update", "update_instance", "update");
    Change.UpdateChanged paused = (Change.UpdateChanged) ofUpdate.get(2).payload();
    assertThat(paused.status()).isEqualTo(ROLL_FORWARD_PAUSED);
    assertThat(paused.previous()).contains(ROLLING_FORWARD);
    assertThat(paused.user()).contains("bob");
    Change.UpdateInstanceChanged updating =
        (Change.UpdateInstanceChanged) ofUpdate.get(1).payload();
    assertThat(updating.instanceId()).isEqualTo(2);
    assertThat(updating.action()).isEqualTo(INSTANCE_UPDATING);

    // By id alone: the updates of every job with that id; by job: the job's updates.
    assertThat(changes(new Change.Topic.Update(Optional.empty(), "u1"), 4)).hasSize(4);
    assertThat(changes(new Change.Topic.Job(OTHER), 1))
        .extracting(c -> c.job())
        .containsExactly(OTHER);
  }

  /** The first {@code n} buffered changes of a topic. */
  private List<Change> changes(Change.Topic topic, int n) throws Exception {
    return view.changes()
        .subscribe(
            Optional.of(new ChangeLog.Resume.After(0)),
            List.of(topic),
            Materializer.matFromSystem(KIT.system()))
        .changes()
        .take(n)
        .completionTimeout(Duration.ofSeconds(5))
        .runWith(Sink.seq(), KIT.system())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void updatesSurviveASnapshotRoundTrip(@TempDir Path dir) throws Exception {
    createJob(HELLO);
    UpdateKey finished = key(HELLO, "old");
    UpdateKey u = key(HELLO, "u1");
    apply(
        finished,
        started(finished, "alice", Map.of()),
        moved(finished, ROLLING_FORWARD, ROLLED_FORWARD, null, null));
    apply(
        u,
        started(u, "alice", Map.of("ticket", "T-1")),
        instance(u, 0, INSTANCE_UPDATING),
        instance(u, 0, INSTANCE_UPDATED),
        moved(u, ROLLING_FORWARD, ROLLING_BACK, "bob", "changed my mind"),
        instance(u, 0, INSTANCE_ROLLING_BACK));
    FileSnapshotStore store = new FileSnapshotStore(dir);
    store.save(view.snapshot());

    ReadView restored = new ReadView(2);
    restored.restore(store.load().orElseThrow());

    assertThat(restored.update(u)).isEqualTo(view.update(u));
    assertThat(restored.update(finished)).isEqualTo(view.update(finished));
    assertThat(restored.updates(Query.all())).isEqualTo(view.updates(Query.all()));
    assertThat(restored.summary(HELLO).orElseThrow().activeUpdate()).contains("u1");
    // What follows is applied on top; what the snapshot held is skipped.
    List<Envelope> next = List.of(envelope("update|" + u, instance(u, 0, INSTANCE_ROLLED_BACK)));
    restored.applyAll(next);
    restored.applyAll(next);
    assertThat(restored.update(u).orElseThrow().summary().progress())
        .isEqualTo(new Progress(3, 1, 0, 0));
  }

  @Test
  void aFormatOneSnapshotStillLoadsWithoutUpdates(@TempDir Path dir) throws Exception {
    createJob(HELLO);
    UpdateKey u = key(HELLO, "u1");
    apply(u, started(u, "alice", Map.of()));
    ViewSnapshot s = view.snapshot();
    FileSnapshotStore store = new FileSnapshotStore(dir);
    store.save(
        new ViewSnapshot(
            ViewSnapshot.FORMAT_WITHOUT_UPDATES,
            s.index(),
            s.offsets(),
            s.otherSequenceNrs(),
            s.jobs()));

    ViewSnapshot loaded = store.load().orElseThrow();
    ReadView restored = new ReadView();
    restored.restore(loaded);

    assertThat(loaded.format()).isEqualTo(ViewSnapshot.FORMAT_WITHOUT_UPDATES);
    assertThat(restored.job(HELLO)).isEqualTo(view.job(HELLO).map(d -> withoutUpdate(d)));
    assertThat(restored.updates(Query.all()).items()).isEmpty();
  }

  private static ReadView.JobDetails withoutUpdate(ReadView.JobDetails d) {
    ReadView.JobSummary s = d.summary();
    return new ReadView.JobDetails(
        new ReadView.JobSummary(s.key(), s.instances(), s.stats(), s.cronSchedule()),
        d.config(),
        d.activeGroups(),
        d.createdAt());
  }

  // ---------------------------------------------------------------------------------------------

  private List<UpdateKey> keys(Query q) {
    return view.updates(q).items().stream().map(Summary::key).toList();
  }

  private static Query query(
      Optional<String> role,
      Optional<JobKey> job,
      Set<UpdateStatus> statuses,
      String user,
      Map<String, String> metadata) {
    return new Query(
        role, job, statuses, Optional.ofNullable(user), metadata, 0, Integer.MAX_VALUE);
  }
}
