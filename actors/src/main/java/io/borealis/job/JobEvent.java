package io.borealis.job;

import io.borealis.CborSerializable;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What happened to a job. Self-contained, so the read side needs nothing else. */
public sealed interface JobEvent extends CborSerializable {

  JobKey key();

  /** The job was created (or created again after all its tasks ended). */
  record JobCreated(
      JobKey key,
      JobConfiguration config,
      List<Integer> instanceIds,
      String scheduleId,
      Instant timestamp,
      String user)
      implements JobEvent {
    public JobCreated {
      instanceIds = List.copyOf(instanceIds);
    }
  }

  /** New instances copied from an active one. */
  record InstancesAdded(
      JobKey key,
      TaskConfig config,
      List<Integer> instanceIds,
      String scheduleId,
      Instant timestamp,
      String user)
      implements JobEvent {
    public InstancesAdded {
      instanceIds = List.copyOf(instanceIds);
    }
  }

  /** These instances confirmed they have their task: no need to ask them again. */
  record InstancesScheduled(JobKey key, String scheduleId, List<Integer> instanceIds)
      implements JobEvent {
    public InstancesScheduled {
      instanceIds = List.copyOf(instanceIds);
    }
  }

  /**
   * An update took the job: until it ends, the job refuses creates, kills, restarts and additions.
   * {@code instanceIds} are the ids the update may give tasks to (the proposed ones).
   */
  record UpdateLocked(
      JobKey key, String updateId, List<Integer> instanceIds, Instant timestamp, String user)
      implements JobEvent {
    public UpdateLocked {
      instanceIds = List.copyOf(instanceIds);
    }
  }

  /**
   * The update ended with {@code status} (or never started: "GONE"); a rolled-forward update leaves
   * the job's instances with its task configuration.
   */
  record UpdateUnlocked(
      JobKey key, String updateId, String status, Optional<TaskConfig> task, Instant timestamp)
      implements JobEvent {

    /**
     * The job's configuration after this: {@code config} with the update's task, if it left one.
     */
    public JobConfiguration applyTo(JobConfiguration config) {
      return task.map(
              t ->
                  new JobConfiguration(
                      config.key(),
                      config.instances(),
                      t,
                      config.updateConfig(),
                      config.cronSchedule(),
                      config.cronCollisionPolicy()))
          .orElse(config);
    }
  }

  /**
   * A backup's state replaced the job's (a committed recovery): the job has exactly this
   * configuration and these instance ids, nothing left to schedule and no update; an empty {@code
   * config} erases the job (it was not in the backup).
   */
  record JobRestored(
      JobKey key,
      Optional<JobConfiguration> config,
      List<Integer> instanceIds,
      Optional<Instant> createdAt,
      Instant timestamp,
      String user)
      implements JobEvent {
    public JobRestored {
      instanceIds = List.copyOf(instanceIds);
    }
  }
}
