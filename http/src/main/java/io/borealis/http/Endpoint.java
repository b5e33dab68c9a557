package io.borealis.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 */
record Endpoint(String method, String template, Function<Args, Route> handler) {

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
