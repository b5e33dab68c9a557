package io.borealis.persistence;

import io.borealis.model.JobKey;
import io.borealis.update.InstanceAction;
import io.borealis.update.UpdateEvent;
import io.borealis.update.UpdateInstructions;
import io.borealis.update.UpdateKey;
import io.borealis.update.UpdateStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The read side of job updates (aurora-semantics §4, §7 getJobUpdateSummaries/Details): each
 * update's request, status, update events and instance events, projected from the update entity's
 * events ({@link UpdateEvent.UpdateStarted}, {@link UpdateEvent.StatusChanged} and the instance
 * events; the engine's bookkeeping events are ignored). Indexed by key, by id (ids repeat across
 * jobs) and by job (its active update). Bounded as Aurora's history pruning (§4.12): at most {@code
 * maxPerJob} finished updates per job are kept, the newest.
 *
 * <p>Not thread-safe: the {@link ReadView} calls it under its lock, and every query returns
 * immutable values.
 */
public final class UpdateHistory {

  /** The persistence id prefix of update entities ({@code update|role/env/name/id}). */
  static final String PREFIX = "update|";

  /**
   * Instances of an update by where their latest instance event of the current direction leaves
   * them: {@code done} (updated, or rolled back), {@code inFlight} (being worked on), {@code
   * failed}; {@code instances} is the size of the update's instance set. Once an update turned
   * back, only rollback events count: an instance updated and not yet rolled back is not done.
   */
  public record Progress(int instances, int done, int inFlight, int failed) {}

  /** One update in listings. */
  public record Summary(
      UpdateKey key,
      String user,
      UpdateStatus status,
      Optional<String> message,
      Instant createdAt,
      Instant lastModified,
      Map<String, String> metadata,
      Optional<String> rollbackOf,
      Progress progress) {
    public Summary {
      metadata = Map.copyOf(metadata);
    }
  }

  /** A status the update entered: by whom (absent when by itself), why, when. */
  public record StatusEntry(
      UpdateStatus status, Optional<String> user, Optional<String> message, Instant timestamp) {}

  /** An instance event of the update (§4.6). */
  public record InstanceEntry(
      int instance, InstanceAction action, Optional<String> message, Instant timestamp) {}

  /** One update in detail. */
  public record Details(
      Summary summary,
      UpdateInstructions instructions,
      List<StatusEntry> updateEvents,
      List<InstanceEntry> instanceEvents) {
    public Details {
      updateEvents = List.copyOf(updateEvents);
      instanceEvents = List.copyOf(instanceEvents);
    }
  }

  /**
   * Which updates to list (§7.4 JobUpdateQuery, and Borealis's metadata): every set field must
   * match; {@code metadata} entries must all be among the update's.
   */
  public record Query(
      Optional<String> role,
      Optional<JobKey> job,
      Set<UpdateStatus> statuses,
      Optional<String> user,
      Map<String, String> metadata,
      int offset,
      int limit) {
    public Query {
      statuses = Set.copyOf(statuses);
      metadata = Map.copyOf(metadata);
    }

    /** Every update. */
    public static Query all() {
      return new Query(
          Optional.empty(),
          Optional.empty(),
          Set.of(),
          Optional.empty(),
          Map.of(),
          0,
          Integer.MAX_VALUE);
    }
  }

  /**
   * An update as the view's snapshot keeps it: what it was asked, and its events; the rest is
   * derived again on restore.
   */
  public record Image(
      UpdateKey key,
      String user,
      Map<String, String> metadata,
      Optional<String> rollbackOf,
      UpdateInstructions instructions,
      List<StatusEntry> updateEvents,
      List<InstanceEntry> instanceEvents) {
    public Image {
      metadata = Map.copyOf(metadata);
      updateEvents = List.copyOf(updateEvents);
      instanceEvents = List.copyOf(instanceEvents);
    }
  }

  /** One update, as it evolves. */
  private static final class UpdateRecord {
    final UpdateKey key;
    final String user;
    final Map<String, String> metadata;
    final Optional<String> rollbackOf;
    final UpdateInstructions instructions;
    final int size;
    final List<StatusEntry> events = new ArrayList<>();
    final List<InstanceEntry> instanceEvents = new ArrayList<>();
    Instant lastModified;

