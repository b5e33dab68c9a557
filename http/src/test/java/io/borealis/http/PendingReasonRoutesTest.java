package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.borealis.job.JobEvent;
import io.borealis.job.JobService;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.ValidationSettings;
import io.borealis.persistence.ReadView;
import io.borealis.placement.PlacementEngine;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads of PENDING tasks while placement does not answer (its singleton moving to another node
 * after a crash): they answer within {@code pending-reason-wait} with the tasks' own messages,
 * never after the ask timeout.
 */
class PendingReasonRoutesTest {

  private static final JobKey WEB = new JobKey("www-data", "prod", "web");
  private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

  private static ActorSystem<Void> system;
  private static Api api;

  @BeforeAll
  static void setUp() {
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "pending-reason-routes-test",
            ConfigFactory.parseString(
                    "borealis.http.pending-reason-wait = 200ms\n"
                        + "borealis.http.ask-timeout = 60s\n"
                        // The job service's sharding needs a cluster provider (never joined).
                        + "pekko.actor.provider = cluster\n"
                        + "pekko.remote.artery.canonical.port = 0\n"
                        + "pekko.remote.artery.canonical.hostname = 127.0.0.1")
                .withFallback(ConfigFactory.load()));
    // A placement engine that never answers, as one on a node that crashed.
    ActorRef<PlacementEngine.Command> silent =
        system.systemActorOf(
            Behaviors.ignore(), "gone", org.apache.pekko.actor.typed.Props.empty());
    JobService jobs =
        new JobService(system, Duration.ofSeconds(60), Optional.empty(), Optional.of(silent));
    ReadView view = new ReadView();
    TaskConfig config = TaskConfig.simple(WEB, true, Resources.of(1, 128, 128));
    view.applyAll(
        List.of(
            new ReadView.Envelope(
                "Job|" + WEB,
                1,
                new JobEvent.JobCreated(
                    WEB,
                    new JobConfiguration(
                        WEB,
                        1,
                        config,
                        UpdateSettings.DEFAULT,
                        Optional.empty(),
                        CronCollisionPolicy.CANCEL_NEW),
                    List.of(0),
                    "s1",
                    T0,
                    "alice"))));
    InstanceKey instance = WEB.instance(0);
    view.applyAll(
        List.of(
            new ReadView.Envelope(
                "TaskInstance|" + instance,
                1,
                new InstanceEvent.TaskCreated(
                    instance,
                    ScheduledTask.created(
                        "t0",
                        instance,
                        config,
                        0,
                        Optional.empty(),
                        ScheduleStatus.PENDING,
                        T0,
                        Optional.empty()),
                    "s1"))));
    view.markCaughtUp();
    ApiContext ctx =
        new ApiContext(
            jobs,
            view,
            Optional.empty(),
            Optional.empty(),
            ValidationSettings.DEFAULT,
            HttpSettings.from(system.settings().config()),
            null,
            () -> true);
    api = new Api(ctx, Materializer.matFromSystem(system));
  }

  @AfterAll
  static void tearDown() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aJobsTasksAreReadWithTheirOwnMessagesWhenPlacementDoesNotAnswer() throws Exception {
    HttpResponse r = get("/api/v1/jobs/www-data/prod/web/tasks");

    assertThat(r.status().intValue()).isEqualTo(200);
    JsonNode items = body(r).get("items");
    assertThat(items).hasSize(1);
    assertThat(items.get(0).get("status").asText()).isEqualTo("PENDING");
  }

  @Test
  void aTaskIsReadWhenPlacementDoesNotAnswer() throws Exception {
    HttpResponse r = get("/api/v1/tasks/t0");

    assertThat(r.status().intValue()).isEqualTo(200);
    assertThat(body(r).get("task_id").asText()).isEqualTo("t0");
  }

  @Test
  void pendingReasonsAnswer503WithRetryAfterWhenPlacementDoesNotAnswer() throws Exception {
    HttpResponse r = get("/api/v1/jobs/www-data/prod/web/pending-reasons");

    assertThat(r.status().intValue()).isEqualTo(503);
    assertThat(r.getHeader("Retry-After")).isPresent();
    assertThat(body(r).get("detail").asText()).contains("Placement did not answer within 200 ms");
  }

  /** The reply, which must come well before the 60 s ask timeout (10 s here). */
  private static HttpResponse get(String path) throws Exception {
    return api.handle(HttpRequest.GET(path)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static JsonNode body(HttpResponse r) throws Exception {
    byte[] bytes =
        r.entity()
            .toStrict(5_000, Materializer.matFromSystem(system))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .getData()
            .toArray();
    return new ObjectMapper().readTree(bytes);
  }
}
