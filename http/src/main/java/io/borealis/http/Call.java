package io.borealis.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.model.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;

/** One request, as a handler sees it: path parameters, query parameters and the body. */
final class Call {

  final HttpRequest request;
  private final Map<String, String> path;
  private final Map<String, List<String>> query;
  private final byte[] body;
  private final List<FieldError> problems = new ArrayList<>();

  Call(
      HttpRequest request, Map<String, String> path, Map<String, List<String>> query, byte[] body) {
    this.request = request;
    this.path = path;
    this.query = query;
    this.body = body;
  }

  String path(String name) {
    return path.get(name);
  }

  /** A request header's value, if the client sent it. */
  Optional<String> header(String name) {
    return request.getHeader(name).map(h -> h.value());
  }

  /** Notes a problem with the request; {@link #checked()} reports them all at once. */
  void problem(String field, String message) {
    problems.add(new FieldError(field, message));
  }

  void problems(List<FieldError> more) {
    problems.addAll(more);
  }

  /** Throws every problem noted so far as one 400. */
  void checked() {
    if (!problems.isEmpty()) {
      throw new BadRequest(problems);
    }
  }

  /** A query parameter; given twice is a problem. */
  Optional<String> query(String name) {
    List<String> values = query.get(name);
    if (values == null || values.isEmpty()) {
      return Optional.empty();
    }
    if (values.size() > 1) {
      problem(name, "is given more than once");
    }
    return Optional.of(values.get(0));
  }

  /** Notes every query parameter the route does not know. */
  void allowQuery(Set<String> known) {
    for (String name : new java.util.TreeSet<>(query.keySet())) {
      if (!known.contains(name)) {
        problem(
            name,
            known.isEmpty()
                ? "is not a known query parameter (this resource takes none)"
                : "is not a known query parameter (known: " + new java.util.TreeSet<>(known) + ")");
      }
    }
  }

  /**
   * The body as JSON. An empty body reads as {@code {}} when {@code emptyIsObject}, for commands
   * whose fields are all optional.
   */
  JsonNode json(boolean emptyIsObject) {
    if (body.length == 0) {
      if (emptyIsObject) {
        return Json.object();
      }
      throw new BadRequest("(body)", "a JSON body is required");
    }
    var mediaType = request.entity().getContentType().mediaType();
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
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new BadRequest("(body)", "is not valid JSON" + where + ": " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new BadRequest("(body)", "could not be read: " + e.getMessage());
    }
  }

  /** The body is not JSON: a 415. */
  static final class UnsupportedMedia extends RuntimeException {
    UnsupportedMedia(String mediaType) {
      super("the body must be application/json, not " + mediaType, null, false, false);
    }
  }
}
