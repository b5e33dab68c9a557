package io.borealis.persistence;

import com.typesafe.config.Config;
import io.borealis.common.Tags;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link ReadView} from the journal. On creation it loads the view's snapshot, if there
 * is one; {@link #start} then follows every journal tag with its own stream, each resuming from the
 * offset the view holds for it: first what the journal holds now (after which the view is "caught
 * up" and the node may serve reads), then, without end, every new event. A stream restarts with
 * backoff after a failure, from the last offset the view applied; the view skips anything it has
 * already seen.
 *
 * <p>The view is snapshotted every {@code snapshot.every-events} applied events, at most every
 * {@code snapshot.interval} when anything changed, once the replay is over, and at graceful
 * shutdown, so a restart replays only what came after the last snapshot.
 */
public final class ReadSide {

  private static final Logger LOG = LoggerFactory.getLogger(ReadSide.class);

  /** The read side's settings, from {@code borealis.read-side}. */
  public record Settings(
      int batchSize,
      Duration batchWindow,
      Duration restartMinBackoff,
      Duration restartMaxBackoff,
      Tags tags,
      boolean snapshots,
      long snapshotEveryEvents,
      Duration snapshotInterval,
      Path snapshotDirectory) {

    public static Settings from(Config config) {
      Config rs = config.getConfig("borealis.read-side");
      Path dataDir = Path.of(config.getString("borealis.store.data-dir"));
      return new Settings(
          rs.getInt("batch-size"),
          rs.getDuration("batch-window"),
          rs.getDuration("restart-min-backoff"),
          rs.getDuration("restart-max-backoff"),
          new Tags(rs.getInt("tags")),
          rs.getBoolean("snapshot.enabled"),
          rs.getLong("snapshot.every-events"),
          rs.getDuration("snapshot.interval"),
          dataDir.resolve(rs.getString("snapshot.directory")));
    }
  }

  private final ActorSystem<?> system;
  private final ReadView view;
  private final Settings settings;
  private final Optional<SnapshotStore> store;
  private final ExecutorService snapshotter;
  private final AtomicBoolean snapshotting = new AtomicBoolean();
  private final AtomicLong snapshotIndex = new AtomicLong(-1);
  private final AtomicLong eventsRead = new AtomicLong();
  // How long the newest event read live had been in the journal when it was read; -1 before one.
  private final AtomicLong lagMillis = new AtomicLong(-1);

  /** Events read (applied or skipped) since the last snapshot: they move the offsets on. */
  private final AtomicLong eventsSinceSnapshot = new AtomicLong();

  /** When the streams last delivered a batch (System.nanoTime). */
  private final AtomicLong lastBatch = new AtomicLong(System.nanoTime());

  /** Completed once the shutdown's snapshot is taken (or given up). */
  private final CompletableFuture<Done> lastSnapshot = new CompletableFuture<>();

  /** At shutdown: the streams count as drained after this long without a batch... */
  private static final Duration QUIET = Duration.ofMillis(500);

  /** ...and the snapshot waits for that at most this long. */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(10);

  private ReadSide(
      ActorSystem<?> system, ReadView view, Settings settings, Optional<SnapshotStore> store) {
    this.system = system;
    this.view = view;
    this.settings = settings;
    this.store = store;
    this.snapshotter =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "borealis-read-side-snapshots");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The read side of {@code view}, with the snapshot store under the data directory; loads the
   * snapshot into the view now. Call it before the entities start feeding the view.
   */
  public static ReadSide create(ActorSystem<?> system, ReadView view) {
    Settings settings = Settings.from(system.settings().config());
    Optional<SnapshotStore> store =
        settings.snapshots()
            ? Optional.of(new FileSnapshotStore(settings.snapshotDirectory()))
            : Optional.empty();
    return create(system, view, settings, store);
  }

  /** As {@link #create(ActorSystem, ReadView)}, with settings and store given. */
  public static ReadSide create(
      ActorSystem<?> system, ReadView view, Settings settings, Optional<SnapshotStore> store) {
    ReadSide readSide = new ReadSide(system, view, settings, store);
    readSide.restore();
    AppliedEvents.get(system.classicSystem()).use(view::lastApplied);
    return readSide;
  }

  /** Loads the snapshot, if any; a snapshot that cannot be read means a replay from the start. */
  private void restore() {
    if (store.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    try {
      Optional<ViewSnapshot> snapshot = store.get().load();
      if (snapshot.isEmpty()) {
        LOG.info("The read side has no snapshot: it replays the journal from the start");
        return;
      }
      view.restore(snapshot.get());
      snapshotIndex.set(snapshot.get().index());
      LOG.info(
          "The read side resumed from its snapshot at index {} ({} jobs, {} tasks) in {} ms",
          snapshot.get().index(),
          snapshot.get().jobs().size(),
          view.taskCount(),
          millisSince(started));
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "The read side ignores its snapshot {} and replays the journal from the start: {}",
          store.get().describe(),
          e.getMessage());
      view.restore(
          new ViewSnapshot(
              ViewSnapshot.FORMAT, 0, java.util.Map.of(), java.util.Map.of(), List.of()));
    }
  }

  /**
   * Starts following the journal; completes when the view has caught up with what the journal held.
   */
  public CompletionStage<Done> start() {
    Config config = system.settings().config();
    String pluginId = config.getString("borealis.store.read-journal");
    ReadJournal journal =
        PersistenceQuery.get(system.classicSystem()).getReadJournalFor(ReadJournal.class, pluginId);
    CurrentEventsByTagQuery current = (CurrentEventsByTagQuery) journal;
    EventsByTagQuery live = (EventsByTagQuery) journal;
    RestartSettings restart =
        RestartSettings.create(settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2);
    long started = System.nanoTime();

    // The single tag of earlier releases first: an entity's older events must come before its
    // newer ones, which are in one of the spread tags.
    CompletionStage<Done> legacy = replay(current, Tags.LEGACY, restart);
    CompletionStage<Done> replayed =
        legacy.thenCompose(
            done -> {
              List<CompletableFuture<Done>> all = new ArrayList<>();
              for (String tag : settings.tags().all()) {
                all.add(replay(current, tag, restart).toCompletableFuture());
              }
              return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                  .thenApply(v -> Done.getInstance());
            });
    return replayed.thenApply(
        done -> {
          view.markCaughtUp();
          LOG.info(
              "The read side caught up with the journal in {} ms: read {} events, index {}",
              millisSince(started),
              eventsRead.get(),
              view.index());
          follow(live, restart);
          scheduleSnapshots();
          if (view.index() - snapshotIndex.get() >= settings.snapshotEveryEvents()) {
            requestSnapshot();
          }
          return Done.getInstance();
        });
  }

  private CompletionStage<Done> replay(
      CurrentEventsByTagQuery current, String tag, RestartSettings restart) {
    return RestartSource.onFailuresWithBackoff(
            restart,
            () ->
                applying(
                    current.currentEventsByTag(tag, Offsets.decode(view.offset(tag))), tag, false))
        .runWith(Sink.ignore(), system);
  }

  private void follow(EventsByTagQuery live, RestartSettings restart) {
    List<UniqueKillSwitch> tails = new ArrayList<>();
    for (String tag : settings.tags().all()) {
      tails.add(
          RestartSource.withBackoff(
                  restart,
                  () ->
                      applying(live.eventsByTag(tag, Offsets.decode(view.offset(tag))), tag, true))
              .viaMat(KillSwitches.single(), Keep.right())
              .toMat(Sink.ignore(), Keep.left())
              .run(system));
    }
    // The streams run until the last snapshot is taken (it runs in the phase before this one's
    // end), so its offsets include what was written while the node shut down.
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "stop-read-side",
            () ->
                lastSnapshot.thenApply(
                    done -> {
                      tails.forEach(UniqueKillSwitch::shutdown);
                      return Done.getInstance();
                    }));
  }

  private Source<Done, NotUsed> applying(
      Source<EventEnvelope, NotUsed> events, String tag, boolean live) {
    return events
        .groupedWithin(settings.batchSize(), settings.batchWindow())
        .map(
            batch -> {
              eventsRead.addAndGet(batch.size());
              eventsSinceSnapshot.addAndGet(batch.size());
              lastBatch.set(System.nanoTime());
              if (live) {
                lagMillis.set(
                    Math.max(
                        0, System.currentTimeMillis() - batch.get(batch.size() - 1).timestamp()));
              }
              List<ReadView.Envelope> envelopes = new ArrayList<>(batch.size());
              for (EventEnvelope e : batch) {
                // Only its position counts: the view has it (and the payload was not read).
                if (!(e.event() instanceof AppliedEvents.AlreadyApplied)) {
                  envelopes.add(
                      new ReadView.Envelope(e.persistenceId(), e.sequenceNr(), e.event()));
                }
              }
              Optional<String> offset = Offsets.encode(batch.get(batch.size() - 1).offset());
              if (offset.isPresent()) {
                view.applyAll(tag, offset.get(), envelopes);
              } else {
                view.applyAll(envelopes);
              }
              if (live && view.index() - snapshotIndex.get() >= settings.snapshotEveryEvents()) {
                requestSnapshot();
              }
              return Done.getInstance();
            });
  }

  private void scheduleSnapshots() {
    if (store.isEmpty()) {
      lastSnapshot.complete(Done.getInstance());
      return;
    }
    Duration every = settings.snapshotInterval();
    system
        .scheduler()
        .scheduleWithFixedDelay(
            every,
            every,
            () -> {
              if (view.index() != snapshotIndex.get() || eventsSinceSnapshot.get() > 0) {
                requestSnapshot();
              }
            },
            system.executionContext());
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "snapshot-read-side",
            () -> CompletableFuture.supplyAsync(this::finalSnapshot, snapshotter));
  }

  /** Takes a snapshot in the background, unless one is being written. */
  private void requestSnapshot() {
    if (store.isPresent() && snapshotting.compareAndSet(false, true)) {
      try {
        snapshotter.execute(
            () -> {
              try {
                snapshotNow();
              } finally {
                snapshotting.set(false);
              }
            });
      } catch (RejectedExecutionException shuttingDown) {
        // The last snapshot is being taken, or was.
      }
    }
  }

  /** At shutdown: the last snapshot (on the snapshot thread, after any one being written). */
  private Done finalSnapshot() {
    // Nothing is written any more: let the streams read what the journal still holds for them
    // (they are quiet once they have), so that the next start has nothing to read again.
    long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
    while (System.nanoTime() - lastBatch.get() < QUIET.toNanos() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (view.index() != snapshotIndex.get() || eventsSinceSnapshot.get() > 0) {
      snapshotNow();
    }
    snapshotter.shutdown();
    lastSnapshot.complete(Done.getInstance());
    return Done.getInstance();
  }

  /** On the snapshot thread. */
  private void snapshotNow() {
    long started = System.nanoTime();
    try {
      long read = eventsSinceSnapshot.get();
      ViewSnapshot snapshot = view.snapshot();
      store.get().save(snapshot);
      eventsSinceSnapshot.addAndGet(-read);
      snapshotIndex.set(snapshot.index());
      LOG.info(
          "The read side saved its snapshot at index {} ({} jobs, {} tasks) in {} ms",
          snapshot.index(),
          snapshot.jobs().size(),
          snapshot.taskCount(),
          millisSince(started));
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "The read side could not save its snapshot to {}: {}",
          store.get().describe(),
          e.toString());
    }
  }

  /** How many events the journal streams delivered since the start (applied or skipped). */
  public long eventsRead() {
    return eventsRead.get();
  }

  /**
   * How far behind the journal the read side reads: the age of the newest event it read live when
   * it read it (empty before the first one). Events this node wrote are in its view before that.
   */
  public Optional<java.time.Duration> lag() {
    long ms = lagMillis.get();
    return ms < 0 ? Optional.empty() : Optional.of(java.time.Duration.ofMillis(ms));
  }

  /** Saves a snapshot now and waits for it (tests). */
  public void snapshot() throws Exception {
    snapshotter.submit(this::snapshotNow).get(1, TimeUnit.MINUTES);
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
