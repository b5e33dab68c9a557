package io.borealis.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** {@code /health} and the OpenAPI document. */
final class SystemRoutes {

  private final ApiContext ctx;
  private final byte[] openApi;

  SystemRoutes(ApiContext ctx) {
    this.ctx = ctx;
    try (InputStream in = SystemRoutes.class.getResourceAsStream("/borealis/openapi.json")) {
      this.openApi = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void register(Router router) {
    router
        .get("/health", this::health)
        .get(
            "/api/v1/openapi.json",
            call ->
                Api.done(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, openApi)));
  }

  private java.util.concurrent.CompletionStage<HttpResponse> health(Call call) {
    call.allowQuery(java.util.Set.of());
    call.checked();
    if (!ctx.ready().getAsBoolean() || !ctx.view().isCaughtUp()) {
      return Api.done(Problems.unavailable("The node is starting."));
    }
    return Api.done(HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, "OK"));
  }
}
