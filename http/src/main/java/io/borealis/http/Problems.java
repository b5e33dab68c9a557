package io.borealis.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.borealis.model.FieldError;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/** RFC 9457 problem bodies: every error the API returns is one of these, never a stack trace. */
public final class Problems {

  static final ContentType PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8).toContentType();

  /** What a 503 asks the client to wait, in seconds. */
  static final int RETRY_AFTER_SECONDS = 1;

  /**
   * A problem body; {@code errors} (one per bad field) is left out when there are none, {@code
   * update_id} (the job's active update, in a 409 that refuses a change because of it) when absent.
   */
  record Problem(
      String type,
      String title,
      int status,
      String detail,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FieldError> errors,
      @JsonInclude(JsonInclude.Include.NON_NULL) String updateId) {

    Problem(String type, String title, int status, String detail, List<FieldError> errors) {
      this(type, title, status, detail, errors, null);
    }
  }

  private Problems() {}

  /** A 401 asking for HTTP Basic credentials. */
  static HttpResponse unauthorized() {
    return unauthorized("This request needs a user name and password (HTTP Basic).");
  }

  /** A 401 asking for HTTP Basic credentials, saying why. */
  static HttpResponse unauthorized(String detail) {
    return of(StatusCodes.UNAUTHORIZED, detail)
        .addHeader(RawHeader.create("WWW-Authenticate", "Basic realm=\"borealis\""));
  }

  /** A 403: the caller is known and lacks a permission. */
  static HttpResponse forbidden(String detail) {
    return of(StatusCodes.FORBIDDEN, detail);
  }

  /** A 429: the client sends faster than its limit; it may try again in {@code seconds}. */
  static HttpResponse tooManyRequests(long seconds) {
    return of(
            StatusCodes.TOO_MANY_REQUESTS,
            "Too many requests from this client; try again in " + seconds + " s.")
        .addHeader(RawHeader.create("Retry-After", Long.toString(seconds)));
  }

  public static HttpResponse of(StatusCode status, String detail) {
    return of(status, detail, List.of());
  }

  public static HttpResponse of(StatusCode status, String detail, List<FieldError> errors) {
    return of(
        new Problem(
            "about:blank", status.reason(), status.intValue(), detail, List.copyOf(errors)));
  }

  /**
   * A 409: the job refuses the change while its update {@code updateId} is active; the body names
   * the update, so a client can follow, pause or abort it.
   */
  static HttpResponse updateActive(String detail, String updateId) {
    StatusCode conflict = StatusCodes.CONFLICT;
    return of(
        new Problem(
            "about:blank", conflict.reason(), conflict.intValue(), detail, List.of(), updateId));
  }

  private static HttpResponse of(Problem body) {
    return HttpResponse.create()
        .withStatus(body.status())
        .withEntity(PROBLEM_JSON, Json.bytes(body));
  }

  /**
   * A 503: the node cannot answer now but may shortly, so it carries {@code Retry-After} (seconds),
   * which tells clients this is not a fault to report but a moment to wait.
   */
  public static HttpResponse unavailable(String detail) {
    return of(StatusCodes.SERVICE_UNAVAILABLE, detail)
        .addHeader(RawHeader.create("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)));
  }

  static HttpResponse badRequest(List<FieldError> errors) {
    String detail =
        errors.size() == 1
            ? "Invalid request: " + errors.get(0)
            : "Invalid request: " + errors.size() + " problems";
    return of(StatusCodes.BAD_REQUEST, detail, errors);
  }

  /** A 404 naming what was not found. */
  static HttpResponse notFound(String detail) {
    return of(StatusCodes.NOT_FOUND, detail);
  }
}
