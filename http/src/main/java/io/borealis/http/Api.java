package io.borealis.http;

import io.borealis.common.Rejection;
import io.borealis.http.auth.Authenticator;
import io.borealis.http.auth.Identity;
import io.borealis.model.FieldError;
import io.borealis.persistence.StagedRecovery;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RawRequestURI;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.pattern.AskTimeoutException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API v1 as one Pekko HTTP route: the endpoints of every route class, a rejection handler
 * and an exception handler. Every failure becomes a problem body with the right status: bad input
 * 400 naming each field, unknown paths 404, a known path with another method 405 with {@code
 * Allow}, conflicts 409, oversized bodies 413, non-JSON 415, an unresponsive scheduler 503. A 500
 * means a bug, and is logged with its stack trace (never sent).
 */
public final class Api {

  private static final Logger LOG = LoggerFactory.getLogger(Api.class);
  private static final Logger AUDIT = LoggerFactory.getLogger("io.borealis.audit");

  /**
   * Sent with every response: no content sniffing, no framing, no referrer, and a strict content
   * security policy (the API serves JSON; a UI page may load only its own resources).
   */
  static final List<HttpHeader> SECURITY_HEADERS =
      List.of(
          RawHeader.create("X-Content-Type-Options", "nosniff"),
          RawHeader.create("X-Frame-Options", "DENY"),
          RawHeader.create("Referrer-Policy", "no-referrer"),
          RawHeader.create(
              "Content-Security-Policy",
              "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"));

  static final String INDEX_HEADER = ApiDirectives.INDEX_HEADER;
  private static final String BLOCKING_IO_DISPATCHER = "pekko.actor.default-blocking-io-dispatcher";

  private final List<Endpoint> endpoints = new ArrayList<>();
  private final Route route;
  private final Function<HttpRequest, CompletionStage<HttpResponse>> handler;
  private final NodeMeters meters;

  /** The API of a node alone with an in-process store and backend (route tests). */
  public Api(ApiContext ctx, Materializer materializer) {
    this(ctx, materializer, single(ctx), SandboxPeers.NONE);
  }

  /** The API of a node that describes itself with {@code node} (route tests). */
  public Api(ApiContext ctx, Materializer materializer, NodeStatus node) {
    this(ctx, materializer, node, SandboxPeers.NONE);
  }

  /** With {@code peers}: sandbox reads of tasks on other nodes' agents are forwarded to them. */
  public Api(ApiContext ctx, Materializer materializer, SandboxPeers peers) {
    this(ctx, materializer, single(ctx), peers);
  }

  /**
   * The API of a node that describes itself with {@code node}, forwarding sandbox reads of tasks on
   * other nodes' agents to {@code peers}, with the edge's checks from the node's settings.
   */
  public Api(ApiContext ctx, Materializer materializer, NodeStatus node, SandboxPeers peers) {
    this(
        ctx,
        materializer,
        node,
        peers,
        EdgeSecurity.from(
            materializer.system().settings().config(),
            materializer.system().dispatchers().lookup(BLOCKING_IO_DISPATCHER)));
  }

  /** The API with the edge's checks in {@code security}; its users file is watched on the timer. */
  Api(ApiContext ctx, Materializer materializer, EdgeSecurity security) {
    this(ctx, materializer, single(ctx), SandboxPeers.NONE, security);
  }

  private static NodeStatus single(ApiContext ctx) {
    return NodeStatus.single(ctx.ready(), java.time.Instant.now());
  }