    /** Whether it entered the rollback side: from then on only rollback events count. */
    boolean turnedBack;

    /** Per instance, its latest action of the counted direction. */
    final Map<Integer, InstanceAction> latest = new HashMap<>();

    int done;
    int inFlight;
    int failed;

    UpdateRecord(
        UpdateKey key,
        String user,
        Map<String, String> metadata,
        Optional<String> rollbackOf,
        UpdateInstructions instructions) {
      this.key = key;
      this.user = user;
      this.metadata = Map.copyOf(metadata);
      this.rollbackOf = rollbackOf;
      this.instructions = instructions;
      this.size = instructions.instances().size();
    }

    StatusEntry current() {
      return events.get(events.size() - 1);
    }

    UpdateStatus status() {
      return current().status();
    }

    void entered(StatusEntry e) {
      events.add(e);
      touch(e.timestamp());
      if (e.status().isBackward() && !turnedBack) {
        turnedBack = true;
        latest.clear();
        done = 0;
        inFlight = 0;
        failed = 0;
      }
    }

    void instanceEvent(InstanceEntry e) {
      instanceEvents.add(e);
      touch(e.timestamp());
      if (isRollback(e.action()) != turnedBack) {
        return;
      }
      count(latest.put(e.instance(), e.action()), -1);
      count(e.action(), 1);
    }

    private void count(InstanceAction action, int delta) {
      if (action == null) {
        return;
      }
      switch (action) {
        case INSTANCE_UPDATED, INSTANCE_ROLLED_BACK -> done += delta;
        case INSTANCE_UPDATING, INSTANCE_ROLLING_BACK -> inFlight += delta;
        default -> failed += delta;
      }
    }

    private void touch(Instant at) {
      if (lastModified == null || at.isAfter(lastModified)) {
        lastModified = at;
      }
    }

    Summary summary() {
      StatusEntry now = current();
      return new Summary(
          key,
          user,
          now.status(),
          now.message(),
          events.get(0).timestamp(),
          lastModified,
          metadata,
          rollbackOf,
          new Progress(size, done, inFlight, failed));
    }
  }

  private static boolean isRollback(InstanceAction action) {
    return switch (action) {
      case INSTANCE_ROLLING_BACK, INSTANCE_ROLLED_BACK, INSTANCE_ROLLBACK_FAILED -> true;
      default -> false;
    };
  }

  /** Newest-modified first; ties by key, so pages are stable. */
  private static final Comparator<UpdateRecord> NEWEST_FIRST =
      Comparator.<UpdateRecord, Instant>comparing(r -> r.lastModified)
          .reversed()
          .thenComparing(r -> r.key.toString());

  private final int maxFinishedPerJob;

  /** How many finished updates were dropped. */
  private long pruned;

  private final BiConsumer<JobKey, Change.Payload> changes;

  private final Map<UpdateKey, UpdateRecord> byKey = new HashMap<>();

  /** Per id, the updates that carry it (usually one). */
  private final Map<String, List<UpdateKey>> byId = new HashMap<>();

  /** Per job, its updates in the order they were created. */
  private final Map<JobKey, LinkedHashMap<String, UpdateRecord>> byJob = new HashMap<>();

  /** Per job, its update in an active status. */
  private final Map<JobKey, UpdateKey> active = new HashMap<>();

  /**
   * @param maxFinishedPerJob how many finished updates of a job are kept (>= 0)
   * @param changes where each applied update event is announced (the event stream)
   */
  UpdateHistory(int maxFinishedPerJob, BiConsumer<JobKey, Change.Payload> changes) {
    if (maxFinishedPerJob < 0) {
      throw new IllegalArgumentException(
          "borealis.update.history.max-per-job must be >= 0, not " + maxFinishedPerJob);
    }
    this.maxFinishedPerJob = maxFinishedPerJob;
    this.changes = changes;
  }

