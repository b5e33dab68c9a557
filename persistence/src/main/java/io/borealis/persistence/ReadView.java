package io.borealis.persistence;

import io.borealis.backend.TaskLocator;
import io.borealis.common.EventFeed;
import io.borealis.job.JobEvent;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import io.borealis.task.TaskHistoryPruner;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The read side: jobs, tasks and job updates ({@link UpdateHistory}) as the journal's events
 * describe them, in memory, serving every query so that no read asks an entity. It is fed by {@link
 * ReadSide} (a stream over the journal) and applies each event once, keyed by persistence id and
 * sequence number. Tasks evolve through the same {@link ScheduledTask} methods as in the entities,
 * so both tell the same history.
 *
 * <p>Thread-safe: events are applied under a write lock in batches, queries run under the read lock
 * and return immutable snapshots.
 */
public final class ReadView implements QueryService, TaskLocator, EventFeed {

  /**
   * One instance: its canonical key (shared by its tasks), the last sequence number applied from
   * its entity, and its tasks' ids, newest first.
   */
  private static final class InstanceRecord {
    final InstanceKey key;
    long sequenceNr;
    final ArrayDeque<String> lineage = new ArrayDeque<>(2);

    InstanceRecord(InstanceKey key) {
      this.key = key;
    }

    String latest() {
      return lineage.peekFirst();
    }
  }

  /** How many distinct task configurations of a job are kept for sharing between its tasks. */
  private static final int SHARED_CONFIGS_PER_JOB = 8;

  private static final ScheduleStatus[] STATUSES = ScheduleStatus.values();

  private static final class JobRecord {
    final JobKey key;
    final String name;
    long sequenceNr;
    JobConfiguration config;
    Instant createdAt;
    final TreeMap<Integer, InstanceRecord> instances = new TreeMap<>();
    final int[] counts = new int[STATUSES.length];

    /** The job's recent task configurations, newest last: equal ones are shared, not copied. */
    final ArrayList<TaskConfig> configs = new ArrayList<>(1);

    JobRecord(JobKey key) {
      this.key = key;
      this.name = key.toString();
    }

    InstanceRecord instance(int id) {
      InstanceRecord r = instances.get(id);
      if (r == null) {
        r = new InstanceRecord(new InstanceKey(key, id));
        instances.put(id, r);
      }
      return r;
    }

    /** The record of a restored instance, keeping its tasks' key when it is the same. */
    InstanceRecord adopt(int id, List<ScheduledTask> tasks) {
      InstanceKey theirs = tasks.isEmpty() ? null : tasks.get(0).instance();
      InstanceRecord r =
          theirs != null && theirs.instanceId() == id && theirs.job().equals(key)
              ? new InstanceRecord(theirs)
              : new InstanceRecord(new InstanceKey(key, id));
      instances.put(id, r);
      return r;
    }

    boolean hasEnded() {
      for (ScheduleStatus s : STATUSES) {
        if (s.isTerminal() && counts[s.ordinal()] > 0) {
          return true;
        }
      }
      return false;
    }

    void count(ScheduleStatus status, int delta) {
      counts[status.ordinal()] += delta;
    }

    TaskConfig share(TaskConfig config) {
      for (int i = configs.size() - 1; i >= 0; i--) {
        TaskConfig known = configs.get(i);
        if (known == config || known.equals(config)) {
          return known;
        }
      }
      if (configs.size() == SHARED_CONFIGS_PER_JOB) {
        configs.remove(0);
      }
      configs.add(config);
      return config;
    }

    Stats stats() {
      int pending = 0;
      int active = 0;
      int finished = 0;
      int failed = 0;
      for (ScheduleStatus s : STATUSES) {
        int n = counts[s.ordinal()];
        if (n == 0) {
          continue;
        }
        if (ScheduleStatus.PENDING_STATS.contains(s)) {
          pending += n;
        } else if (s.isActive()) {
          active += n;
        } else if (s == ScheduleStatus.FINISHED || s == ScheduleStatus.KILLED) {
          finished += n;
        } else {
          failed += n;
        }
      }
      return new Stats(pending, active, finished, failed);
    }
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final ChangeLog changes;

  /** Jobs by key, and the same records in the order of their keys' text (the listing order). */
  private final Map<JobKey, JobRecord> jobsByKey = new HashMap<>();

  private final TreeMap<String, JobRecord> jobs = new TreeMap<>();
  private final Map<String, ScheduledTask> tasks = new HashMap<>();

  /** Tasks by status over all jobs, read without the lock by the metrics ({@code task_store_*}). */
  private final AtomicLongArray tasksByStatus = new AtomicLongArray(ScheduleStatus.values().length);

  /** Last sequence numbers of entities that are neither jobs nor instances (none today). */
  private final Map<String, Long> otherSequenceNrs = new HashMap<>();

