package io.borealis.http;

import io.borealis.model.InstanceRanges;
import io.borealis.model.JobKey;
import io.borealis.persistence.Change;
import io.borealis.persistence.ChangeLog;
import io.borealis.update.UpdateKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The event stream, {@code GET /api/v1/events?topics=job:ROLE/ENV/NAME,task:ID,update:ID}:
 * server-sent events for every change the read side applies (task status changes, job changes,
 * update status changes and instance events), each with a resumable {@code id}. A client that
 * reconnects with {@code Last-Event-ID} (the header, or {@code last_event_id=} for clients that
 * cannot set it) gets what it missed, neither lost nor repeated; when what it missed is no longer
 * held (or the node restarted since), the first event is {@code reset}: read the state afresh, then
 * follow on. On a journal several nodes share, an id of another node (or of this one before a
 * restart) resumes from the journal position it carries ({@link ChangeLog}): nothing is lost, a
 * change seen just before may come again. Idle streams carry a comment line every {@code
 * event-heartbeat}; every stream ends when the node shuts down.
 */
final class EventRoutes extends ApiDirectives {

  private static final ByteString HEARTBEAT = ByteString.fromString(":\n\n");

  private final Materializer materializer;

  /** The data of a {@code task} event: a task's status changed. */
  record TaskChangedData(
      long index,
      String jobKey,
      String taskId,
      int instanceId,
      String status,
      String previousStatus,
      String timestamp,
      String message,
      String host) {}

  /** The data of a {@code task_deleted} event: a task's record was pruned. */
  record TaskDeletedData(
      long index, String jobKey, String taskId, int instanceId, String timestamp) {}

  /** The data of a {@code job} event: a job was created, killed, restarted or grew. */
  record JobChangedData(
      long index, String jobKey, String change, String instances, String timestamp, String user) {}

  /** The data of an {@code update} event: an update started or changed status. */
  record UpdateChangedData(
      long index,
      String jobKey,
      String updateId,
      String status,
      String previousStatus,
      String user,
      String message,
      String timestamp) {}

  /** The data of an {@code update_instance} event: an instance event of an update. */
  record UpdateInstanceData(
      long index,
      String jobKey,
      String updateId,
      int instanceId,
      String action,
      String message,
      String timestamp) {}

  /** The data of an event of a kind this edge does not render yet. */
  record ChangeData(long index, String jobKey) {}

  /** The data of a {@code reset} event. */
  record ResetData(String message, long index) {}

  EventRoutes(ApiContext ctx, Materializer materializer) {
    super(ctx);
    this.materializer = materializer;
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/api/v1/events", path -> events()));
  }

  private Route events() {
    return input(
        Set.of("topics", "last_event_id"),
        in ->
            optionalHeaderValueByName(
                "Last-Event-ID", header -> events(in, header.or(() -> in.query("last_event_id")))));
  }

