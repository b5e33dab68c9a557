package io.borealis.persistence;

import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One change the read side applied, as the event stream shows it: its position ({@code index}, the
 * view's index once it was applied), the job it belongs to, and what changed.
 */
public record Change(long index, JobKey job, Payload payload) {

  /** What changed. */
  public sealed interface Payload {
    /** The SSE event name. */
    String kind();
  }

  /** A task was created, assigned, or changed status. */
  public record TaskChanged(
      String taskId,
      int instanceId,
      ScheduleStatus status,
      Optional<ScheduleStatus> previous,
      Instant timestamp,
      Optional<String> message,
      Optional<String> host)
      implements Payload {
    @Override
    public String kind() {
      return "task";
    }
  }

  /** A PENDING or THROTTLED task was removed (killed before it ran). */
  public record TaskDeleted(String taskId, int instanceId, Instant timestamp) implements Payload {
    @Override
    public String kind() {
      return "task_deleted";
    }
  }

  /** A job was created, or instances were added to it. */
  public record JobChanged(String change, List<Integer> instances, Instant timestamp, String user)
      implements Payload {
    public JobChanged {
      instances = List.copyOf(instances);
    }

    @Override
    public String kind() {
      return "job";
    }
  }

  /** Whether the change belongs to a topic: {@code job:ROLE/ENV/NAME} or {@code task:ID}. */
  public boolean matches(Topic topic) {
    if (topic instanceof Topic.Job j) {
      return j.key().equals(job);
    }
    if (topic instanceof Topic.Task t) {
      return (payload instanceof TaskChanged c && c.taskId().equals(t.taskId()))
          || (payload instanceof TaskDeleted d && d.taskId().equals(t.taskId()));
    }
    return true;
  }

  /** What a subscriber follows. */
  public sealed interface Topic {
    /** Everything. */
    record All() implements Topic {}

    /** One job: its own changes and those of its tasks. */
    record Job(JobKey key) implements Topic {}

    /** One task. */
    record Task(String taskId) implements Topic {}
  }
}
