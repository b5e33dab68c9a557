package io.borealis.job;

import io.borealis.CborSerializable;
import io.borealis.job.JobEvent.InstancesAdded;
import io.borealis.job.JobEvent.InstancesScheduled;
import io.borealis.job.JobEvent.JobCreated;
import io.borealis.model.JobConfiguration;
import io.borealis.model.TaskConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** A job's state: not created yet, or existing with its configuration and instance ids. */
public sealed interface JobState extends CborSerializable {

  /** No such job. */
  record Empty() implements JobState {}

  /**
   * An existing job.
   *
   * @param instanceIds every instance id the job ever had, ascending
   * @param generation counts creations and additions; names each scheduling round
   * @param unscheduled instances told to schedule that have not confirmed yet
   */
  record Existing(
      JobConfiguration config,
      List<Integer> instanceIds,
      int generation,
      List<ScheduleBatch> unscheduled,
      Instant createdAt,
      Optional<String> activeUpdate)
      implements JobState {
    public Existing {
      instanceIds = List.copyOf(instanceIds);
      unscheduled = List.copyOf(unscheduled);
      // Snapshots written before updates existed have no such field.
      activeUpdate = activeUpdate == null ? Optional.empty() : activeUpdate;
    }

    public Existing(
        JobConfiguration config,
        List<Integer> instanceIds,
        int generation,
        List<ScheduleBatch> unscheduled,
        Instant createdAt) {
      this(config, instanceIds, generation, unscheduled, createdAt, Optional.empty());
    }
  }

  /** Instances that must get a task with {@code config} under {@code scheduleId}. */
  record ScheduleBatch(String scheduleId, TaskConfig config, List<Integer> remaining)
      implements CborSerializable {
    public ScheduleBatch {
      remaining = List.copyOf(remaining);
    }
  }

  default JobState apply(JobEvent event) {
    if (event instanceof JobCreated e) {
      TreeSet<Integer> ids = new TreeSet<>(e.instanceIds());
      int generation = 1;
      if (this instanceof Existing x) {
        ids.addAll(x.instanceIds());
        generation = x.generation() + 1;
      }
      // A new creation supersedes whatever an older one had left to schedule.
      return new Existing(
          e.config(),
          List.copyOf(ids),
          generation,
          List.of(new ScheduleBatch(e.scheduleId(), e.config().task(), e.instanceIds())),
          e.timestamp());
    }
    if (event instanceof JobEvent.JobRestored e) {
      if (e.config().isEmpty()) {
        return new Empty();
      }
      // Generations name scheduling rounds: they only grow, so no old round is taken for new.
      int generation = this instanceof Existing x ? x.generation() + 1 : 1;
      return new Existing(
          e.config().get(),
          e.instanceIds(),
          generation,
          List.of(),
          e.createdAt().orElse(e.timestamp()),
          Optional.empty());
    }
    Existing x = (Existing) this;
    if (event instanceof JobEvent.UpdateLocked e) {
      TreeSet<Integer> ids = new TreeSet<>(x.instanceIds());
      ids.addAll(e.instanceIds());
      return new Existing(
          x.config(),
          List.copyOf(ids),
          x.generation(),
          x.unscheduled(),
          x.createdAt(),
          Optional.of(e.updateId()));
    }
    if (event instanceof JobEvent.UpdateUnlocked e) {
      if (!x.activeUpdate().equals(Optional.of(e.updateId()))) {
        return x;
      }
      return new Existing(
          e.applyTo(x.config()),
          x.instanceIds(),
          x.generation(),
          x.unscheduled(),
          x.createdAt(),
          Optional.empty());
    }
    if (event instanceof InstancesAdded e) {
      TreeSet<Integer> ids = new TreeSet<>(x.instanceIds());
      ids.addAll(e.instanceIds());
      List<ScheduleBatch> batches = new ArrayList<>(x.unscheduled());
      batches.add(new ScheduleBatch(e.scheduleId(), e.config(), e.instanceIds()));
      return new Existing(
          x.config(),
          List.copyOf(ids),
          x.generation() + 1,
          batches,
          x.createdAt(),
          x.activeUpdate());
    }
    InstancesScheduled e = (InstancesScheduled) event;
    List<ScheduleBatch> batches = new ArrayList<>();
    for (ScheduleBatch b : x.unscheduled()) {
      if (b.scheduleId().equals(e.scheduleId())) {
        List<Integer> left =
            b.remaining().stream().filter(i -> !e.instanceIds().contains(i)).toList();
        if (!left.isEmpty()) {
          batches.add(new ScheduleBatch(b.scheduleId(), b.config(), left));
        }
      } else {
        batches.add(b);
      }
    }
    return new Existing(
        x.config(), x.instanceIds(), x.generation(), batches, x.createdAt(), x.activeUpdate());
  }
}
