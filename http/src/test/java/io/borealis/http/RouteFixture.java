package io.borealis.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.borealis.model.ValidationSettings;
import io.borealis.persistence.QueryService;
import io.borealis.persistence.ReadView;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;

/**
 * What the route tests start from: an actor system, a read view that has caught up, a timer, and
 * contexts without a write side (the requests of these tests are answered before a service would be
 * asked). One per test class: made in {@code @BeforeAll}, closed in {@code @AfterAll}.
 */
final class RouteFixture implements AutoCloseable {

  final Config config;
  final ActorSystem<Void> system;
  final Materializer materializer;
  final ReadView view;
  final ScheduledExecutorService timer;

  private RouteFixture(String name, Config config) {
    this.config = config;
    this.system = ActorSystem.create(Behaviors.empty(), name, config);
    this.materializer = Materializer.matFromSystem(system);
    this.view = new ReadView();
    view.markCaughtUp();
    this.timer = Executors.newSingleThreadScheduledExecutor();
  }

  /** On the default configuration. */
  static RouteFixture start(String name) {
    return start(name, ConfigFactory.load());
  }

  /** On {@code config} (give it the defaults as fallback). */
  static RouteFixture start(String name, Config config) {
    return new RouteFixture(name, config);
  }

  /** A ready context reading this fixture's view, with no sandboxes. */
  ApiContext context() {
    return context(view, Optional.empty());
  }

  /** A ready context reading {@code queries}, with the sandboxes under the given folder. */
  ApiContext context(QueryService queries, Optional<Path> sandboxes) {
    return new ApiContext(
        null,
        queries,
        Optional.empty(),
        sandboxes,
        ValidationSettings.DEFAULT,
        HttpSettings.from(config),
        timer,
        () -> true);
  }

  /** The whole API on {@link #context()}. */
  Api api() {
    return new Api(context(), materializer);
  }

  /** Serves {@code api} on a free port of 127.0.0.1; returns the port. */
  int bind(Api api) throws Exception {
    return bind(api, ServerSettings.create(config));
  }

  /** Serves {@code api} with {@code settings} on a free port of 127.0.0.1; returns the port. */
  int bind(Api api, ServerSettings settings) throws Exception {
    return Http.get(system)
        .newServerAt("127.0.0.1", 0)
        .withSettings(settings)
        .bind(api::handle)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS)
        .localAddress()
        .getPort();
  }

  /** The entity of {@code response}, read whole. */
  HttpEntity.Strict strict(HttpResponse response) throws Exception {
    return response
        .entity()
        .toStrict(5_000, materializer)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    timer.shutdownNow();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
