package io.borealis.persistence;

import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.task.ScheduledTask;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the {@link ReadView} holds at one moment: its index, per journal tag the offset of the
 * last event it applied, the last sequence number applied of every entity, and its jobs with their
 * instances and tasks. A view restored from it and then fed the events after those offsets is the
 * view that replaying the whole journal would build (events seen twice are skipped by sequence
 * number).
 *
 * @param format the layout version; a snapshot of another version is not loaded
 * @param index the view's index when it was taken
 * @param offsets per tag, the encoded offset of the last event applied from it ({@link Offsets})
 * @param otherSequenceNrs last sequence numbers of entities that are neither jobs nor instances
 * @param updates the job updates, each job's in the order they were created (format 2 on)
 */
public record ViewSnapshot(
    int format,
    long index,
    Map<String, String> offsets,
    Map<String, Long> otherSequenceNrs,
    List<JobImage> jobs,
    List<UpdateHistory.Image> updates) {

  /** The layout this release writes; it reads this one and {@link #FORMAT_WITHOUT_UPDATES}. */
  public static final int FORMAT = 2;

  /** The layout of releases before job updates: jobs and tasks only. */
  public static final int FORMAT_WITHOUT_UPDATES = 1;

  public ViewSnapshot {
    offsets = Map.copyOf(offsets);
    otherSequenceNrs = Map.copyOf(otherSequenceNrs);
    jobs = List.copyOf(jobs);
    updates = List.copyOf(updates);
  }

  /** A snapshot without updates. */
  public ViewSnapshot(
      int format,
      long index,
      Map<String, String> offsets,
      Map<String, Long> otherSequenceNrs,
      List<JobImage> jobs) {
    this(format, index, offsets, otherSequenceNrs, jobs, List.of());
  }

  /**
   * A job: absent config when only its instances' events were seen so far (its creation is in
   * another tag's stream, not read yet).
   */
  public record JobImage(
      JobKey key,
      long sequenceNr,
      Optional<JobConfiguration> config,
      Optional<Instant> createdAt,
      List<InstanceImage> instances) {
    public JobImage {
      instances = List.copyOf(instances);
    }
  }

  /** An instance: the last sequence number applied of its entity, and its tasks, newest first. */
  public record InstanceImage(int instanceId, long sequenceNr, List<ScheduledTask> tasks) {
    public InstanceImage {
      tasks = List.copyOf(tasks);
    }
  }

  /** How many tasks it holds. */
  public int taskCount() {
    int n = 0;
    for (JobImage j : jobs) {
      for (InstanceImage i : j.instances()) {
        n += i.tasks().size();
      }
    }
    return n;
  }
}
