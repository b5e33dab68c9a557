package io.borealis.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.model.JobKey;
import io.borealis.persistence.Change;
import io.borealis.persistence.ChangeLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The event stream, {@code GET /api/v1/events?topics=job:ROLE/ENV/NAME,task:ID}: server-sent events
 * for every change the read side applies (task status changes, job changes), each with a resumable
 * {@code id}. A client that reconnects with {@code Last-Event-ID} (the header, or {@code
 * last_event_id=} for clients that cannot set it) gets what it missed, neither lost nor repeated;
 * when what it missed is no longer held (or the node restarted since), the first event is {@code
 * reset}: read the state afresh, then follow on. Idle streams carry a comment line every {@code
 * event-heartbeat}; every stream ends when the node shuts down.
 */
final class EventRoutes {

  private static final ByteString HEARTBEAT = ByteString.fromString(":\n\n");

  private final ApiContext ctx;
  private final Materializer materializer;

  EventRoutes(ApiContext ctx, Materializer materializer) {
    this.ctx = ctx;
    this.materializer = materializer;
  }

  void register(Router router) {
    router.get("/api/v1/events", this::events);
  }

  private CompletionStage<HttpResponse> events(Call call) {
    call.allowQuery(Set.of("topics", "last_event_id"));
    List<Change.Topic> topics = topics(call, call.query("topics"));
    Optional<String> lastId = call.header("Last-Event-ID").or(() -> call.query("last_event_id"));
    ChangeLog log = ctx.view().changes();
    Optional<Long> after = Optional.empty();
    boolean reset = false;
    if (lastId.isPresent() && !lastId.get().isBlank()) {
      Optional<Long> position = position(lastId.get(), log.epoch());
      if (position.isEmpty()) {
        // Another node's id, or this node's before a restart: positions do not carry over.
        reset = true;
      } else if (position.get() > ctx.view().index()) {
        reset = true;
      } else {
        after = position;
      }
    }
    call.checked();
    if (!ctx.view().isCaughtUp()) {
      return Api.done(Problems.unavailable("The read side is still loading; try again shortly."));
    }
    ChangeLog.Subscription subscription = log.subscribe(after, topics, materializer);
    Source<ByteString, NotUsed> head =
        reset || subscription.gap()
            ? Source.single(resetEvent(log.epoch(), ctx.view().index()))
            : Source.single(ByteString.fromString(": stream open\n\n"));
    Source<ByteString, NotUsed> body =
        head.concat(subscription.changes().map(c -> render(log.epoch(), c)))
            .keepAlive(ctx.settings().eventHeartbeat(), () -> HEARTBEAT);
    return Api.done(
        HttpResponse.create()
            .withStatus(StatusCodes.OK)
            .addHeader(RawHeader.create("Cache-Control", "no-cache"))
            .withEntity(
                HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), body)));
  }

  private static List<Change.Topic> topics(Call call, Optional<String> spec) {
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
          call.problem(
              "topics", "'" + topic + "' is not job:ROLE/ENV/NAME (" + e.getMessage() + ")");
        }
      } else if (topic.startsWith("task:") && topic.length() > 5) {
        topics.add(new Change.Topic.Task(topic.substring(5)));
      } else {
        call.problem(
            "topics", "'" + topic + "' is not a topic: use job:ROLE/ENV/NAME, task:TASK_ID or *");
      }
    }
    return topics;
  }

  /** The position in an event id {@code EPOCH.INDEX}, if it is one of this view's. */
  static Optional<Long> position(String id, String epoch) {
    int dot = id.lastIndexOf('.');
    if (dot <= 0 || !id.substring(0, dot).equals(epoch)) {
      return Optional.empty();
    }
    try {
      long index = Long.parseLong(id.substring(dot + 1));
      return index < 0 ? Optional.empty() : Optional.of(index);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static ByteString resetEvent(String epoch, long index) {
    ObjectNode data = Json.object();
    data.put(
        "message",
        "Events since the given Last-Event-ID are no longer available; read the current state,"
            + " then follow this stream.");
    data.put("index", index);
    return frame(epoch + "." + index, "reset", data);
  }

  static ByteString render(String epoch, Change change) {
    ObjectNode data = Json.object();
    data.put("index", change.index());
    data.put("job_key", change.job().toString());
    Change.Payload p = change.payload();
    if (p instanceof Change.TaskChanged t) {
      data.put("task_id", t.taskId());
      data.put("instance_id", t.instanceId());
      data.put("status", t.status().name());
      data.put("previous_status", t.previous().map(Enum::name).orElse(null));
      data.put("timestamp", t.timestamp().toString());
      data.put("message", t.message().orElse(null));
      data.put("host", t.host().orElse(null));
    } else if (p instanceof Change.TaskDeleted d) {
      data.put("task_id", d.taskId());
      data.put("instance_id", d.instanceId());
      data.put("timestamp", d.timestamp().toString());
    } else if (p instanceof Change.JobChanged j) {
      data.put("change", j.change());
      data.put("instances", io.borealis.model.InstanceRanges.format(j.instances()));
      data.put("timestamp", j.timestamp().toString());
      data.put("user", j.user());
    }
    return frame(epoch + "." + change.index(), p.kind(), data);
  }

  private static ByteString frame(String id, String event, ObjectNode data) {
    String json = new String(Json.bytes(data), StandardCharsets.UTF_8);
    return ByteString.fromString("id: " + id + "\nevent: " + event + "\ndata: " + json + "\n\n");
  }
}