  private Api(
      ApiContext ctx,
      Materializer materializer,
      NodeStatus node,
      SandboxPeers peers,
      EdgeSecurity security) {
    this.meters = NodeMeters.of(materializer.system());
    List<ApiDirectives> classes =
        List.of(
            new SystemRoutes(ctx, node),
            new MetricsRoutes(ctx, meters),
            new AdminStatusRoutes(ctx, node, java.time.Clock.systemUTC()),
            new JobRoutes(ctx),
            new UpdateRoutes(ctx),
            new TaskRoutes(ctx),
            new QuotaRoutes(ctx),
            new SandboxRoutes(
                ctx,
                materializer.system().dispatchers().lookup(BLOCKING_IO_DISPATCHER),
                peers,
                materializer.system()),
            new SimRoutes(ctx),
            new MaintenanceRoutes(ctx),
            new ReconcileRoutes(ctx),
            new BackupRoutes(ctx),
            new EventRoutes(ctx, materializer));
    classes.forEach(c -> endpoints.addAll(c.endpoints()));
    for (Endpoint e : endpoints) {
      if (e.access().kind() == Endpoint.Access.Kind.UNDECLARED) {
        throw new IllegalStateException(
            e.method() + " " + e.template() + " changes state and declares no permission");
      }
    }
    security.authenticator().watch(ctx.timer());
    this.route = route(ctx, endpoints, security);
    this.handler = route.handler(materializer.system());
  }

  /** Every endpoint, for the OpenAPI check. */
  List<Endpoint> routes() {
    return List.copyOf(endpoints);
  }

  /** The whole API as one route, sealed: it never rejects and never fails. */
  public Route route() {
    return route;
  }

