package io.borealis.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * The API's routes as a table of (method, path template, handler). One table serves requests and is
 * checked against the OpenAPI document, so the two cannot drift apart.
 *
 * <p>A template segment {@code {name}} binds one path segment. A last segment {@code {name+}} binds
 * one or more: the rest of the path, its segments decoded one by one and joined with {@code /}. A
 * segment may itself decode to a {@code /} (from {@code %2F}), so a handler that treats such a
 * value as a file path must check every piece of it, not just the segments the client sent.
 */
final class Router {

  /** Handles one matched request. */
  interface Handler {
    CompletionStage<HttpResponse> handle(Call call);
  }

  /** One route: {@code template} is a path like {@code /api/v1/jobs/{role}/{env}/{name}}. */
  record Route(String method, String template, boolean readsBody, Handler handler) {
    Route {
      List<String> segments = split(template);
      for (int i = 0; i < segments.size() - 1; i++) {
        if (isRest(segments.get(i))) {
          throw new IllegalArgumentException(
              "only the last segment of " + template + " may bind the rest of the path");
        }
      }
    }

    List<String> segments() {
      return split(template);
    }

    /**
     * The template as the OpenAPI document spells it: {@code {path+}} is written {@code {path}}.
     */
    String documentedTemplate() {
      return template.replace("+}", "}");
    }
  }

  /** The outcome of matching a request. */
  sealed interface Match {
    record Found(Route route, Map<String, String> params) implements Match {}

    record WrongMethod(List<String> allowed) implements Match {}

    record NotFound() implements Match {}

    /** The path has an empty segment ({@code //}): refused, never read as a shorter path. */
    record EmptySegment() implements Match {}
  }

  private final List<Route> routes = new ArrayList<>();

  Router get(String template, Handler handler) {
    routes.add(new Route("GET", template, false, handler));
    return this;
  }

  Router post(String template, Handler handler) {
    routes.add(new Route("POST", template, true, handler));
    return this;
  }

  Router put(String template, Handler handler) {
    routes.add(new Route("PUT", template, true, handler));
    return this;
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  /**
   * Matches a request path. One trailing {@code /} names the same resource ({@code
   * .../sandbox/.logs/} is the folder {@code .logs}); an empty segment anywhere else is refused.
   */
  Match match(String method, String rawPath) {
    String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    if (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    List<String> path = new ArrayList<>();
    if (!trimmed.isEmpty()) {
      for (String s : trimmed.split("/", -1)) {
        if (s.isEmpty()) {
          return new Match.EmptySegment();
        }
        path.add(decode(s));
      }
    }
    List<String> allowed = new ArrayList<>();
    for (Route r : routes) {
      Optional<Map<String, String>> params = bind(r.segments(), path);
      if (params.isPresent()) {
        if (r.method().equals(method)) {
          return new Match.Found(r, params.get());
        }
        allowed.add(r.method());
      }
    }
    return allowed.isEmpty() ? new Match.NotFound() : new Match.WrongMethod(allowed);
  }

  private static Optional<Map<String, String>> bind(List<String> template, List<String> path) {
    boolean rest = !template.isEmpty() && isRest(template.get(template.size() - 1));
    if (rest ? path.size() < template.size() : template.size() != path.size()) {
      return Optional.empty();
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < template.size(); i++) {
      String t = template.get(i);
      if (isRest(t)) {
        params.put(t.substring(1, t.length() - 2), String.join("/", path.subList(i, path.size())));
      } else if (t.startsWith("{") && t.endsWith("}")) {
        if (path.get(i).isEmpty()) {
          return Optional.empty();
        }
        params.put(t.substring(1, t.length() - 1), path.get(i));
      } else if (!t.equals(path.get(i))) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }

  /** One percent-encoded path segment, decoded. */
  static String decode(String segment) {
    // URLDecoder decodes forms, where '+' means a space; in a path it is a plus.
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static boolean isRest(String segment) {
    return segment.startsWith("{") && segment.endsWith("+}");
  }

  private static List<String> split(String path) {
    List<String> segments = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        segments.add(s);
      }
    }
    return segments;
  }
}
