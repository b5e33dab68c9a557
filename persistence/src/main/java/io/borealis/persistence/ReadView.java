package io.borealis.persistence;

import io.borealis.backend.TaskLocator;
import io.borealis.common.EventFeed;
import io.borealis.job.JobEvent;
import io.borealis.model.InstanceKey;
import io.borealis.model.InstanceRanges;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
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
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The read side: jobs and tasks as the journal's events describe them, in memory, serving every
 * query so that no read asks an entity. It is fed by {@link ReadSide} (a stream over the journal)
 * and applies each event once, keyed by persistence id and sequence number. Tasks evolve through
 * the same {@link ScheduledTask} methods as in the entities, so both tell the same history.
 *
 * <p>Thread-safe: events are applied under a write lock in batches, queries run under the read lock
 * and return immutable snapshots.
 */
public final class ReadView implements TaskLocator, EventFeed {

  /** Counts of a job's tasks, as Aurora's JobStats. */
  public record Stats(int pending, int active, int finished, int failed) {}

  /** One job in listings. */
  public record JobSummary(JobKey key, int instances, Stats stats, Optional<String> cronSchedule) {}

  /** Instances sharing one configuration. */
  public record ConfigGroup(TaskConfig config, List<Integer> instances) {
    public String ranges() {
      return InstanceRanges.format(instances);
    }
  }

  /** A job in detail: its latest submitted configuration and how its active tasks run. */
  public record JobDetails(
      JobSummary summary,
      JobConfiguration config,
      List<ConfigGroup> activeGroups,
      Instant createdAt) {}

  /** Per role: how many jobs and cron jobs. */
  public record RoleSummary(String role, int jobs, int cronJobs) {}

  /** One page of a list. */
  public record Page<T>(List<T> items, int total, int offset, int limit) {}

  /** A task query (aurora-semantics §7.4): every set field must match. */
  public record TaskQuery(
      Optional<String> role,
      Optional<String> environment,
      Optional<String> jobName,
      Set<String> taskIds,
      Set<ScheduleStatus> statuses,
      Set<Integer> instances,
      Set<String> hosts,
      int limitPerInstance,
      int offset,
      int limit) {

    public static TaskQuery forJob(JobKey key) {
      return new TaskQuery(
          Optional.of(key.role()),
          Optional.of(key.environment()),
          Optional.of(key.name()),
          Set.of(),
          Set.of(),
          Set.of(),
          Set.of(),
          0,
          0,
          Integer.MAX_VALUE);
    }
  }

  private static final class JobRecord {
    final JobKey key;
    JobConfiguration config;
    Instant createdAt;
    final TreeMap<Integer, Deque<String>> instances = new TreeMap<>();
    final EnumMap<ScheduleStatus, Integer> counts = new EnumMap<>(ScheduleStatus.class);

    JobRecord(JobKey key) {
      this.key = key;
    }

    void count(ScheduleStatus status, int delta) {
      counts.merge(status, delta, Integer::sum);
    }

    Stats stats() {
      int pending = 0;
      int active = 0;
      int finished = 0;
      int failed = 0;
      for (Map.Entry<ScheduleStatus, Integer> e : counts.entrySet()) {
        ScheduleStatus s = e.getKey();
        if (ScheduleStatus.PENDING_STATS.contains(s)) {
          pending += e.getValue();
        } else if (s.isActive()) {
          active += e.getValue();
        } else if (s == ScheduleStatus.FINISHED || s == ScheduleStatus.KILLED) {
          finished += e.getValue();
        } else {
          failed += e.getValue();
        }
      }
      return new Stats(pending, active, finished, failed);
    }
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final ChangeLog changes;
  private final TreeMap<JobKey, JobRecord> jobs =
      new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
  private final Map<String, ScheduledTask> tasks = new HashMap<>();
  private final Map<String, Long> sequenceNrs = new HashMap<>();
  private long index;
  private volatile boolean caughtUp;

  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  private record Waiter(long index, CompletableFuture<Long> future) {}

  /** A view whose event stream keeps the last 10,000 changes. */
  public ReadView() {
    this(
        new ChangeLog(
            10_000,
            10_000,
            Long.toString(System.currentTimeMillis(), 36)
                + Integer.toString(new java.util.Random().nextInt(1 << 20), 36)));
  }

  public ReadView(ChangeLog changes) {
    this.changes = changes;
  }

  /** One event as the journal delivered it. */
  public record Envelope(String persistenceId, long sequenceNr, Object event) {}

  // ---------------------------------------------------------------------------------------------
  // Feeding

