package io.borealis.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Answers the requests Pekko HTTP refuses before they reach the {@link Api} (a URI over {@code
 * max-uri-length} 414, headers over their limits 431, a TRACE with a body 422, a broken request
 * line) with a problem body like every other error, instead of Pekko's plain text.
 *
 * <p>Two statuses change. A request line that is not {@code METHOD TARGET HTTP/1.x} (most often a
 * raw space in the target: {@code GET /a b HTTP/1.1}) reaches Pekko as an unknown protocol version,
 * 505; it is the client's mistake, so it is a 400. A method token Pekko does not know ({@code FOO})
 * is a 501 from Pekko, which cannot be told from a server fault; it is a 400 too. Every known
 * method on a path that does not serve it is the API's own 405 with {@code Allow}.
 *
 * <p>Pekko creates this class by name from {@code pekko.http.server.parsing.error-handler} (the
 * node's http.conf).
 */
public final class ParsingErrors extends ParsingErrorHandler {

  private static final int MAX_DETAIL = 200;

  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    log.debug("Refused a malformed request with {}: {}", status, info.formatPretty());
    return response(status, info.summary(), info.detail());
  }

  /** The problem response for a refusal Pekko reports as {@code status}. */
  static HttpResponse response(
      org.apache.pekko.http.javadsl.model.StatusCode status, String summary, String detail) {
    String what = summary.isEmpty() ? "The request is malformed" : summary;
    // A one-line detail (the method token, for one) helps; Pekko's multi-line pointers do not.
    if (!detail.isEmpty() && !detail.contains("\n") && !what.contains(detail)) {
      what = what + ": " + detail;
    }
    if (what.length() > MAX_DETAIL) {
      what = what.substring(0, MAX_DETAIL) + "...";
    }
    if (status.intValue() == StatusCodes.HTTPVERSION_NOT_SUPPORTED.intValue()) {
      return Problems.of(
          StatusCodes.BAD_REQUEST,
          "The request line must be METHOD TARGET HTTP/1.1: a space in the target must be sent"
              + " as %20, and only HTTP/1.0 and HTTP/1.1 are served.");
    }
    if (status.intValue() == StatusCodes.NOT_IMPLEMENTED.intValue()) {
      // Pekko does not implement it, which is no fault of the server's: refuse it as bad input.
      return Problems.of(
          StatusCodes.BAD_REQUEST,
          what.startsWith("Unsupported HTTP method")
              ? what + " (the API serves GET, HEAD, POST and PUT)"
              : what);
    }
    return Problems.of(status, what);
  }
}