  private Route events(Input in, Optional<String> lastId) {
    List<Change.Topic> topics = topics(in, in.query("topics"));
    ChangeLog log = ctx.view().changes();
    // This node's id resumes after its change; another node's (or this one's before a restart)
    // after its journal position where the view keeps them, else it starts with a reset.
    Optional<ChangeLog.Resume> after =
        lastId.filter(id -> !id.isBlank()).map(id -> log.resume(id.strip()));
    in.checked();
    if (!ctx.view().isCaughtUp()) {
      return complete(Problems.unavailable(LOADING));
    }
    ChangeLog.Subscription subscription = log.subscribe(after, topics, materializer);
    Source<ByteString, NotUsed> head =
        subscription.gap()
            ? Source.single(resetEvent(log.idNow(), ctx.view().index()))
            : Source.single(ByteString.fromString(": stream open\n\n"));
    Source<ByteString, NotUsed> body =
        head.concat(subscription.changes().map(c -> render(log.epoch(), c)))
            .keepAlive(ctx.settings().eventHeartbeat(), () -> HEARTBEAT);
    return complete(
        HttpResponse.create()
            .withStatus(StatusCodes.OK)
            .addHeader(RawHeader.create("Cache-Control", "no-cache"))
            .withEntity(
                HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), body)));
  }

  private static List<Change.Topic> topics(Input in, Optional<String> spec) {
    List<Change.Topic> topics = new ArrayList<>();
    if (spec.isEmpty() || spec.get().isBlank()) {
      return topics;
    }
    for (String t : spec.get().split(",")) {
      String topic = t.strip();
      if (topic.equals("*")) {
        topics.add(new Change.Topic.All());
      } else if (topic.startsWith("job:")) {
        try {
          topics.add(new Change.Topic.Job(JobKey.parse(topic.substring(4))));
        } catch (IllegalArgumentException e) {
          in.problem("topics", "'" + topic + "' is not job:ROLE/ENV/NAME (" + e.getMessage() + ")");
        }
      } else if (topic.startsWith("task:") && topic.length() > 5) {
        topics.add(new Change.Topic.Task(topic.substring(5)));
      } else if (topic.startsWith("update:") && topic.length() > 7) {
        update(in, topic).ifPresent(topics::add);
      } else {
        in.problem(
            "topics",
            "'"
                + topic
                + "' is not a topic: use job:ROLE/ENV/NAME, task:TASK_ID, update:ID,"
                + " update:ROLE/ENV/NAME/ID or *");
      }
    }
    return topics;
  }

  /** {@code update:ID} (of any job) or {@code update:ROLE/ENV/NAME/ID}. */
  private static Optional<Change.Topic> update(Input in, String topic) {
    String spec = topic.substring("update:".length());
    try {
      if (spec.contains("/")) {
        UpdateKey key = UpdateKey.parse(spec);
        return Optional.of(new Change.Topic.Update(Optional.of(key.job()), key.id()));
      }
      if (UpdateKey.ID.matcher(spec).matches()) {
        return Optional.of(new Change.Topic.Update(Optional.empty(), spec));
      }
      in.problem("topics", "'" + topic + "' does not name an update id");
    } catch (IllegalArgumentException e) {
      in.problem(
          "topics",
          "'" + topic + "' is not update:ID or update:ROLE/ENV/NAME/ID (" + e.getMessage() + ")");
    }
    return Optional.empty();
  }

  private static ByteString resetEvent(String id, long index) {
    return frame(
        id,
        "reset",
        new ResetData(
            "Events since the given Last-Event-ID are no longer available; read the current state,"
                + " then follow this stream.",
            index));
  }

  static ByteString render(String epoch, Change change) {
    long index = change.index();
    String job = change.job().toString();
    Change.Payload p = change.payload();
    Object data;
    if (p instanceof Change.TaskChanged t) {
      data =
          new TaskChangedData(
              index,
              job,
              t.taskId(),
              t.instanceId(),
              t.status().name(),
              t.previous().map(Enum::name).orElse(null),
              t.timestamp().toString(),
              t.message().orElse(null),
              t.host().orElse(null));
    } else if (p instanceof Change.TaskDeleted d) {
      data = new TaskDeletedData(index, job, d.taskId(), d.instanceId(), d.timestamp().toString());
    } else if (p instanceof Change.JobChanged j) {
      data =
          new JobChangedData(
              index,
              job,
              j.change(),
              InstanceRanges.format(j.instances()),
              j.timestamp().toString(),
              j.user());
    } else if (p instanceof Change.UpdateChanged u) {
      data =
          new UpdateChangedData(
              index,
              job,
              u.updateId(),
              u.status().name(),
              u.previous().map(Enum::name).orElse(null),
              u.user().orElse(null),
              u.message().orElse(null),
              u.timestamp().toString());
    } else if (p instanceof Change.UpdateInstanceChanged u) {
      data =
          new UpdateInstanceData(
              index,
              job,
              u.updateId(),
              u.instanceId(),
              u.action().name(),
              u.message().orElse(null),
              u.timestamp().toString());
    } else {
      data = new ChangeData(index, job);
    }
    return frame(ChangeLog.id(epoch, change), p.kind(), data);
  }

  private static ByteString frame(String id, String event, Object data) {
    String json = new String(Json.bytes(data), StandardCharsets.UTF_8);
    return ByteString.fromString("id: " + id + "\nevent: " + event + "\ndata: " + json + "\n\n");
  }
}