  /**
   * Applies a batch of events from the journal; events already applied (same id and sequence
   * number, for instance fed by {@link #persisted} first) are skipped.
   */
  public void applyAll(List<Envelope> batch) {
    lock.writeLock().lock();
    try {
      for (Envelope e : batch) {
        Long last = sequenceNrs.get(e.persistenceId());
        if (last != null && e.sequenceNr() <= last) {
          continue;
        }
        applyOne(e.persistenceId(), e.sequenceNr(), e.event());
      }
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
    long first = lastSequenceNr - events.size() + 1;
    lock.writeLock().lock();
    try {
      long last = sequenceNrs.getOrDefault(persistenceId, 0L);
      if (last != first - 1) {
        return;
      }
      long seqNr = first;
      for (Object event : events) {
        applyOne(persistenceId, seqNr++, event);
      }
    } finally {
      lock.writeLock().unlock();
    }
    release();
  }

  /** Under the write lock. */
  private void applyOne(String persistenceId, long sequenceNr, Object event) {
    sequenceNrs.put(persistenceId, sequenceNr);
    index++;
    if (event instanceof InstanceEvent ie) {
      apply(ie);
    } else if (event instanceof JobEvent je) {
      apply(je);
    }
  }

  /** The view has replayed everything the journal held when the node started. */
  public void markCaughtUp() {
    caughtUp = true;
  }

  public boolean isCaughtUp() {
    return caughtUp;
  }

  private void apply(JobEvent event) {
    JobRecord job = jobs.computeIfAbsent(event.key(), JobRecord::new);
    if (event instanceof JobEvent.JobCreated c) {
      job.config = c.config();
      job.createdAt = c.timestamp();
      c.instanceIds().forEach(id -> job.instances.computeIfAbsent(id, i -> new ArrayDeque<>()));
      changed(job.key, new Change.JobChanged("created", c.instanceIds(), c.timestamp(), c.user()));
    } else if (event instanceof JobEvent.InstancesAdded a) {
      a.instanceIds().forEach(id -> job.instances.computeIfAbsent(id, i -> new ArrayDeque<>()));
      changed(
          job.key,
          new Change.JobChanged("instances_added", a.instanceIds(), a.timestamp(), a.user()));
    }
  }

  private void apply(InstanceEvent event) {
    JobRecord job = jobs.computeIfAbsent(event.instance().job(), JobRecord::new);
    Deque<String> lineage =
        job.instances.computeIfAbsent(event.instance().instanceId(), i -> new ArrayDeque<>());
    if (event instanceof InstanceEvent.TaskCreated c) {
      ScheduledTask t = c.task();
      tasks.put(t.taskId(), t);
      lineage.addFirst(t.taskId());
      job.count(t.status(), 1);
      TaskEvent first = t.events().get(t.events().size() - 1);
      changed(job.key, taskChanged(t, Optional.empty(), first.timestamp(), first.message()));
    } else if (event instanceof InstanceEvent.TaskAssigned a) {
      update(
          job,
          a.taskId(),
          t -> t.assigned(a.assignment(), a.timestamp()),
          a.timestamp(),
          Optional.empty());
    } else if (event instanceof InstanceEvent.TaskStateChanged s) {
      update(
          job,
          s.taskId(),
          t -> t.withStatus(s.to(), s.timestamp(), s.message(), s.failureCount()),
          s.timestamp(),
          s.message());
    } else if (event instanceof InstanceEvent.TaskDeleted d) {
      remove(job, lineage, d.taskId());
      changed(
          job.key,
          new Change.TaskDeleted(d.taskId(), event.instance().instanceId(), d.timestamp()));
    } else if (event instanceof InstanceEvent.TasksPruned p) {
      p.taskIds().forEach(id -> remove(job, lineage, id));
    }
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
    job.count(before.status(), -1);
    job.count(after.status(), 1);
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
        t.assignment().map(io.borealis.model.Assignment::host));
  }

  /** Under the write lock: the change the current event made, at the current index. */
  private void changed(JobKey job, Change.Payload payload) {
    changes.append(new Change(index, job, payload));
  }

  /** The recent changes and their subscribers: the event stream's source. */
  public ChangeLog changes() {
    return changes;
  }

  private void remove(JobRecord job, Deque<String> lineage, String taskId) {
    ScheduledTask t = tasks.remove(taskId);
    if (t != null) {
      job.count(t.status(), -1);
    }
    lineage.remove(taskId);
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /** The number of events applied: the {@code X-Borealis-Index} of every read. */
  public long index() {
    lock.readLock().lock();
    try {
      return index;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Completes with the index once it passes {@code after}, or when {@code wait} is over (with the
   * index then). For long-polling reads.
   */
  public CompletionStage<Long> awaitIndex(
      long after, Duration wait, ScheduledExecutorService timer) {
    long now = index();
    if (now > after || wait.isZero() || wait.isNegative()) {
      return CompletableFuture.completedFuture(now);
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
    long now = index();
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (now > w.index()) {
        it.remove();
        w.future().complete(now);
      }
    }
  }

  @Override
  public Optional<InstanceKey> locate(String taskId) {
    return task(taskId).map(ScheduledTask::instance);
  }

  public Optional<ScheduledTask> task(String taskId) {
    lock.readLock().lock();
    try {
      return Optional.ofNullable(tasks.get(taskId));
    } finally {
      lock.readLock().unlock();
    }
  }

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

  public Optional<JobDetails> job(JobKey key) {
    lock.readLock().lock();
    try {
      JobRecord job = jobs.get(key);
      if (job == null || job.config == null) {
        return Optional.empty();
      }
      Map<TaskConfig, List<Integer>> groups = new LinkedHashMap<>();
      for (Map.Entry<Integer, Deque<String>> e : job.instances.entrySet()) {
        ScheduledTask latest = e.getValue().isEmpty() ? null : tasks.get(e.getValue().peekFirst());
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

  /** The active task configuration of each instance of a job (for diffs and updates). */
  public Map<Integer, TaskConfig> activeConfigs(JobKey key) {
    lock.readLock().lock();
    try {
      Map<Integer, TaskConfig> result = new TreeMap<>();
      JobRecord job = jobs.get(key);
      if (job != null) {
        for (Map.Entry<Integer, Deque<String>> e : job.instances.entrySet()) {
          ScheduledTask latest =
              e.getValue().isEmpty() ? null : tasks.get(e.getValue().peekFirst());
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
        for (Map.Entry<Integer, Deque<String>> e : job.instances.entrySet()) {
          if ((within != null && !within.contains(e.getKey()))
              || (!q.instances().isEmpty() && !q.instances().contains(e.getKey()))) {
            continue;
          }
          int taken = 0;
          for (String id : e.getValue()) {
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

  private static JobSummary summary(JobRecord job) {
    return new JobSummary(job.key, job.instances.size(), job.stats(), job.config.cronSchedule());
  }
}
