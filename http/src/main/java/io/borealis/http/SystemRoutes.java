package io.borealis.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /health} and the OpenAPI document. */
final class SystemRoutes extends ApiDirectives {

  private final byte[] openApi;

  SystemRoutes(ApiContext ctx) {
    super(ctx);
    try (InputStream in = SystemRoutes.class.getResourceAsStream("/borealis/openapi.json")) {
      this.openApi = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/health", path -> health()),
        Endpoint.get(
            "/api/v1/openapi.json",
            path ->
                complete(
                    HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, openApi))));
  }

  private Route health() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          if (!ctx.ready().getAsBoolean() || !ctx.view().isCaughtUp()) {
            return complete(Problems.unavailable("The node is starting."));
          }
          return complete(HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, "OK"));
        });
  }
}
