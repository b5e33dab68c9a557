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
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.TimeBasedUUID;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
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
 * <p>On a journal several nodes share ({@code borealis.read-side.index = journal-time}) the view's
 * index is a journal position ({@link Positions}): each tag's stream moves how far that tag is
 * complete, and a query of what each lagging tag holds ("catch-up", {@link #catchUp}) moves the
 * idle ones, every {@code catch-up-interval} and whenever a read waits for a position the view has
 * not reached; concurrent requests share one query per tag.
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

  /** Journal positions as the index: on a journal several nodes share. */
  public record PositionSettings(Duration catchUpInterval) {

    /** From {@code borealis.read-side}: present when {@code index = journal-time}. */
    public static Optional<PositionSettings> from(Config config) {
      Config rs = config.getConfig("borealis.read-side");
      if (!rs.getString("index").equals("journal-time")) {
        return Optional.empty();
      }
      return Optional.of(new PositionSettings(rs.getDuration("catch-up-interval")));
    }
  }

  private final ActorSystem<?> system;
  private final ReadView view;
  private final Settings settings;
  private Optional<PositionSettings> positioning = Optional.empty();
  private java.time.Clock clock = java.time.Clock.systemUTC();

  /** The tag queries a catch-up runs: set when the journal is known ({@link #start}). */
  private volatile CurrentEventsByTagQuery currentQueries;

  /** How many catch-ups ran, and how many tag queries they made (tests, logs). */
  private final AtomicLong catchUps = new AtomicLong();

  private final AtomicLong catchUpQueries = new AtomicLong();
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
    Config config = system.settings().config();
    Settings settings = Settings.from(config);
    Optional<SnapshotStore> store =
        settings.snapshots()
            ? Optional.of(new FileSnapshotStore(settings.snapshotDirectory()))
            : Optional.empty();
    return create(
        system, view, settings, store, PositionSettings.from(config), java.time.Clock.systemUTC());
  }

  /** As {@link #create(ActorSystem, ReadView)}, with settings and store given. */
  public static ReadSide create(
      ActorSystem<?> system, ReadView view, Settings settings, Optional<SnapshotStore> store) {
    return create(system, view, settings, store, Optional.empty(), java.time.Clock.systemUTC());
  }

  /** As {@link #create(ActorSystem, ReadView)}, with everything given. */
  public static ReadSide create(
      ActorSystem<?> system,
      ReadView view,
      Settings settings,
      Optional<SnapshotStore> store,
      Optional<PositionSettings> positioning,
      java.time.Clock clock) {
    ReadSide readSide = new ReadSide(system, view, settings, store);
    readSide.positioning = positioning;
    readSide.clock = clock;
    positioning.ifPresent(
        p -> view.usePositions(new Positions(settings.tags().all(), clock), readSide::catchUp));
    readSide.restore();
    AppliedEvents.get(system.classicSystem()).use(view::lastApplied);
    view.onGap(readSide::fillGap);
    return readSide;
  }

  // ---------------------------------------------------------------------------------------------
  // Gaps: an entity's events fetched by its id

  /** Entities whose events are being fetched by id now. */
  private final java.util.Set<String> filling = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Entities with another gap found while a fetch of theirs ran: fetched again after it. */
  private final java.util.Set<String> fillAgain =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final AtomicLong gapsFilled = new AtomicLong();

  private volatile CurrentEventsByPersistenceIdQuery byId;

  private CurrentEventsByPersistenceIdQuery byId() {
    if (byId == null) {
      byId =
          (CurrentEventsByPersistenceIdQuery)
              PersistenceQuery.get(system.classicSystem())
                  .getReadJournalFor(
                      ReadJournal.class,
                      system.settings().config().getString("borealis.store.read-journal"));
    }
    return byId;
  }

  /**
   * Reads {@code persistenceId}'s events from {@code from} on out of the journal (by id, which
   * holds every event once written) into the view: the view found one missing ({@link
   * ReadView#onGap}). One fetch per entity at a time; a gap found meanwhile fetches again after it,
   * and a failed fetch is tried again after the streams' restart backoff.
   */
  void fillGap(String persistenceId, long from) {
    if (!filling.add(persistenceId)) {
      fillAgain.add(persistenceId);
      return;
    }
    LOG.debug("The read side lacks events of {} from {}: reading them by id", persistenceId, from);
    Source.lazySource(
            () -> byId().currentEventsByPersistenceId(persistenceId, from, Long.MAX_VALUE))
        .grouped(settings.batchSize())
        .map(
            batch -> {
              view.fill(envelopes(batch));
              return Done.getInstance();
            })
        .runWith(Sink.ignore(), system)
        .whenComplete(
            (done, failure) -> {
              filling.remove(persistenceId);
              long next = view.lastApplied(persistenceId) + 1;
              if (failure != null) {
                LOG.warn(
                    "The read side could not read the events of {} by id ({}); trying again",
                    persistenceId,
                    failure.toString());
                system
                    .scheduler()
                    .scheduleOnce(
                        settings.restartMinBackoff(),
                        () -> fillGap(persistenceId, next),
                        system.executionContext());
              } else {
                gapsFilled.incrementAndGet();
                if (fillAgain.remove(persistenceId)) {
                  fillGap(persistenceId, next);
                }
              }
            });
  }

  /** How many gaps were filled by reading an entity's events by id. */
  public long gapsFilled() {
    return gapsFilled.get();
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
    // The queries below find every event up to their start (they end the store's delay later).
    long replayStarted = Positions.of(clock.instant());
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
          if (positioning.isPresent()) {
            // Each replay query found every event up to its start.
            settings.tags().all().forEach(tag -> view.completeThrough(tag, replayStarted));
            currentQueries = current;
            scheduleCatchUps();
          }
          view.markCaughtUp();
          LOG.info(
              "The read side caught up with the journal in {} ms: read {} events, index {}",
              millisSince(started),
              eventsRead.get(),
              view.index());
          follow(live, restart);
          scheduleSnapshots();
          if (eventsSinceSnapshot.get() >= settings.snapshotEveryEvents()) {
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
              long written = batch.get(batch.size() - 1).timestamp();
              // A journal that keeps no write time (the embedded one's reads give 0) has no lag.
              if (live && written > 0) {
                lagMillis.set(Math.max(0, System.currentTimeMillis() - written));
              }
              List<ReadView.Envelope> envelopes = envelopes(batch);
              Optional<String> offset = Offsets.encode(batch.get(batch.size() - 1).offset());
              if (offset.isPresent()) {
                view.applyAll(tag, offset.get(), envelopes);
              } else {
                view.applyAll(envelopes);
              }
              // Counted in events read, not in the index: on a shared journal the index is a
              // journal position (50 ns steps), which passed every-events in milliseconds.
              if (live && eventsSinceSnapshot.get() >= settings.snapshotEveryEvents()) {
                requestSnapshot();
              }
              return Done.getInstance();
            });
  }

  /**
   * The view's envelopes of a batch read from the journal, without those the view had already
   * applied when they were read: only their positions count (and their payloads were not read).
   */
  private static List<ReadView.Envelope> envelopes(List<EventEnvelope> batch) {
    List<ReadView.Envelope> envelopes = new ArrayList<>(batch.size());
    for (EventEnvelope e : batch) {
      if (!(e.event() instanceof AppliedEvents.AlreadyApplied)) {
        envelopes.add(
            new ReadView.Envelope(
                e.persistenceId(),
                e.sequenceNr(),
                e.event(),
                e.offset() instanceof TimeBasedUUID u ? Positions.of(u.value()) : -1));
      }
    }
    return envelopes;
  }

  // ---------------------------------------------------------------------------------------------
  // Catch-up (journal positions)

  /** Every catch-up-interval: a catch-up to now. */
  private void scheduleCatchUps() {
    Duration every = positioning.get().catchUpInterval();
    Cluster cluster = Cluster.get(system.classicSystem());
    system
        .scheduler()
        .scheduleWithFixedDelay(
            every,
            every,
            () -> {
              view.sole(soleMember(cluster));
              catchUp(Positions.of(clock.instant()));
            },
            system.executionContext());
  }

  /** Whether this node is up and the only member of its cluster. */
  private static boolean soleMember(Cluster cluster) {
    try {
      Member self = cluster.selfMember();
      if (self.status() != MemberStatus.up()) {
        return false;
      }
      for (Member m : cluster.state().getMembers()) {
        if (!m.equals(self) && m.status() != MemberStatus.removed()) {
          return false;
        }
      }
      return cluster.state().getUnreachable().isEmpty();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Catch-ups start at most this often: reads waiting meanwhile share the next one. */
  private static final Duration CATCH_UP_SPACING = Duration.ofMillis(250);

  private final Object catchUpLock = new Object();

  /** Guarded by catchUpLock: how far the newest catch-up started will make the view complete. */
  private long covering;

  /** Guarded by catchUpLock: when the newest catch-up started (System.nanoTime). */
  private long lastCatchUp = System.nanoTime() - CATCH_UP_SPACING.toNanos();

  /** Guarded by catchUpLock: whether one is scheduled, and for how far. */
  private boolean catchUpScheduled;

  private long catchUpWanted;

  /**
   * Makes the view complete through {@code position}: queries every tag not complete that far from
   * where it is, and applies what it finds. A tag query the journal starts at S completes once the
   * store's delay after S has passed, with every event up to S: a catch-up started at or after
   * {@code position} takes about that delay. A request that a catch-up already under way covers
   * waits for it; the others share the next one, started at most every 250 ms.
   */
  void catchUp(long position) {
    if (currentQueries == null) {
      return;
    }
    long now = Positions.of(clock.instant());
    // A position further ahead than this is not worth a query yet: the next ones will come to it.
    long target = Math.min(position, now + 2 * 10_000_000L);
    long waitNanos;
    synchronized (catchUpLock) {
      if (target <= covering) {
        return;
      }
      catchUpWanted = Math.max(catchUpWanted, target);
      if (catchUpScheduled) {
        return;
      }
      catchUpScheduled = true;
      long spacing = CATCH_UP_SPACING.toNanos() - (System.nanoTime() - lastCatchUp);
      waitNanos = Math.max(Math.max(0, (target - now) / 2 * 100), spacing);
    }
    system
        .scheduler()
        .scheduleOnce(
            Duration.ofNanos(Math.max(0, waitNanos)), this::runCatchUp, system.executionContext());
  }

  private void runCatchUp() {
    long began = System.nanoTime();
    // Read before the queries start: each finds every event up to its own start.
    long through = Positions.of(clock.instant());
    long later;
    synchronized (catchUpLock) {
      catchUpScheduled = false;
      covering = Math.max(covering, through);
      lastCatchUp = began;
      later = catchUpWanted;
    }
    if (later > through) {
      // Asked for while it waited to start, for later than it will cover: the next one.
      catchUp(later);
    }
    catchUps.incrementAndGet();
    List<CompletableFuture<Done>> all = new ArrayList<>();
    for (String tag : settings.tags().all()) {
      if (view.watermark(tag) >= through) {
        continue;
      }
      catchUpQueries.incrementAndGet();
      all.add(
          applying(currentQueries.currentEventsByTag(tag, catchUpFrom(tag)), tag, false)
              .runWith(Sink.ignore(), system)
              .thenApply(
                  done -> {
                    view.completeThrough(tag, through);
                    return done;
                  })
              .toCompletableFuture());
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .whenComplete(
            (done, failure) -> {
              if (failure != null) {
                // The next request (at the latest the next interval's) tries again.
                LOG.debug("A catch-up of the read side failed: {}", failure.toString());
                synchronized (catchUpLock) {
                  covering = Math.min(covering, view.complete());
                }
              } else {
                LOG.debug(
                    "The read side caught up to {}: {} tag queries in {} ms",
                    Positions.instant(through),
                    all.size(),
                    millisSince(began));
              }
            });
  }

  /**
   * Where a catch-up of {@code tag} starts: after its last offset, or at the position it is
   * complete through when that is later (a tag without events would else be read from its first
   * bucket).
   */
  private org.apache.pekko.persistence.query.Offset catchUpFrom(String tag) {
    Optional<String> offset = view.offset(tag);
    long complete = view.watermark(tag);
    if (complete > Positions.of(offset).orElse(0L)) {
      // The first UUID of that millisecond: what it lets in again is skipped as seen.
      return org.apache.pekko.persistence.query.Offset.timeBasedUUID(
          com.datastax.oss.driver.api.core.uuid.Uuids.startOf(
              Positions.instant(complete).toEpochMilli()));
    }
    return Offsets.decode(offset);
  }

  /** How many catch-ups ran, and how many tag queries they made. */
  public long[] catchUpCounts() {
    return new long[] {catchUps.get(), catchUpQueries.get()};
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
