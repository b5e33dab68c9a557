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
 */
final class Router {

  /** Handles one matched request. */
  interface Handler {
    CompletionStage<HttpResponse> handle(Call call);
  }

  /** One route: {@code template} is a path like {@code /api/v1/jobs/{role}/{env}/{name}}. */
  record Route(String method, String template, boolean readsBody, Handler handler) {
    List<String> segments() {
      return split(template);
    }
  }

  /** The outcome of matching a request. */
  sealed interface Match {
    record Found(Route route, Map<String, String> params) implements Match {}

    record WrongMethod(List<String> allowed) implements Match {}

    record NotFound() implements Match {}
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

  Match match(String method, String rawPath) {
    List<String> path = new ArrayList<>();
    for (String s : split(rawPath)) {
      path.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
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
    if (template.size() != path.size()) {
      return Optional.empty();
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < template.size(); i++) {
      String t = template.get(i);
      if (t.startsWith("{") && t.endsWith("}")) {
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
