package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.common.Rejection;
import io.borealis.common.Stages;
import io.borealis.model.FieldError;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RawRequestURI;
import org.apache.pekko.http.javadsl.model.headers.TimeoutAccess;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.AskTimeoutException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API v1: one table of routes ({@link Router}), one request handler, one error mapping.
 * Every failure becomes a problem body with the right status: bad input 400 naming each field,
 * unknown things 404, conflicts 409, oversized bodies 413, non-JSON 415, an unresponsive scheduler
 * 503. A 500 means a bug, and is logged with its stack trace (never sent).
 */
public final class Api {

  private static final Logger LOG = LoggerFactory.getLogger(Api.class);
  static final String INDEX_HEADER = "X-Borealis-Index";
  private static final String BLOCKING_IO_DISPATCHER = "pekko.actor.default-blocking-io-dispatcher";

  private final ApiContext ctx;
  private final Materializer materializer;
  private final java.util.concurrent.Executor executor;
  private final Router router = new Router();

  public Api(ApiContext ctx, Materializer materializer) {
    this.ctx = ctx;
    this.materializer = materializer;
    this.executor = materializer.executionContext();
    new SystemRoutes(ctx).register(router);
    new JobRoutes(ctx).register(router);
    new TaskRoutes(ctx).register(router);
    new SandboxRoutes(ctx, materializer.system().dispatchers().lookup(BLOCKING_IO_DISPATCHER))
        .register(router);
    new SimRoutes(ctx).register(router);
    new EventRoutes(ctx, materializer).register(router);
  }

  /** Every route, for the OpenAPI check. */
  public List<Router.Route> routes() {
    return router.routes();
  }

