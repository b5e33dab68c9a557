package io.borealis.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.http.auth.Identity;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The directives the API's routes are written in, on top of Pekko's: matching an {@link Endpoint}'s
 * template, who is calling, the query and the JSON body read with every problem collected, reads
 * that honour {@code ?index=&wait=}, and JSON responses from records. Every route class extends
 * this, the way Pekko route classes extend {@link AllDirectives}.
 */
abstract class ApiDirectives extends AllDirectives {

  static final String INDEX_HEADER = "X-Borealis-Index";
  static final String LOADING = "The read side is still loading; try again shortly.";

  final ApiContext ctx;

  ApiDirectives(ApiContext ctx) {
    this.ctx = ctx;
  }

  /** The endpoints this class serves. */
  abstract List<Endpoint> endpoints();

  /**
   * Who is calling, as the edge established it, and what anonymous callers may do; attached to the
   * request ({@link #CALLER}) before any route runs.
   */
  record Caller(Identity identity, boolean anonymousReads, boolean anonymousMetrics) {}

  static final AttributeKey<Caller> CALLER = AttributeKey.create("borealis-caller", Caller.class);

  // ---------------------------------------------------------------------------------------------
  // Matching

  /**
   * The route of one endpoint: its template matched with path matchers (one trailing {@code /}
   * names the same resource), then its method; a body is read whole (up to the size limit) before
   * the handler runs, and a request that has no use for its body has it discarded.
   */
  final Route serve(Endpoint endpoint) {
    var method =
        HttpMethods.lookup(endpoint.method())
            .orElseThrow(() -> new IllegalArgumentException("no method " + endpoint.method()));
    return matching(
        endpoint.segments(),
        Map.of(),
        args ->
            method(
                method,
                () ->
                    authorised(
                        endpoint,
                        args,
                        () ->
                            endpoint.readsBody()
                                ? strictBody(() -> endpoint.handler().apply(args))
                                : discardingBody(() -> endpoint.handler().apply(args)))));
  }

  /**
   * Lets the request on only if its caller may use {@code endpoint} with these path arguments: else
   * a 401 (no credentials where some are needed) or a 403 naming the missing permission, before
   * anything of the request is read or checked.
   */
  private Route authorised(Endpoint endpoint, Endpoint.Args args, Supplier<Route> inner) {
    return extractRequest(
        request -> {
          Optional<HttpResponse> refusal = refusal(caller(request), endpoint.access(), args);
          return refusal.isPresent() ? discardingBody(() -> complete(refusal.get())) : inner.get();
        });
  }

  /** Why {@code caller} may not pass {@code access}, if it may not. */
  static Optional<HttpResponse> refusal(Caller caller, Endpoint.Access access, Endpoint.Args args) {
    Identity who = caller.identity();
    switch (access.kind()) {
      case OPEN:
        return Optional.empty();
      case METRICS:
        return caller.anonymousMetrics() || who.authenticated()
            ? Optional.empty()
            : Optional.of(Problems.unauthorized());
      case READ:
        if (caller.anonymousReads()) {
          return Optional.empty();
        }
        break;
      default:
        break;
    }
    if (!who.authenticated()) {
      return Optional.of(Problems.unauthorized());
    }
    var required = access.permission().apply(args);
    if (access.kind() == Endpoint.Access.Kind.UNDECLARED || !who.may(required)) {
      return Optional.of(
          Problems.forbidden(
              "User " + who.user() + " lacks the permission " + required + " this request needs."));
    }
    return Optional.empty();
  }

  /** The caller the edge attached to {@code request} (none: anonymous, reads allowed). */
  static Caller caller(HttpRequest request) {
    return request.getAttribute(CALLER).orElse(new Caller(Identity.ANONYMOUS, true, false));
  }

  private Route matching(
      List<String> segments, Map<String, String> bound, Function<Endpoint.Args, Route> inner) {
    if (segments.isEmpty()) {
      return pathEndOrSingleSlash(() -> inner.apply(new Endpoint.Args(bound)));
    }
    String head = segments.get(0);
    List<String> rest = segments.subList(1, segments.size());
    if (Endpoint.isRest(head)) {
      return pathPrefix(
          PathMatchers.segments(),
          names -> matching(rest, with(bound, head, String.join("/", names)), inner));
    }
    if (Endpoint.isParam(head)) {
      return pathPrefix(PathMatchers.segment(), v -> matching(rest, with(bound, head, v), inner));
    }
    return pathPrefix(head, () -> matching(rest, bound, inner));
  }

