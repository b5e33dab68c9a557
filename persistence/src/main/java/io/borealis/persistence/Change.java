package io.borealis.persistence;

import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.update.InstanceAction;
import io.borealis.update.UpdateStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One change the read side applied, as the event stream shows it: its place in this node's stream
 * ({@code index}: the view's count of applied events once it was applied), the job it belongs to,
 * and what changed. On a journal shared by several nodes, {@code mark} is the journal position
 * ({@link Positions}) through which the view was complete when the change was applied: every change
 * before it was applied before it, so a client that saw this change resumes on any node from there;
 * -1 where positions are not kept (one node alone).
 */
public record Change(long index, long mark, JobKey job, Payload payload) {

  /** A change without a journal position. */
  public Change(long index, JobKey job, Payload payload) {
    this(index, -1, job, payload);
  }

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

  /** Something that happened to one update of the job. */
  public sealed interface OfUpdate extends Payload {
    String updateId();
  }

  /**
   * An update was started ({@code previous} absent) or changed status, by {@code user} (absent when
   * by itself).
   */
  public record UpdateChanged(
      String updateId,
      UpdateStatus status,
      Optional<UpdateStatus> previous,
      Optional<String> user,
      Optional<String> message,
      Instant timestamp)
      implements OfUpdate {
    @Override
    public String kind() {
      return "update";
    }
  }

  /** An instance event of an update (aurora-semantics §4.6). */
  public record UpdateInstanceChanged(
      String updateId,
      int instanceId,
      InstanceAction action,
      Optional<String> message,
      Instant timestamp)
      implements OfUpdate {
    @Override
    public String kind() {
      return "update_instance";
    }
  }

  /**
   * Whether the change belongs to a topic: {@code job:ROLE/ENV/NAME}, {@code task:ID} or {@code
   * update:ID}.
   */
  public boolean matches(Topic topic) {
    if (topic instanceof Topic.Job j) {
      return j.key().equals(job);
    }
    if (topic instanceof Topic.Task t) {
      return (payload instanceof TaskChanged c && c.taskId().equals(t.taskId()))
          || (payload instanceof TaskDeleted d && d.taskId().equals(t.taskId()));
    }
    if (topic instanceof Topic.Update u) {
      return payload instanceof OfUpdate o
          && o.updateId().equals(u.id())
          && u.job().map(job::equals).orElse(true);
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

    /** The updates with this id: of one job, or of any job when {@code job} is absent. */
    record Update(Optional<JobKey> job, String id) implements Topic {}
  }
}
