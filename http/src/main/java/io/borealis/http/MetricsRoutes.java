package io.borealis.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The node's metrics: {@code /vars} (Aurora's {@code name value} lines), {@code /vars.json} (one
 * flat object of the same) and {@code /metrics} (Prometheus text exposition 0.0.4, see {@link
 * NodeMeters} for how names are made).
 */
final class MetricsRoutes extends ApiDirectives {

  /** The content type Prometheus asks for and reads: text format 0.0.4. */
  static final ContentType PROMETHEUS_TEXT =
      ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final NodeMeters meters;

  MetricsRoutes(ApiContext ctx, NodeMeters meters) {
    super(ctx);
    this.meters = meters;
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/vars", path -> vars()),
        Endpoint.get("/vars.json", path -> varsJson()),
        Endpoint.get("/metrics", path -> prometheus()));
  }

  private Route vars() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          StringBuilder text = new StringBuilder();
          meters
              .metrics()
              .values()
              .forEach((name, value) -> text.append(name).append(' ').append(value).append('\n'));
          return complete(
              HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, text.toString()));
        });
  }

  private Route varsJson() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          Map<String, Number> all = new LinkedHashMap<>(meters.metrics().values());
          return complete(
              HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, Json.bytes(all)));
        });
  }

  private Route prometheus() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          return complete(
              HttpResponse.create()
                  .withEntity(PROMETHEUS_TEXT, meters.scrape().getBytes(StandardCharsets.UTF_8)));
        });
  }
}
