package io.borealis.http;

import io.borealis.http.auth.Permission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One operation of the API: its method, its path template and the route that serves it. The list of
 * endpoints builds the directive tree ({@link ApiDirectives#serve}) and is checked against the
 * OpenAPI document, so the two cannot drift apart.
 *
 * <p>A template segment {@code {name}} binds one path segment. A last segment {@code {name+}} binds
 * one or more: the rest of the path, its segments decoded one by one and joined with {@code /}. A
 * segment may itself decode to a {@code /} (from {@code %2F}), so a handler that treats such a
 * value as a file path must check every piece of it, not just the segments the client sent.
 *
 * <p>Every endpoint says what a caller needs ({@link Access}), checked at the edge before the
 * handler runs: a read needs {@code job:read:{role}} (or {@code job:read:*} when its path names no
 * role); a write must declare its permission ({@link #needs}), or {@link Api} refuses to start.
 */
record Endpoint(String method, String template, Function<Args, Route> handler, Access access) {

  /** Paths open to everyone, always: the probes and the API's description. */
  static final Set<String> OPEN =
      Set.of("/health", "/ready", "/leaderhealth", "/api/v1/openapi.json");

  /** Paths of metrics, open to everyone while {@code anonymous-metrics} is on. */
  static final Set<String> METRICS = Set.of("/vars", "/vars.json", "/metrics");

  /** What a request needs at the edge. */
  record Access(Kind kind, Function<Args, Permission.Required> permission) {

    enum Kind {
      /** Anyone, always. */
      OPEN,
      /** Anyone while {@code anonymous-metrics} is on, else any authenticated user. */
      METRICS,
      /** Anyone while {@code anonymous-reads} is on, else a user holding the permission. */
      READ,
      /** An authenticated user holding the permission. */
      WRITE,
      /** A write that has not said what it needs: {@link Api} refuses to start with it. */
      UNDECLARED
    }

    static Access of(Kind kind, String template) {
      return new Access(kind, args -> required(template, args));
    }
  }

  Endpoint(String method, String template, Function<Args, Route> handler) {
    this(method, template, handler, defaultAccess(method, template));
  }

  Endpoint {
    List<String> segments = segments(template);
    for (int i = 0; i < segments.size() - 1; i++) {
      if (isRest(segments.get(i))) {
        throw new IllegalArgumentException(
            "only the last segment of " + template + " may bind the rest of the path");
      }
    }
  }

  /** The path parameters a request bound, by their names in the template. */
  record Args(Map<String, String> values) {
    String get(String name) {
      return values.get(name);
    }
  }

  /**
   * This endpoint, changing state: callers need {@code permission} (a template, see {@link
   * #required}).
   */
  Endpoint needs(String permission) {
    return new Endpoint(method, template, handler, Access.of(Access.Kind.WRITE, permission));
  }

  /** This endpoint, changing state: callers need the permission computed from the path. */
  Endpoint needs(Function<Args, Permission.Required> permission) {
    return new Endpoint(method, template, handler, new Access(Access.Kind.WRITE, permission));
  }

  /** This endpoint (a POST that changes nothing), read with {@code permission}. */
  Endpoint reads(String permission) {
    return new Endpoint(method, template, handler, Access.of(Access.Kind.READ, permission));
  }

  /** Whether a request to this endpoint may change state. */
  boolean mutates() {
    return access.kind() == Access.Kind.WRITE || access.kind() == Access.Kind.UNDECLARED;
  }

  private static Access defaultAccess(String method, String template) {
    if (!method.equals("GET")) {
      return new Access(Access.Kind.UNDECLARED, args -> Permission.Required.of("*"));
    }
    if (OPEN.contains(template)) {
      return new Access(Access.Kind.OPEN, args -> Permission.Required.of("*"));
    }
    if (METRICS.contains(template)) {
      return new Access(Access.Kind.METRICS, args -> Permission.Required.of("metrics", "read"));
    }
    return Access.of(
        Access.Kind.READ, template.contains("{role}") ? "job:read:{role}" : "job:read:*");
  }

  /**
   * A required permission from a template such as {@code update:pulse:{role}/{env}/{name}}: its
   * parts and sub-parts split at {@code :} and {@code /}, then each {@code {param}} replaced by the
   * value the path bound, kept whole as one literal name whatever it contains.
   */
  static Permission.Required required(String template, Args args) {
    List<List<String>> parts = new ArrayList<>();
    for (String part : template.split(":", -1)) {
      List<String> subs = new ArrayList<>();
      for (String sub : part.split("/", -1)) {
        subs.add(isParam(sub) ? String.valueOf(args.get(paramName(sub))) : sub);
      }
      parts.add(subs);
    }
    return new Permission.Required(parts);
  }

  static Endpoint get(String template, Function<Args, Route> handler) {
    return new Endpoint("GET", template, handler);
  }

  static Endpoint post(String template, Function<Args, Route> handler) {
    return new Endpoint("POST", template, handler);
  }

  static Endpoint put(String template, Function<Args, Route> handler) {
    return new Endpoint("PUT", template, handler);
  }

  /** Whether the request's body is read (made strict) before the handler runs. */
  boolean readsBody() {
    return !method.equals("GET");
  }

  /** The template as the OpenAPI document spells it: {@code {path+}} is written {@code {path}}. */
  String documentedTemplate() {
    return template.replace("+}", "}");
  }

  List<String> segments() {
    return segments(template);
  }

  static boolean isRest(String segment) {
    return segment.startsWith("{") && segment.endsWith("+}");
  }

  static boolean isParam(String segment) {
    return segment.startsWith("{") && segment.endsWith("}");
  }

  /** The parameter a segment binds: {@code {path+}} binds {@code path}. */
  static String paramName(String segment) {
    return segment.substring(1, segment.length() - (isRest(segment) ? 2 : 1));
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        segments.add(s);
      }
    }
    return segments;
  }
}