  /**
   * Handles one request; never fails (failures are problem responses). Every response carries the
   * view's index: a read's is the index its body reflects; a write's is the index just before its
   * change, so a read with {@code ?index=} that value (on any node whose view has caught up with
   * it) answers as soon as the change is visible. Writes are answered only after the node's view
   * holds them, so on this node that is at once.
   */
  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    boolean write = !request.method().isSafe();
    return route(request)
        .thenApply(
            response -> {
              if (response.getHeader(INDEX_HEADER).isPresent()) {
                return response;
              }
              long index = ctx.view().index();
              return response.addHeader(
                  RawHeader.create(
                      INDEX_HEADER, Long.toString(write ? Math.max(0, index - 1) : index)));
            });
  }

  private CompletionStage<HttpResponse> route(HttpRequest request) {
    try {
      request
          .getHeader(TimeoutAccess.class)
          .ifPresent(t -> t.timeoutAccess().updateHandler(Api::timedOut));
      String method = request.method().value();
      if (hasDotSegment(request)) {
        request.discardEntityBytes(materializer);
        return done(
            Problems.badRequest(
                List.of(
                    new FieldError(
                        "path",
                        "must not contain '.' or '..' segments (they are refused, not resolved)"))));
      }
      Router.Match match = router.match(method, request.getUri().path());
      if (match instanceof Router.Match.EmptySegment) {
        request.discardEntityBytes(materializer);
        return done(
            Problems.badRequest(
                List.of(
                    new FieldError(
                        "path", "must not contain empty segments ('//'); each part is required"))));
      }
      if (match instanceof Router.Match.NotFound) {
        request.discardEntityBytes(materializer);
        return done(
            Problems.of(StatusCodes.NOT_FOUND, "No resource at " + request.getUri().path()));
      }
      if (match instanceof Router.Match.WrongMethod w) {
        request.discardEntityBytes(materializer);
        return done(
            Problems.of(
                    StatusCodes.METHOD_NOT_ALLOWED,
                    method + " is not allowed here; use " + String.join(" or ", w.allowed()))
                .addHeader(RawHeader.create("Allow", String.join(", ", w.allowed()))));
      }
      Router.Match.Found found = (Router.Match.Found) match;
      Map<String, List<String>> query = request.getUri().query().toMultiMap();
      CompletionStage<byte[]> body;
      var length = request.entity().getContentLengthOption();
      if (found.route().readsBody()
          && length.isPresent()
          && length.getAsLong() > ctx.settings().maxRequestBytes()) {
        request.discardEntityBytes(materializer);
        return done(tooLarge(ctx.settings().maxRequestBytes()));
      }
      if (found.route().readsBody()) {
        body =
            Stages.on(
                    request
                        .entity()
                        .toStrict(
                            ctx.settings().askTimeout().toMillis(),
                            ctx.settings().maxRequestBytes(),
                            materializer),
                    executor)
                .thenApply(strict -> strict.getData().toArray());
      } else {
        request.discardEntityBytes(materializer);
        body = CompletableFuture.completedFuture(new byte[0]);
      }
      return body.thenCompose(
              bytes ->
                  found.route().handler().handle(new Call(request, found.params(), query, bytes)))
          .exceptionally(Api::convertError);
    } catch (RuntimeException e) {
      return done(convertError(e));
    }
  }

  /**
   * Whether the path as the client sent it has a {@code .} or {@code ..} segment, plain or
   * percent-encoded. Pekko resolves such segments before the request reaches us, so {@code
   * /tasks/T/sandbox/../../etc/passwd} would quietly become another path (and the job name {@code
   * .} an empty segment); with {@code pekko.http.server.raw-request-uri-header = on} (the node's
   * http.conf) we see the original and refuse it instead. Without the header nothing is checked
   * here, and nothing is lost: a resolved path is only ever matched as it stands.
   */
  static boolean hasDotSegment(HttpRequest request) {
    Optional<String> raw = request.getHeader(RawRequestURI.class).map(RawRequestURI::uri);
    if (raw.isEmpty()) {
      return false;
    }
    String path = raw.get();
    int end = path.indexOf('?');
    path = end < 0 ? path : path.substring(0, end);
    for (String segment : path.split("/")) {
      try {
        String decoded = Router.decode(segment);
        if (decoded.equals("..") || decoded.equals(".")) {
          return true;
        }
      } catch (IllegalArgumentException e) {
        // Not valid percent-encoding, so not a dot segment; Pekko judges the rest.
      }
    }
    return false;
  }

  /** Maps a failure to its problem response. */
  static HttpResponse convertError(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException
            || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof BadRequest b) {
      return Problems.badRequest(b.errors);
    }
    if (e instanceof Call.UnsupportedMedia) {
      return Problems.of(StatusCodes.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    }
    if (e instanceof Rejection.Invalid) {
      return Problems.of(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    if (e instanceof Rejection.NotFound) {
      return Problems.of(StatusCodes.NOT_FOUND, e.getMessage());
    }
    if (e instanceof Rejection.Conflict) {
      return Problems.of(StatusCodes.CONFLICT, e.getMessage());
    }
    if (e instanceof Rejection.Unavailable) {
      return Problems.unavailable(e.getMessage());
    }
    if (e instanceof AskTimeoutException || e instanceof TimeoutException) {
      // Handed on, then not confirmed: unlike a refusal at the door (503 with Retry-After), the
      // change may still happen, so no automatic retry is invited.
      return Problems.of(
          StatusCodes.SERVICE_UNAVAILABLE,
          "The scheduler did not confirm the request in time; it may still take effect. Read the"
              + " job's state before you retry.");
    }
    if (e instanceof EntityStreamSizeException s) {
      return Problems.of(
          StatusCodes.CONTENT_TOO_LARGE,
          "The request body is larger than the limit of " + s.limit() + " bytes.");
    }
    LOG.error("Unexpected failure while handling a request", e);
    return Problems.of(
        StatusCodes.INTERNAL_SERVER_ERROR, "Internal error; the scheduler's log has the details.");
  }

  /**
   * The answer when a request outlives {@code pekko.http.server.request-timeout}: a problem, like
   * every other error, where Pekko would send plain text.
   */
  static HttpResponse timedOut(HttpRequest request) {
    return Problems.unavailable(
        "The scheduler did not answer within the server's request timeout; try again.");
  }

  private static HttpResponse tooLarge(long limit) {
    return Problems.of(
        StatusCodes.CONTENT_TOO_LARGE,
        "The request body is larger than the limit of " + limit + " bytes.");
  }

  static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  static HttpResponse json(StatusCode status, JsonNode body) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, Json.bytes(body));
  }

  /**
   * A read from the read side: honours {@code ?index=N&wait=30s} (answer once the view passes N, or
   * when the wait ends) and carries the view's index.
   */
  static CompletionStage<HttpResponse> read(
      ApiContext ctx, Call call, Supplier<HttpResponse> render) {
    var index = Params.index(call);
    var wait = Params.duration(call, "wait", ctx.settings().maxWait());
    call.checked();
    if (!ctx.view().isCaughtUp()) {
      return done(Problems.unavailable("The read side is still loading; try again shortly."));
    }
    CompletionStage<Long> ready =
        index.isPresent()
            ? ctx.view().awaitIndex(index.get(), wait.orElse(java.time.Duration.ZERO), ctx.timer())
            : CompletableFuture.completedFuture(ctx.view().index());
    return ready.thenApply(
        i -> {
          // The index is read first: the body is at least as new as the index it carries.
          long at = ctx.view().index();
          return render.get().addHeader(RawHeader.create(INDEX_HEADER, Long.toString(at)));
        });
  }
}