  /** The key of an update entity's persistence id, if it is one. */
  static Optional<UpdateKey> keyOf(String persistenceId) {
    if (!persistenceId.startsWith(PREFIX)) {
      return Optional.empty();
    }
    try {
      return Optional.of(UpdateKey.parse(persistenceId.substring(PREFIX.length())));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Applying

  /**
   * Applies one event of update {@code key}; events of an update not (or no longer) held are
   * ignored.
   */
  void apply(UpdateKey key, UpdateEvent event) {
    if (event instanceof UpdateEvent.UpdateStarted s) {
      if (byKey.containsKey(key)) {
        return;
      }
      UpdateRecord r =
          new UpdateRecord(key, s.user(), s.metadata(), s.rollbackOf(), s.instructions());
      add(r);
      StatusEntry entry =
          new StatusEntry(s.status(), Optional.of(s.user()), s.message(), s.timestamp());
      entered(r, entry);
      changes.accept(
          key.job(),
          new Change.UpdateChanged(
              key.id(), s.status(), Optional.empty(), entry.user(), s.message(), s.timestamp()));
      return;
    }
    UpdateRecord r = byKey.get(key);
    if (r == null) {
      return;
    }
    if (event instanceof UpdateEvent.StatusChanged c) {
      entered(r, new StatusEntry(c.to(), c.user(), c.message(), c.timestamp()));
      changes.accept(
          key.job(),
          new Change.UpdateChanged(
              key.id(), c.to(), Optional.of(c.from()), c.user(), c.message(), c.timestamp()));
      if (c.to().isTerminal()) {
        prune(key.job());
      }
    } else if (event instanceof UpdateEvent.InstanceUpdateEvent i) {
      r.instanceEvent(new InstanceEntry(i.instance(), i.action(), i.message(), i.timestamp()));
      changes.accept(
          key.job(),
          new Change.UpdateInstanceChanged(
              key.id(), i.instance(), i.action(), i.message(), i.timestamp()));
    }
  }

  private void add(UpdateRecord r) {
    byKey.put(r.key, r);
    byId.computeIfAbsent(r.key.id(), id -> new ArrayList<>(1)).add(r.key);
    byJob.computeIfAbsent(r.key.job(), j -> new LinkedHashMap<>()).put(r.key.id(), r);
  }

  private void entered(UpdateRecord r, StatusEntry e) {
    r.entered(e);
    if (e.status().isActive()) {
      active.put(r.key.job(), r.key);
    } else if (r.key.equals(active.get(r.key.job()))) {
      refreshActive(r.key.job());
    }
  }

  /**
   * The job's active update after its last one ended: the newest other one still active, if any
   * (the write side allows one at a time, but the view does not rely on it).
   */
  private void refreshActive(JobKey job) {
    active.remove(job);
    LinkedHashMap<String, UpdateRecord> ofJob = byJob.get(job);
    if (ofJob != null) {
      for (UpdateRecord other : ofJob.values()) {
        if (other.status().isActive()) {
          active.put(job, other.key);
        }
      }
    }
  }

  /** Drops the oldest finished updates of {@code job} beyond the number kept. */
  private void prune(JobKey job) {
    LinkedHashMap<String, UpdateRecord> updates = byJob.get(job);
    if (updates == null) {
      return;
    }
    List<UpdateRecord> finished = new ArrayList<>();
    for (UpdateRecord r : updates.values()) {
      if (r.status().isTerminal()) {
        finished.add(r);
      }
    }
    for (int i = 0; i < finished.size() - maxFinishedPerJob; i++) {
      remove(finished.get(i));
      pruned++;
    }
  }

  /**
   * Drops every finished update that ended before {@code cutoff} (Aurora's
   * -job_update_history_pruning_threshold); returns how many.
   */
  int pruneEndedBefore(Instant cutoff) {
    List<UpdateRecord> old = new ArrayList<>();
    for (UpdateRecord r : byKey.values()) {
      if (r.status().isTerminal() && r.current().timestamp().isBefore(cutoff)) {
        old.add(r);
      }
    }
    old.forEach(this::remove);
    pruned += old.size();
    return old.size();
  }

  /** How many finished updates left this history, by either rule (Aurora's job_updates_pruned). */
  long pruned() {
    return pruned;
  }

  private void remove(UpdateRecord r) {
    byKey.remove(r.key);
    List<UpdateKey> withId = byId.get(r.key.id());
    if (withId != null) {
      withId.remove(r.key);
      if (withId.isEmpty()) {
        byId.remove(r.key.id());
      }
    }
    LinkedHashMap<String, UpdateRecord> ofJob = byJob.get(r.key.job());
    if (ofJob != null) {
      ofJob.remove(r.key.id());
      if (ofJob.isEmpty()) {
        byJob.remove(r.key.job());
      }
    }
    if (r.key.equals(active.get(r.key.job()))) {
      refreshActive(r.key.job());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots

  List<Image> images() {
    List<Image> images = new ArrayList<>(byKey.size());
    for (LinkedHashMap<String, UpdateRecord> ofJob : byJob.values()) {
      for (UpdateRecord r : ofJob.values()) {
        images.add(
            new Image(
                r.key,
                r.user,
                r.metadata,
                r.rollbackOf,
                r.instructions,
                r.events,
                r.instanceEvents));
      }
    }
    return images;
  }

  /** Replaces everything with the images (in each job's creation order), announcing nothing. */
  void restore(List<Image> images) {
    byKey.clear();
    byId.clear();
    byJob.clear();
    active.clear();
    for (Image image : images) {
      if (image.updateEvents().isEmpty() || byKey.containsKey(image.key())) {
        continue;
      }
      UpdateRecord r =
          new UpdateRecord(
              image.key(),
              image.user(),
              image.metadata(),
              image.rollbackOf(),
              image.instructions());
      add(r);
      image.updateEvents().forEach(e -> entered(r, e));
      image.instanceEvents().forEach(r::instanceEvent);
    }
    // The number kept may have been lowered since the snapshot was taken.
    new ArrayList<>(byJob.keySet()).forEach(this::prune);
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  Optional<Details> details(UpdateKey key) {
    UpdateRecord r = byKey.get(key);
    if (r == null) {
      return Optional.empty();
    }
    return Optional.of(new Details(r.summary(), r.instructions, r.events, r.instanceEvents));
  }

  Optional<Summary> summary(UpdateKey key) {
    return Optional.ofNullable(byKey.get(key)).map(UpdateRecord::summary);
  }

  /** The updates with this id, by job key. */
  List<UpdateKey> withId(String id) {
    List<UpdateKey> keys = new ArrayList<>(byId.getOrDefault(id, List.of()));
    keys.sort(Comparator.comparing(UpdateKey::toString));
    return keys;
  }

  /** The job's update in an active status, if it has one. */
  Optional<UpdateKey> active(JobKey job) {
    return Optional.ofNullable(active.get(job));
  }

  ReadView.Page<Summary> list(Query q) {
    List<UpdateRecord> matches = new ArrayList<>();
    Iterable<UpdateRecord> candidates =
        q.job().isPresent()
            ? byJob.getOrDefault(q.job().get(), new LinkedHashMap<>()).values()
            : byKey.values();
    for (UpdateRecord r : candidates) {
      if (matches(q, r)) {
        matches.add(r);
      }
    }
    matches.sort(NEWEST_FIRST);
    int from = Math.min(q.offset(), matches.size());
    int to = (int) Math.min((long) from + q.limit(), matches.size());
    List<Summary> page = new ArrayList<>(to - from);
    for (UpdateRecord r : matches.subList(from, to)) {
      page.add(r.summary());
    }
    return new ReadView.Page<>(List.copyOf(page), matches.size(), q.offset(), q.limit());
  }

  private static boolean matches(Query q, UpdateRecord r) {
    if (q.role()
            .filter(role -> !role.isBlank())
            .map(role -> !role.equals(r.key.job().role()))
            .orElse(false)
        || q.job().map(j -> !j.equals(r.key.job())).orElse(false)
        || (!q.statuses().isEmpty() && !q.statuses().contains(r.status()))
        || q.user().map(u -> !u.equals(r.user)).orElse(false)) {
      return false;
    }
    for (Map.Entry<String, String> m : q.metadata().entrySet()) {
      if (!m.getValue().equals(r.metadata.get(m.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** How many updates are held. */
  int size() {
    return byKey.size();
  }
}