  private static Map<String, String> with(Map<String, String> bound, String segment, String v) {
    Map<String, String> m = new HashMap<>(bound);
    m.put(Endpoint.paramName(segment), v);
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading the request

  /**
   * The write side bound to the caller the edge authenticated (and authorised for this endpoint):
   * the one way a route hands on a change.
   */
  final Route acting(Function<Acting, Route> inner) {
    return extractRequest(
        request -> inner.apply(new Acting(ctx, caller(request).identity().user())));
  }

  /** The query, with every parameter not in {@code known} noted as a problem. */
  final Route input(Set<String> known, Function<Input, Route> inner) {
    return parameterMultiMap(query -> inner.apply(new Input(query, known)));
  }

  /** The whole body, up to {@code max-request-size} (413 past it), before {@code inner} runs. */
  private Route strictBody(Supplier<Route> inner) {
    long max = ctx.settings().maxRequestBytes();
    return extractRequestEntity(
        entity -> {
          var length = entity.getContentLengthOption();
          if (length.isPresent() && length.getAsLong() > max) {
            return discardingBody(() -> complete(Api.tooLarge(max)));
          }
          return toStrictEntity(ctx.settings().askTimeout(), max, inner);
        });
  }

  /** Drains a body that no one reads, so the connection can carry the next request. */
  final Route discardingBody(Supplier<Route> inner) {
    return extractRequestEntity(
        entity ->
            extractMaterializer(
                m -> {
                  entity.discardBytes(m);
                  return inner.get();
                }));
  }

  /**
   * The body as JSON (read whole by {@link #serve}). An empty body reads as {@code {}} when {@code
   * emptyIsObject}, for commands whose fields are all optional; a body that is not JSON is a 415.
   */
  final Route jsonBody(boolean emptyIsObject, Function<JsonNode, Route> inner) {
    return extractStrictEntity(
        ctx.settings().askTimeout(),
        ctx.settings().maxRequestBytes(),
        strict -> inner.apply(parse(strict, emptyIsObject)));
  }

  /** The body as a JSON object read field by field, its problems noted on {@code in}. */
  final Route fields(Input in, boolean emptyIsObject, Function<JsonFields, Route> inner) {
    return jsonBody(emptyIsObject, json -> inner.apply(new JsonFields(json, in)));
  }

  private static JsonNode parse(HttpEntity.Strict entity, boolean emptyIsObject) {
    byte[] body = entity.getData().toArray();
    if (body.length == 0) {
      if (emptyIsObject) {
        return Json.MAPPER.createObjectNode();
      }
      throw new BadRequest("(body)", "a JSON body is required");
    }
    var mediaType = entity.getContentType().mediaType();
    if (!mediaType.equals(MediaTypes.APPLICATION_JSON)) {
      throw new UnsupportedMedia(mediaType.toString());
    }
    try {
      JsonNode node = Json.MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new BadRequest("(body)", "a JSON body is required");
      }
      return node;
    } catch (JsonProcessingException e) {
      duplicateField(e)
          .ifPresent(
              field -> {
                throw new BadRequest(field, "is given more than once");
              });
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new BadRequest("(body)", "is not valid JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadRequest("(body)", "could not be read: " + e.getMessage());
    }
  }

  /**
   * The dotted path ({@code task.resources.cpu}, {@code task.processes[0].name}) of the field a
   * body gives twice, when that is what the parser refused.
   */
  private static Optional<String> duplicateField(JsonProcessingException e) {
    if (!(e instanceof StreamReadException read)
        || read.getProcessor() == null
        || e.getOriginalMessage() == null
        || !e.getOriginalMessage().startsWith("Duplicate field")) {
      return Optional.empty();
    }
    // The parser stopped on the repeated name, which its context holds as the current name.
    StringBuilder path = new StringBuilder();
    for (JsonStreamContext c = read.getProcessor().getParsingContext();
        c != null && !c.inRoot(); ) {
      path.insert(
          0,
          c.inObject()
              ? (c.getParent().inRoot() ? "" : ".") + c.getCurrentName()
              : "[" + c.getCurrentIndex() + "]");
      c = c.getParent();
    }
    return Optional.of(path.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // Answering

  /**
   * A read from the read side: honours {@code ?index=N&wait=30s} (answer once the view passes N, or
   * when the wait ends) and carries the view's index. A 503 while the view is still loading.
   */
  final Route read(Input in, Supplier<Route> render) {
    Optional<Long> index = in.index();
    Optional<Duration> wait = in.duration("wait", ctx.settings().maxWait());
    in.checked();
    if (!ctx.view().isCaughtUp()) {
      return complete(Problems.unavailable(LOADING));
    }
    CompletionStage<Long> ready =
        index.isPresent()
            ? ctx.view().awaitIndex(index.get(), wait.orElse(Duration.ZERO), ctx.timer())
            : CompletableFuture.completedFuture(ctx.view().index());
    return onSuccess(
        ready,
        i -> {
          // The index is read first: the body is at least as new as the index it carries.
          long at = ctx.view().index();
          return respondWithHeader(RawHeader.create(INDEX_HEADER, Long.toString(at)), render);
        });
  }

  /**
   * A write, handed on only if {@link Admission} has room for {@code units} more instance changes;
   * else a 503 with {@code Retry-After}, and nothing changed.
   */
  final Route admitted(int units, Supplier<CompletionStage<HttpResponse>> write) {
    return completeWithFuture(ctx.admission().admit(units, write));
  }

  /** At most this many jobs' pending reasons are asked for one page of tasks. */
  private static final int MAX_REASON_JOBS = 16;

  /**
   * Why placement has not placed the PENDING tasks among {@code tasks}, by task id, asked of
   * placement once per job. A job whose answer fails or is later than {@code pending-reason-wait}
   * (placement moving to another node) keeps its tasks' last messages: a read never fails, nor
   * waits out the ask timeout, for want of a reason.
   */
  final CompletionStage<Map<String, String>> pendingReasons(
      java.util.Collection<io.borealis.task.ScheduledTask> tasks) {
    Set<io.borealis.model.JobKey> jobs = new java.util.LinkedHashSet<>();
    for (io.borealis.task.ScheduledTask t : tasks) {
      if (t.status() == io.borealis.model.ScheduleStatus.PENDING && jobs.size() < MAX_REASON_JOBS) {
        jobs.add(t.instance().job());
      }
    }
    CompletableFuture<Map<String, String>> all = CompletableFuture.completedFuture(new HashMap<>());
    for (io.borealis.model.JobKey job : jobs) {
      CompletableFuture<List<io.borealis.placement.PlacementEngine.PendingReason>> one =
          ctx.jobs()
              .pendingReasons(job, ctx.settings().pendingReasonWait())
              .toCompletableFuture()
              .exceptionally(e -> List.of());
      all =
          all.thenCombine(
              one,
              (m, reasons) -> {
                reasons.forEach(r -> m.put(r.taskId(), r.reason()));
                return m;
              });
    }
    return all;
  }

  /** A page of tasks, PENDING ones saying why they wait. */
  final Route tasksPage(
      io.borealis.persistence.QueryService.Page<io.borealis.task.ScheduledTask> page) {
    return completeWithFuture(
        pendingReasons(page.items())
            .thenApply(
                reasons ->
                    json(StatusCodes.OK, Views.page(page, t -> Views.task(t, false, reasons)))));
  }

  /** A response record as a JSON response. */
  static HttpResponse json(StatusCode status, Object body) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, Json.bytes(body));
  }

  /** A 200 with a response record. */
  final Route ok(Object body) {
    return complete(json(StatusCodes.OK, body));
  }

  /** A 404 problem. */
  final Route notFound(String detail) {
    return complete(Problems.notFound(detail));
  }

  /** The body is not JSON: a 415. */
  static final class UnsupportedMedia extends RuntimeException {
    UnsupportedMedia(String mediaType) {
      super("the body must be application/json, not " + mediaType, null, false, false);
    }
  }
}