  /** Per journal tag: the offset of the last event applied from its stream. */
  private final Map<String, String> offsets = new TreeMap<>();

  private final Strings strings = new Strings();
  private final UpdateHistory updates;

  /** How many events were applied: the index where positions are not kept, and changes' order. */
  private long index;

  /**
   * On a journal several nodes share: journal positions, the index of every read ({@link
   * Positions}); null on a node alone, whose index is the count of applied events.
   */
  private Positions positions;

  /** Asked to make the view complete through a position (by querying the journal). */
  private java.util.function.LongConsumer catchUp = position -> {};

  /**
   * With positions: the changes of events this node's entities fed the view, by persistence id and
   * sequence number, until the journal's streams bring those events and with them their positions.
   */
  private final Map<String, List<ChangeLog.Entry>> unplaced =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<ChangeLog.Entry>> eldest) {
          // Events whose journal stream never comes (not tagged): their changes keep a bound.
          return size() > 100_000;
        }
      };

  /** While an event is applied: its journal position (-1: not known), and where its changes go. */
  private long applyingAt = -1;

  private List<ChangeLog.Entry> applyingUnplaced;
  private volatile boolean caughtUp;

  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  private record Waiter(long index, CompletableFuture<Long> future) {}

  /** How many finished updates per job a view keeps unless told otherwise. */
  public static final int DEFAULT_UPDATES_PER_JOB = 10;

  /** A view whose event stream keeps the last 10,000 changes. */
  public ReadView() {
    this(DEFAULT_UPDATES_PER_JOB);
  }

  /**
   * A view whose event stream keeps the last 10,000 changes, keeping at most {@code
   * finishedUpdatesPerJob} finished updates per job ({@code borealis.update.history.max-per-job}).
   */
  public ReadView(int finishedUpdatesPerJob) {
    this(
        new ChangeLog(
            10_000,
            10_000,
            Long.toString(System.currentTimeMillis(), 36)
                + Integer.toString(new java.util.Random().nextInt(1 << 20), 36)),
        finishedUpdatesPerJob);
  }

  public ReadView(ChangeLog changes) {
    this(changes, DEFAULT_UPDATES_PER_JOB);
  }

  public ReadView(ChangeLog changes, int finishedUpdatesPerJob) {
    this.changes = changes;
    this.updates = new UpdateHistory(finishedUpdatesPerJob, this::changed);
  }

  /** One event as the journal delivered it, at journal position {@code position} (-1: none). */
  public record Envelope(String persistenceId, long sequenceNr, Object event, long position) {

    public Envelope(String persistenceId, long sequenceNr, Object event) {
      this(persistenceId, sequenceNr, event, -1);
    }
  }

  /**
   * Keeps journal positions from now on ({@link Positions}): call before the snapshot is restored
   * and before any event is applied. {@code catchUp} is asked to make the view complete through a
   * position when a read waits for one it has not reached.
   */
  void usePositions(Positions positions, java.util.function.LongConsumer catchUp) {
    lock.writeLock().lock();
    try {
      this.positions = positions;
      this.catchUp = catchUp;
      changes.mark(positions.complete());
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whether the view keeps journal positions. */
  boolean positioned() {
    return positions != null;
  }

  // ---------------------------------------------------------------------------------------------
  // Feeding

  /**
   * Applies a batch of events from the journal; events already applied (same id and sequence
   * number, for instance fed by {@link #persisted} first) are skipped.
   */
  public void applyAll(List<Envelope> batch) {
    applyAll(Optional.empty(), batch);
  }

  /**
   * Applies a batch of events read from journal tag {@code tag}, as {@link #applyAll(List)}, and
   * records {@code offset} (the position of the batch's last event in that tag's stream) with them,
   * so a snapshot holds exactly the events before the offsets it saves.
   */
  public void applyAll(String tag, String offset, List<Envelope> batch) {
    applyAll(Optional.of(Map.entry(tag, offset)), batch);
  }

  /**
   * Applies events of one entity read from the journal by its id, from the first the view lacks:
   * what {@link #onGap} asked for. The journal's order is the entity's, so a sequence number it
   * skips (an event that is not there) is no gap.
   */
  public void fill(List<Envelope> batch) {
    applyAll(Optional.empty(), batch, true);
  }

  /**
   * Who fetches an entity's events from the journal by its id when a tag stream delivers one of
   * them with an earlier one missing (from the first missing sequence number): the missing event's
   * tag row came late (written after the stream's query passed its time, as an entity recovered
   * after a crash writes those its node had not), and a later one came first, from another query of
   * the tag. Applying the later one would lose the earlier for good, since the view skips what is
   * older than what it has: it is held back, and the fetch brings both in order.
   */
  public void onGap(java.util.function.BiConsumer<String, Long> fetch) {
    this.gapFetch = fetch;
  }

  private volatile java.util.function.BiConsumer<String, Long> gapFetch;

  private void applyAll(Optional<Map.Entry<String, String>> position, List<Envelope> batch) {
    applyAll(position, batch, false);
  }

  private void applyAll(
      Optional<Map.Entry<String, String>> position, List<Envelope> batch, boolean byId) {
    Map<String, Long> gaps = null;
    java.util.function.BiConsumer<String, Long> fetch = gapFetch;
    lock.writeLock().lock();
    try {
      for (Envelope e : batch) {
        Sequenced target = target(e.persistenceId(), e.event());
        long last = target.last();
        if (!byId && fetch != null && last > 0 && e.sequenceNr() > last + 1) {
          if (gaps == null) {
            gaps = new LinkedHashMap<>();
          }
          gaps.putIfAbsent(e.persistenceId(), last + 1);
          continue;
        }
        if (e.sequenceNr() > last) {
          applyingAt = e.position();
          try {
            applyOne(target, e.sequenceNr(), e.event());
          } finally {
            applyingAt = -1;
          }
        } else if (positions != null && e.position() >= 0) {
          // Applied already, when its entity fed it: now its changes have a position.
          List<ChangeLog.Entry> entries = unplaced.remove(e.persistenceId() + "#" + e.sequenceNr());
          if (entries != null) {
            entries.forEach(entry -> changes.place(entry, e.position()));
          }
        }
        if (positions != null && e.position() >= 0) {
          positions.applied(e.position());
        }
      }
      position.ifPresent(p -> offset(p.getKey(), p.getValue()));
    } finally {
      lock.writeLock().unlock();
    }
    if (gaps != null) {
      gaps.forEach(fetch);
    }
    release();
  }

  /** Under the write lock: the tag's offset, and with positions, how far the tag is complete. */
  private void offset(String tag, String offset) {
    if (positions == null) {
      offsets.put(tag, offset);
      return;
    }
    Optional<Long> at = Positions.of(Optional.of(offset));
    Optional<Long> was = Positions.of(Optional.ofNullable(offsets.get(tag)));
    // A query of the tag may run beside its live stream: the offset only moves on.
    if (at.isEmpty() || was.isEmpty() || at.get() > was.get()) {
      offsets.put(tag, offset);
    }
    if (at.isPresent()) {
      positions.delivered(tag, at.get());
      changes.mark(positions.complete());
    }
  }

  /**
   * With positions: a query of journal tag {@code tag} found every event up to {@code position} and
   * they were applied.
   */
  void completeThrough(String tag, long position) {
    lock.writeLock().lock();
    try {
      positions.completeThrough(tag, position);
      changes.mark(positions.complete());
    } finally {
      lock.writeLock().unlock();
    }
    release();
  }

  /** With positions: how far journal tag {@code tag} is complete. */
  long watermark(String tag) {
    lock.readLock().lock();
    try {
      return positions.watermark(tag);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** With positions: how far the view is complete. */
  long complete() {
    lock.readLock().lock();
    try {
      return positions.complete();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** With positions: whether this node is its cluster's only member now. */
  void sole(boolean sole) {
    lock.writeLock().lock();
    try {
      positions.sole(sole);
    } finally {
      lock.writeLock().unlock();
    }
    release();
  }

  /**
   * An entity of this node has just persisted {@code events} and has not answered yet: apply them
   * now, so the answer's reader sees them. Only when they follow on from what the view has of that
   * entity; otherwise (the view is still catching up on older events of it) the journal stream
   * brings them in order.
   */
  @Override
  public void persisted(String persistenceId, long lastSequenceNr, List<?> events) {
    if (events.isEmpty()) {
      return;
    }
    long first = lastSequenceNr - events.size() + 1;
    lock.writeLock().lock();
    try {
      Sequenced target = target(persistenceId, events.get(0));
      if (target.last() != first - 1) {
        return;
      }
      long seqNr = first;
      for (Object event : events) {
        if (positions != null) {
          positions.appliedLocally();
          applyingUnplaced = new ArrayList<>(1);
        }
        try {
          applyOne(target, seqNr, event);
        } finally {
          if (applyingUnplaced != null && !applyingUnplaced.isEmpty()) {
            unplaced.put(persistenceId + "#" + seqNr, applyingUnplaced);
          }
          applyingUnplaced = null;
        }
        seqNr++;
      }
    } finally {
      lock.writeLock().unlock();
    }
    release();
  }

  /**
   * Where the last sequence number of an entity is kept: in its job or instance record (the
   * persistence id follows from the event's key), else in a map by id.
   */
  private sealed interface Sequenced {
    long last();
  }

  private record OfJob(JobRecord job) implements Sequenced {
    @Override
    public long last() {
      return job.sequenceNr;
    }
  }

  private record OfInstance(JobRecord job, InstanceRecord instance) implements Sequenced {
    @Override
    public long last() {
      return instance.sequenceNr;
    }
  }

  private record OfOther(String persistenceId, long last) implements Sequenced {}

  /** Under the write lock. */
  private Sequenced target(String persistenceId, Object event) {
    if (event instanceof InstanceEvent ie) {
      JobRecord job = record(ie.instance().job());
      return new OfInstance(job, job.instance(ie.instance().instanceId()));
    } else if (event instanceof JobEvent je) {
      return new OfJob(record(je.key()));
    }
    return new OfOther(persistenceId, otherSequenceNrs.getOrDefault(persistenceId, 0L));
  }

  private JobRecord record(JobKey key) {
    JobRecord job = jobsByKey.get(key);
    if (job == null) {
      job = new JobRecord(key);
      jobsByKey.put(key, job);
      jobs.put(job.name, job);
    }
    return job;
  }

  /** Under the write lock. */
  private void applyOne(Sequenced target, long sequenceNr, Object event) {
    index++;
    if (target instanceof OfInstance i) {
      i.instance().sequenceNr = sequenceNr;
      apply(i.job(), i.instance(), (InstanceEvent) event);
    } else if (target instanceof OfJob j) {
      j.job().sequenceNr = sequenceNr;
      apply(j.job(), (JobEvent) event);
    } else if (target instanceof OfOther o) {
      otherSequenceNrs.put(o.persistenceId(), sequenceNr);
      if (event instanceof UpdateEvent u) {
        UpdateHistory.keyOf(o.persistenceId()).ifPresent(key -> updates.apply(key, u));
      }
    }
  }

  /** The view has replayed everything the journal held when the node started. */
  public void markCaughtUp() {
    caughtUp = true;
  }

  @Override
  public boolean isCaughtUp() {
    return caughtUp;
  }

  private void apply(JobRecord job, JobEvent event) {
    if (event instanceof JobEvent.JobCreated c) {
      job.config = c.config();
      job.createdAt = c.timestamp();
      c.instanceIds().forEach(job::instance);
      changed(job.key, new Change.JobChanged("created", c.instanceIds(), c.timestamp(), c.user()));
    } else if (event instanceof JobEvent.InstancesAdded a) {
      a.instanceIds().forEach(job::instance);
      changed(
          job.key,
          new Change.JobChanged("instances_added", a.instanceIds(), a.timestamp(), a.user()));
    } else if (event instanceof JobEvent.JobRestored r) {
      // Erased (not in the backup): without a configuration the job is listed nowhere.
      job.config = r.config().orElse(null);
      job.createdAt = r.config().isPresent() ? r.createdAt().orElse(r.timestamp()) : null;
      r.instanceIds().forEach(job::instance);
      changed(job.key, new Change.JobChanged("restored", r.instanceIds(), r.timestamp(), r.user()));
    } else if (event instanceof JobEvent.UpdateUnlocked u && job.config != null) {
      // A rolled-forward update leaves the job with its task, as the job entity keeps it.
      job.config = u.applyTo(job.config);
    }
  }

  private void apply(JobRecord job, InstanceRecord instance, InstanceEvent event) {
    if (event instanceof InstanceEvent.TaskCreated c) {
      ScheduledTask t = compact(job, instance, c.task());
      tasks.put(t.taskId(), t);
      instance.lineage.addFirst(t.taskId());
      count(job, t.status(), 1);
      TaskEvent first = t.latestEvent();
      changed(job.key, taskChanged(t, Optional.empty(), first.timestamp(), first.message()));
    } else if (event instanceof InstanceEvent.TaskAssigned a) {
      Assignment where = strings.assignment(a.assignment());
      update(
          job, a.taskId(), t -> t.assigned(where, a.timestamp()), a.timestamp(), Optional.empty());
    } else if (event instanceof InstanceEvent.TaskStateChanged s) {
      Optional<String> message = strings.message(s.message());
      update(
          job,
          s.taskId(),
          t -> t.withStatus(s.to(), s.timestamp(), message, s.failureCount()),
          s.timestamp(),
          message);
    } else if (event instanceof InstanceEvent.TaskDeleted d) {
      remove(job, instance, d.taskId());
      changed(
          job.key, new Change.TaskDeleted(d.taskId(), instance.key.instanceId(), d.timestamp()));
    } else if (event instanceof InstanceEvent.TasksPruned p) {
      p.taskIds().forEach(id -> remove(job, instance, id));
    } else if (event instanceof InstanceEvent.InstanceRestored r) {
      for (String id : List.copyOf(instance.lineage)) {
        remove(job, instance, id);
        changed(job.key, new Change.TaskDeleted(id, instance.key.instanceId(), r.timestamp()));
      }
      for (ScheduledTask restored : r.tasks()) {
        ScheduledTask t = compact(job, instance, restored);
        tasks.put(t.taskId(), t);
        instance.lineage.addLast(t.taskId());
        count(job, t.status(), 1);
        changed(job.key, taskChanged(t, Optional.empty(), r.timestamp(), Optional.of("restored")));
      }
    }
  }

  /**
   * The task as the view keeps it: its instance key and configuration shared with the other tasks
   * of the job, its strings shared with other tasks.
   */
  private ScheduledTask compact(JobRecord job, InstanceRecord instance, ScheduledTask t) {
    TaskConfig config = job.share(t.config());
    List<TaskEvent> events = new ArrayList<>(t.events().size());
    for (TaskEvent e : t.events()) {
      events.add(new TaskEvent(e.timestamp(), e.status(), strings.message(e.message())));
    }
    return new ScheduledTask(
        t.taskId(),
        instance.key,
        config,
        t.status(),
        t.failureCount(),
        t.timesPartitioned(),
        t.ancestorId(),
        t.assignment().map(strings::assignment),
        events);
  }

  private void update(
      JobRecord job,
      String taskId,
      java.util.function.UnaryOperator<ScheduledTask> change,
      Instant at,
      Optional<String> message) {
    ScheduledTask before = tasks.get(taskId);
    if (before == null) {
      return;
    }
    ScheduledTask after = change.apply(before);
    tasks.put(taskId, after);
    count(job, before.status(), -1);
    count(job, after.status(), 1);
    changed(job.key, taskChanged(after, Optional.of(before.status()), at, message));
  }

  private static Change.TaskChanged taskChanged(
      ScheduledTask t, Optional<ScheduleStatus> previous, Instant at, Optional<String> message) {
    return new Change.TaskChanged(
        t.taskId(),
        t.instance().instanceId(),
        t.status(),
        previous,
        at,
        message,
        t.assignment().map(Assignment::host));
  }

  /**
   * Under the write lock: the change the current event made, at the current index (with positions:
   * marked with how far the view is complete, and placed at the event's journal position, or once
   * that is known).
   */
  private void changed(JobKey job, Change.Payload payload) {
    if (positions == null) {
      changes.append(new Change(index, job, payload));
      return;
    }
    ChangeLog.Entry entry =
        changes.append(
            new Change(index, positions.complete(), job, payload), applyingAt, positions.index());
    if (applyingAt < 0 && applyingUnplaced != null) {
      applyingUnplaced.add(entry);
    }
  }

  /** The recent changes and their subscribers: the event stream's source. */
  @Override
  public ChangeLog changes() {
    return changes;
  }

  /** Under the write lock: the job's count and the whole view's. */
  private void count(JobRecord job, ScheduleStatus status, int delta) {
    job.count(status, delta);
    tasksByStatus.addAndGet(status.ordinal(), delta);
  }

  @Override
  public long tasksIn(ScheduleStatus status) {
    return tasksByStatus.get(status.ordinal());
  }

  /**
   * Drops the finished updates that ended before {@code cutoff} from the view (the journal keeps
   * them); returns how many. The node calls it every {@code
   * borealis.update.history.prune-interval}.
   */
  public int pruneUpdatesEndedBefore(Instant cutoff) {
    lock.writeLock().lock();
    try {
      return updates.pruneEndedBefore(cutoff);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** How many finished updates left the view, by count or by age (Aurora's job_updates_pruned). */
  public long updatesPruned() {
    lock.readLock().lock();
    try {
      return updates.pruned();
    } finally {
      lock.readLock().unlock();
    }
  }

  private void remove(JobRecord job, InstanceRecord instance, String taskId) {
    ScheduledTask t = tasks.remove(taskId);
    if (t != null) {
      count(job, t.status(), -1);
    }
    instance.lineage.remove(taskId);
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots

  /**
   * Everything the view holds, as of now: taken under the lock, so the offsets are exactly those of
   * the events it contains. Cheap (tasks are immutable and shared); writing it out is the store's
   * work, outside the lock.
   */
  public ViewSnapshot snapshot() {
    lock.readLock().lock();
    try {
      List<ViewSnapshot.JobImage> images = new ArrayList<>(jobs.size());
      for (JobRecord job : jobs.values()) {
        List<ViewSnapshot.InstanceImage> instances = new ArrayList<>(job.instances.size());
        for (InstanceRecord i : job.instances.values()) {
          List<ScheduledTask> lineage = new ArrayList<>(i.lineage.size());
          for (String id : i.lineage) {
            ScheduledTask t = tasks.get(id);
            if (t != null) {
              lineage.add(t);
            }
          }
          instances.add(new ViewSnapshot.InstanceImage(i.key.instanceId(), i.sequenceNr, lineage));
        }
        images.add(
            new ViewSnapshot.JobImage(
                job.key,
                job.sequenceNr,
                Optional.ofNullable(job.config),
                Optional.ofNullable(job.createdAt),
                instances));
      }
      return new ViewSnapshot(
          ViewSnapshot.FORMAT,
          positions == null ? index : positions.index(),
          offsets,
          otherSequenceNrs,
          images,
          updates.images());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Replaces everything with {@code snapshot}: the index continues from the snapshot's, so the
   * {@code X-Borealis-Index} of reads stays monotonic across restarts. The change log is not
   * refilled (event stream positions start afresh after a restart).
   */
  public void restore(ViewSnapshot snapshot) {
    lock.writeLock().lock();
    try {
      jobsByKey.clear();
      jobs.clear();
      tasks.clear();
      for (int i = 0; i < tasksByStatus.length(); i++) {
        tasksByStatus.set(i, 0);
      }
      otherSequenceNrs.clear();
      offsets.clear();
      for (ViewSnapshot.JobImage image : snapshot.jobs()) {
        JobRecord job = record(image.key());
        job.sequenceNr = image.sequenceNr();
        job.config = image.config().orElse(null);
        job.createdAt = image.createdAt().orElse(null);
        for (ViewSnapshot.InstanceImage i : image.instances()) {
          InstanceRecord instance = job.adopt(i.instanceId(), i.tasks());
          instance.sequenceNr = i.sequenceNr();
          for (ScheduledTask t : i.tasks()) {
            // Tasks from a snapshot store usually share their key and configuration already.
            ScheduledTask kept =
                t.instance() == instance.key && job.share(t.config()) == t.config()
                    ? t
                    : compact(job, instance, t);
            tasks.put(kept.taskId(), kept);
            instance.lineage.addLast(kept.taskId());
            count(job, kept.status(), 1);
          }
        }
      }
      otherSequenceNrs.putAll(snapshot.otherSequenceNrs());
      updates.restore(snapshot.updates());
      offsets.putAll(snapshot.offsets());
      index = snapshot.index();
      if (positions != null) {
        positions.restore(snapshot.index(), snapshot.offsets());
        changes.mark(positions.complete());
        // The snapshot holds events of some tags up to there: they will not be in the change log.
        changes.floor(positions.furthest());
      }
    } finally {
      lock.writeLock().unlock();
    }
    release();
  }

  /** The offset of the last event applied from journal tag {@code tag}, if any. */
  public Optional<String> offset(String tag) {
    lock.readLock().lock();
    try {
      return Optional.ofNullable(offsets.get(tag));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The ended tasks to drop from job histories at {@code now} by the pruning rules, per instance.
   * Each instance's latest task is kept whatever its age.
   */
  public Map<InstanceKey, List<String>> historyToPrune(
      TaskHistoryPruner.Settings settings, Instant now) {
    Map<InstanceKey, List<String>> result = new LinkedHashMap<>();
    lock.readLock().lock();
    try {
      for (JobRecord job : jobs.values()) {
        if (!job.hasEnded()) {
          continue;
        }
        List<TaskHistoryPruner.Ended> ended = new ArrayList<>();
        for (InstanceRecord i : job.instances.values()) {
          boolean latest = true;
          for (String id : i.lineage) {
            ScheduledTask t = tasks.get(id);
            if (!latest && t != null && t.status().isTerminal()) {
              ended.add(new TaskHistoryPruner.Ended(id, i.key, t.latestEvent().timestamp()));
            }
            latest = false;
          }
        }
        for (TaskHistoryPruner.Ended e : TaskHistoryPruner.toPrune(ended, now, settings)) {
          result.computeIfAbsent(e.instance(), k -> new ArrayList<>()).add(e.taskId());
        }
      }
      return result;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The sequence number of the last event of {@code persistenceId} the view applied; 0 if none. */
  public long lastApplied(String persistenceId) {
    lock.readLock().lock();
    try {
      int bar = persistenceId.indexOf('|');
      String kind = bar < 0 ? "" : persistenceId.substring(0, bar);
      String id = persistenceId.substring(bar + 1);
      if (kind.equals("instance")) {
        InstanceKey key = InstanceKey.parse(id);
        JobRecord job = jobsByKey.get(key.job());
        InstanceRecord instance = job == null ? null : job.instances.get(key.instanceId());
        return instance == null ? 0 : instance.sequenceNr;
      }
      if (kind.equals("job")) {
        JobRecord job = jobsByKey.get(JobKey.parse(id));
        return job == null ? 0 : job.sequenceNr;
      }
      return otherSequenceNrs.getOrDefault(persistenceId, 0L);
    } catch (IllegalArgumentException e) {
      return 0;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How many tasks the view holds. */
  public int taskCount() {
    lock.readLock().lock();
    try {
      return tasks.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /**
   * The {@code X-Borealis-Index} of every read: the number of events applied, or with positions the
   * journal position the view's content is at least as new as ({@link Positions#index}).
   */
  @Override
  public long index() {
    lock.readLock().lock();
    try {
      return positions == null ? index : positions.index();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The index a write answers with, once its events are stored and this view holds them: a read
   * with it waits, on any node, until that node's view holds the write. The index just before the
   * write's change, or with positions a mark just after the write's events were stored.
   */
  @Override
  public long writeIndex() {
    lock.writeLock().lock();
    try {
      return positions == null ? Math.max(0, index - 1) : positions.writeMark();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** A read that waited for {@code after} answers: the index it answers with. */
  private long answered(long after) {
    if (positions == null) {
      return index();
    }
    lock.writeLock().lock();
    try {
      positions.answered(after);
      return positions.index();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whether a read asked to wait for {@code after} may answer. */
  private boolean passed(long after) {
    lock.readLock().lock();
    try {
      return positions == null ? index > after : positions.passed(after);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Completes with the index once it passes {@code after}, or when {@code wait} is over (with the
   * index then). For long-polling reads.
   */
  @Override
  public CompletionStage<Long> awaitIndex(
      long after, Duration wait, ScheduledExecutorService timer) {
    if (passed(after)) {
      return CompletableFuture.completedFuture(answered(after));
    }
    if (wait.isZero() || wait.isNegative()) {
      return CompletableFuture.completedFuture(index());
    }
    if (positions != null) {
      catchUp.accept(after);
    }
    CompletableFuture<Long> future = new CompletableFuture<>();
    Waiter waiter = new Waiter(after, future);
    waiters.add(waiter);
    timer.schedule(
        () -> {
          waiters.remove(waiter);
          future.complete(index());
        },
        wait.toMillis(),
        TimeUnit.MILLISECONDS);
    release();
    return future;
  }

  private void release() {
    if (waiters.isEmpty()) {
      return;
    }
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (passed(w.index())) {
        it.remove();
        w.future().complete(answered(w.index()));
      }
    }
  }

  @Override
  public Optional<InstanceKey> locate(String taskId) {
    return task(taskId).map(ScheduledTask::instance);
  }

  @Override
  public Optional<ScheduledTask> task(String taskId) {
    lock.readLock().lock();
    try {
      return Optional.ofNullable(tasks.get(taskId));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<JobSummary> jobs(Optional<String> role, Optional<String> environment) {
    lock.readLock().lock();
    try {
      List<JobSummary> result = new ArrayList<>();
      for (JobRecord job : jobs.values()) {
        if (job.config != null
            && role.map(r -> r.equals(job.key.role())).orElse(true)
            && environment.map(e -> e.equals(job.key.environment())).orElse(true)) {
          result.add(summary(job));
        }
      }
      return result;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The job's summary alone: cheap, for the edge's weighing of a write. */
  @Override
  public Optional<JobSummary> summary(JobKey key) {
    lock.readLock().lock();
    try {
      JobRecord job = jobsByKey.get(key);
      return job == null || job.config == null ? Optional.empty() : Optional.of(summary(job));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Optional<JobDetails> job(JobKey key) {
    lock.readLock().lock();
    try {
      JobRecord job = jobsByKey.get(key);
      if (job == null || job.config == null) {
        return Optional.empty();
      }
      Map<TaskConfig, List<Integer>> groups = new LinkedHashMap<>();
      for (Map.Entry<Integer, InstanceRecord> e : job.instances.entrySet()) {
        ScheduledTask latest = latest(e.getValue());
        if (latest != null && latest.status().isActive()) {
          groups.computeIfAbsent(latest.config(), c -> new ArrayList<>()).add(e.getKey());
        }
      }
      List<ConfigGroup> active = new ArrayList<>();
      groups.forEach((config, ids) -> active.add(new ConfigGroup(config, List.copyOf(ids))));
      return Optional.of(new JobDetails(summary(job), job.config, active, job.createdAt));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The instances whose latest task is active, those with a timer or a placement to come (every
   * status but STARTING and RUNNING) first: after a restart the node wakes them, in this order, so
   * their timers, placement and reconciliation resume.
   */
  public List<InstanceKey> liveInstances() {
    lock.readLock().lock();
    try {
      List<InstanceKey> waiting = new ArrayList<>();
      List<InstanceKey> running = new ArrayList<>();
      for (JobRecord job : jobs.values()) {
        for (InstanceRecord i : job.instances.values()) {
          ScheduledTask latest = latest(i);
          if (latest == null || !latest.status().isActive()) {
            continue;
          }
          switch (latest.status()) {
            case STARTING, RUNNING -> running.add(i.key);
            default -> waiting.add(i.key);
          }
        }
      }
      waiting.addAll(running);
      return waiting;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The active task configuration of each instance of a job (for diffs and updates). */
  @Override
  public Map<Integer, TaskConfig> activeConfigs(JobKey key) {
    lock.readLock().lock();
    try {
      Map<Integer, TaskConfig> result = new TreeMap<>();
      JobRecord job = jobsByKey.get(key);
      if (job != null) {
        for (Map.Entry<Integer, InstanceRecord> e : job.instances.entrySet()) {
          ScheduledTask latest = latest(e.getValue());
          if (latest != null && latest.status().isActive()) {
            result.put(e.getKey(), latest.config());
          }
        }
      }
      return result;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Tasks matching a query, ordered by job, then instance, newest first within an instance. */
  @Override
  public Page<ScheduledTask> tasks(TaskQuery q) {
    lock.readLock().lock();
    try {
      List<ScheduledTask> matches = new ArrayList<>();
      // With task ids, only the instances holding them are walked, in the same order as always.
      Map<JobKey, Set<Integer>> scope = null;
      if (!q.taskIds().isEmpty()) {
        scope = new HashMap<>();
        for (String id : q.taskIds()) {
          ScheduledTask t = tasks.get(id);
          if (t != null) {
            scope
                .computeIfAbsent(t.instance().job(), k -> new TreeSet<>())
                .add(t.instance().instanceId());
          }
        }
      }
      for (JobRecord job : jobs.values()) {
        Set<Integer> within = scope == null ? null : scope.get(job.key);
        if ((scope != null && within == null) || !matches(q, job.key)) {
          continue;
        }
        for (Map.Entry<Integer, InstanceRecord> e : job.instances.entrySet()) {
          if ((within != null && !within.contains(e.getKey()))
              || (!q.instances().isEmpty() && !q.instances().contains(e.getKey()))) {
            continue;
          }
          int taken = 0;
          for (String id : e.getValue().lineage) {
            if (q.limitPerInstance() > 0 && taken >= q.limitPerInstance()) {
              break;
            }
            ScheduledTask t = tasks.get(id);
            if (t != null && (q.taskIds().isEmpty() || q.taskIds().contains(id)) && matches(q, t)) {
              matches.add(t);
              taken++;
            }
          }
        }
      }
      int from = Math.min(q.offset(), matches.size());
      int to = (int) Math.min((long) from + q.limit(), matches.size());
      return new Page<>(
          List.copyOf(matches.subList(from, to)), matches.size(), q.offset(), q.limit());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<RoleSummary> roles() {
    lock.readLock().lock();
    try {
      Map<String, int[]> counts = new TreeMap<>();
      for (JobRecord job : jobs.values()) {
        if (job.config == null) {
          continue;
        }
        int[] c = counts.computeIfAbsent(job.key.role(), r -> new int[2]);
        c[0]++;
        if (job.config.cronSchedule().isPresent()) {
          c[1]++;
        }
      }
      List<RoleSummary> result = new ArrayList<>();
      counts.forEach((role, c) -> result.add(new RoleSummary(role, c[0], c[1])));
      return result;
    } finally {
      lock.readLock().unlock();
    }
  }

  private static boolean matches(TaskQuery q, JobKey key) {
    return q.role().filter(r -> !r.isBlank()).map(r -> r.equals(key.role())).orElse(true)
        && q.environment().map(e -> e.equals(key.environment())).orElse(true)
        && q.jobName().map(n -> n.equals(key.name())).orElse(true);
  }

  private static boolean matches(TaskQuery q, ScheduledTask t) {
    return (q.statuses().isEmpty() || q.statuses().contains(t.status()))
        && (q.instances().isEmpty() || q.instances().contains(t.instance().instanceId()))
        && (q.hosts().isEmpty()
            || t.assignment().map(a -> q.hosts().contains(a.host())).orElse(false));
  }

  /** Under the lock: the newest task of an instance, if any. */
  private ScheduledTask latest(InstanceRecord instance) {
    String id = instance.latest();
    return id == null ? null : tasks.get(id);
  }

  /** Under the lock. */
  private JobSummary summary(JobRecord job) {
    return new JobSummary(
        job.key,
        job.instances.size(),
        job.stats(),
        job.config.cronSchedule(),
        updates.active(job.key).map(UpdateKey::id));
  }

  // ---------------------------------------------------------------------------------------------
  // Job updates

  /** One update in detail. */
  @Override
  public Optional<UpdateHistory.Details> update(UpdateKey key) {
    lock.readLock().lock();
    try {
      return updates.details(key);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The updates that carry {@code id} (ids are unique per job only), ordered by key. */
  @Override
  public List<UpdateKey> updatesWithId(String id) {
    lock.readLock().lock();
    try {
      return updates.withId(id);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The job's update in an active status, if any. */
  @Override
  public Optional<UpdateHistory.Summary> activeUpdate(JobKey job) {
    lock.readLock().lock();
    try {
      return updates.active(job).flatMap(updates::summary);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Update summaries matching a query, newest-modified first. */
  @Override
  public Page<UpdateHistory.Summary> updates(UpdateHistory.Query query) {
    lock.readLock().lock();
    try {
      return updates.list(query);
    } finally {
      lock.readLock().unlock();
    }
  }
}