  /**
   * Handles one request; never fails (failures are problem responses). Each answer is counted and
   * timed here, outside every directive, so none escapes the count: a 500 (the exception handler's)
   * or any other 5xx but 503 counts in {@code http_500_responses_events}.
   */
  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    var started = meters.start();
    String method = request.method().value();
    try {
      return handler
          .apply(request)
          .thenApply(
              response -> {
                meters.answered(method, response.status().intValue(), started);
                return response;
              });
    } catch (Exception e) {
      throw new IllegalStateException("the sealed route threw", e);
    }
  }

  /** The endpoints as one sealed route, inside the directives every request goes through. */
  static Route route(ApiContext ctx, List<Endpoint> endpoints) {
    return route(ctx, endpoints, EdgeSecurity.off());
  }

  static Route route(ApiContext ctx, List<Endpoint> endpoints, EdgeSecurity security) {
    return new Edge(ctx, security).route(endpoints);
  }

  /** The directives around the endpoints: what every request goes through. */
  private static final class Edge extends ApiDirectives {

    private final EdgeSecurity security;

    Edge(ApiContext ctx, EdgeSecurity security) {
      super(ctx);
      this.security = security;
    }

    @Override
    List<Endpoint> endpoints() {
      return List.of();
    }

    Route route(List<Endpoint> endpoints) {
      Route[] routes = endpoints.stream().map(this::serve).toArray(Route[]::new);
      Route all = concat(routes[0], Arrays.copyOfRange(routes, 1, routes.length));
      return withRequestTimeoutResponse(
          Api::timedOut,
          () ->
              respondWithHeaders(
                  SECURITY_HEADERS,
                  () ->
                      cors(
                          () ->
                              guarded(
                                  () ->
                                      indexed(
                                          () ->
                                              handleExceptions(
                                                  exceptions(),
                                                  () ->
                                                      handleRejections(
                                                          rejections(),
                                                          () -> plainPath(() -> all))))))));
    }

    /**
     * The one place where callers are told apart: the credentials are checked (a 401 if they are
     * wrong; none is the anonymous caller), the client's rate limit is taken (a 429 past it), and
     * the caller is attached to the request for {@link #serve} to authorise and {@link #acting} to
     * act as. A request that may change state leaves one line in the audit log.
     */
    private Route guarded(java.util.function.Supplier<Route> inner) {
      return extractRequest(
          request ->
              probe(request)
                  ? mapRequest(
                      r -> r.addAttribute(CALLER, security.caller(Identity.ANONYMOUS)), inner)
                  : provide(
                      request
                          .getAttribute(AttributeKeys.remoteAddress)
                          .flatMap(RemoteAddress::getAddress),
                      ip -> {
                        long start = security.nanos().getAsLong();
                        return onSuccess(
                            security
                                .authenticator()
                                .authenticate(
                                    request.getHeader("Authorization").map(HttpHeader::value)),
                            outcome -> {
                              Identity who =
                                  outcome instanceof Authenticator.Known known
                                      ? known.identity()
                                      : Identity.ANONYMOUS;
                              return audited(
                                  request,
                                  who,
                                  start,
                                  () -> {
                                    String client =
                                        who.authenticated()
                                            ? "user " + who.user()
                                            : "address "
                                                + ip.map(InetAddress::getHostAddress)
                                                    .orElse("unknown");
                                    long wait = security.limits().take(client);
                                    if (wait > 0) {
                                      return discardingBody(
                                          () -> complete(Problems.tooManyRequests(wait)));
                                    }
                                    if (outcome instanceof Authenticator.Refused refused) {
                                      return discardingBody(
                                          () ->
                                              complete(
                                                  Problems.unauthorized(
                                                      "The credentials were refused: "
                                                          + refused.reason()
                                                          + ".")));
                                    }
                                    return mapRequest(
                                        r -> r.addAttribute(CALLER, security.caller(who)), inner);
                                  });
                            });
                      }));
    }

    /**
     * Whether {@code request} asks for one of the paths open to everyone ({@link Endpoint#OPEN}):
     * they answer whatever credentials come with them and however often, so that a load balancer's
     * check fails neither for stale credentials nor for other callers from its address.
     */
    private static boolean probe(HttpRequest request) {
      String path = request.getUri().path();
      return Endpoint.OPEN.contains(
          path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
    }

    /** One line on {@code io.borealis.audit} per request that may change state. */
    private Route audited(
        HttpRequest request, Identity who, long start, java.util.function.Supplier<Route> inner) {
      if (!write(request.method())) {
        return inner.get();
      }
      return mapResponse(
          response -> {
            AUDIT.info(
                "user={} method={} path={} status={} duration_ms={}",
                who.user(),
                request.method().value(),
                request.getUri().path(),
                response.status().intValue(),
                (security.nanos().getAsLong() - start) / 1_000_000);
            return response;
          },
          inner);
    }

    /**
     * CORS for the origins of {@code borealis.http.cors.allowed-origins} only: their requests get
     * {@code Access-Control-Allow-Origin}, their preflights a 204. Without the setting no CORS
     * header is ever sent, and a preflight is a 405 like any other OPTIONS.
     */
    private Route cors(java.util.function.Supplier<Route> inner) {
      return extractRequest(
          request -> {
            Optional<String> origin = request.getHeader("Origin").map(HttpHeader::value);
            if (origin.isEmpty() || !security.allowedOrigins().contains(origin.get())) {
              return inner.get();
            }
            List<HttpHeader> allow =
                List.of(
                    RawHeader.create("Access-Control-Allow-Origin", origin.get()),
                    RawHeader.create("Vary", "Origin"),
                    RawHeader.create(
                        "Access-Control-Expose-Headers", INDEX_HEADER + ", Location, Retry-After"));
            if (request.method().equals(HttpMethods.OPTIONS)
                && request.getHeader("Access-Control-Request-Method").isPresent()) {
              return discardingBody(
                  () ->
                      complete(
                          HttpResponse.create()
                              .withStatus(StatusCodes.NO_CONTENT)
                              .addHeaders(allow)
                              .addHeader(
                                  RawHeader.create(
                                      "Access-Control-Allow-Methods", "GET, POST, PUT"))
                              .addHeader(
                                  RawHeader.create(
                                      "Access-Control-Allow-Headers",
                                      "Authorization, Content-Type"))
                              .addHeader(RawHeader.create("Access-Control-Max-Age", "600"))));
            }
            return respondWithHeaders(allow, inner);
          });
    }

    /**
     * Every response carries the view's index: a read's is the index its body reflects (set by
     * {@link #read}); a write's is {@link io.borealis.persistence.QueryService#writeIndex}, so a
     * read with {@code ?index=} that value answers, on any node, as soon as the change is visible
     * there. Writes are answered only after the node's view holds them, so on a node alone that is
     * at once.
     */
    private Route indexed(java.util.function.Supplier<Route> inner) {
      return extractMethod(
          method ->
              mapResponse(
                  response -> {
                    if (response.getHeader(INDEX_HEADER).isPresent()) {
                      return response;
                    }
                    // A refused write changed nothing: it carries the index as a read would.
                    long index =
                        write(method) && response.status().isSuccess()
                            ? ctx.view().writeIndex()
                            : ctx.view().index();
                    return response.addHeader(RawHeader.create(INDEX_HEADER, Long.toString(index)));
                  },
                  inner));
    }

    private static boolean write(HttpMethod method) {
      return !method.isSafe();
    }

    /**
     * Refuses a path with an empty segment ({@code //}; one trailing {@code /} names the same
     * resource) or a {@code .} or {@code ..} segment, naming the field {@code path}. Pekko's path
     * matchers would read {@code //} as no match and resolve dot segments before routing.
     */
    private Route plainPath(java.util.function.Supplier<Route> inner) {
      return extractRequest(
          request -> {
            if (hasDotSegment(request)) {
              return refused(
                  "must not contain '.' or '..' segments (they are refused, not resolved)");
            }
            if (hasEmptySegment(request.getUri().path())) {
              return refused("must not contain empty segments ('//'); each part is required");
            }
            return inner.get();
          });
    }

    private Route refused(String message) {
      return discardingBody(
          () -> complete(Problems.badRequest(List.of(new FieldError("path", message)))));
    }

    private RejectionHandler rejections() {
      return RejectionHandler.newBuilder()
          .handleAll(
              MethodRejection.class,
              rejected ->
                  extractMethod(
                      method -> {
                        List<String> allowed =
                            rejected.stream().map(r -> r.supported().value()).distinct().toList();
                        return discardingBody(
                            () ->
                                complete(
                                    Problems.of(
                                            StatusCodes.METHOD_NOT_ALLOWED,
                                            method.value()
                                                + " is not allowed here; use "
                                                + String.join(" or ", allowed))
                                        .addHeader(
                                            RawHeader.create(
                                                "Allow", String.join(", ", allowed)))));
                      }))
          .handleNotFound(
              extractUri(
                  uri ->
                      discardingBody(
                          () -> complete(Problems.notFound("No resource at " + uri.path())))))
          .handle(
              org.apache.pekko.http.javadsl.server.Rejection.class,
              r ->
                  discardingBody(
                      () ->
                          complete(
                              Problems.of(
                                  StatusCodes.BAD_REQUEST, "The request was refused: " + r))))
          .build();
    }

    private ExceptionHandler exceptions() {
      return ExceptionHandler.newBuilder().matchAny(e -> complete(convertError(e))).build();
    }
  }

  /** Whether a request path has an empty segment, a trailing {@code /} apart. */
  static boolean hasEmptySegment(String path) {
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    if (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return !trimmed.isEmpty() && List.of(trimmed.split("/", -1)).contains("");
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
        // URLDecoder decodes forms, where '+' means a space; in a path it is a plus.
        String decoded = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
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
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof BadRequest b) {
      return Problems.badRequest(b.errors);
    }
    if (e instanceof ApiDirectives.UnsupportedMedia) {
      return Problems.of(StatusCodes.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    }
    if (e instanceof Rejection.Invalid) {
      return Problems.of(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    if (e instanceof Rejection.NotFound) {
      return Problems.of(StatusCodes.NOT_FOUND, e.getMessage());
    }
    if (e instanceof Rejection.UpdateActive active) {
      return Problems.updateActive(e.getMessage(), active.updateId());
    }
    if (e instanceof Rejection.Conflict) {
      return Problems.of(StatusCodes.CONFLICT, e.getMessage());
    }
    if (e instanceof StagedRecovery.NoSuchBackup) {
      return Problems.of(StatusCodes.NOT_FOUND, e.getMessage());
    }
    if (e instanceof StagedRecovery.WrongStage) {
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
      return tooLarge(s.limit());
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

  static HttpResponse tooLarge(long limit) {
    return Problems.of(
        StatusCodes.CONTENT_TOO_LARGE,
        "The request body is larger than the limit of " + limit + " bytes.");
  }
}
