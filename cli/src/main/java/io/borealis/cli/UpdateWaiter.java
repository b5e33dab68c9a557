package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Follows one job update until it ends ({@code update start --wait}, {@code update wait}), showing
 * its progress: status, instances done / in flight / failed, and the latest event. On a terminal
 * the line is redrawn in place; elsewhere (logs, pipes) a line is printed per change. It long-polls
 * the update ({@code ?index=&wait=}), so it hears of a change at once and asks at most once per
 * {@link Env#pollInterval()}.
 *
 * <p>The outcome is an exit code scripts can rely on: {@link #ROLLED_FORWARD} 0 only when the
 * update rolled forward, and one code per other end, none of them one of the client's own codes.
 */
final class UpdateWaiter {

  static final int ROLLED_FORWARD = 0;
  // From 10 up, so that no end of an update reads as the client's own codes (1 refused, 2 usage, 3
  // unreachable): a script tells "the update rolled back" from "the scheduler was down".
  static final int ROLLED_BACK = 10;
  static final int ABORTED = 11;
  static final int FAILED = 12;
  static final int ERROR = 13;

  /** The exit code of each terminal status. */
  static final Map<String, Integer> EXIT_CODES =
      Map.of(
          "ROLLED_FORWARD", ROLLED_FORWARD,
          "ROLLED_BACK", ROLLED_BACK,
          "ABORTED", ABORTED,
          "FAILED", FAILED,
          "ERROR", ERROR);

  private static final Duration LONG_POLL = Duration.ofSeconds(10);

  private final SchedulerClient client;
  private final String path;
  private final Env env;
  private final ProgressLine progressLine;

  /**
   * @param path the update's resource ({@code /api/v1/updates/ROLE/ENV/NAME/ID})
   * @param progress where progress goes; empty waits silently (for {@code -o json})
   */
  UpdateWaiter(SchedulerClient client, String path, Env env, Optional<PrintStream> progress) {
    this.client = client;
    this.path = path;
    this.env = env;
    this.progressLine = new ProgressLine(progress, env.terminal());
  }

  /**
   * The update's details once it is terminal; a refusal when {@code timeout} (if any) passes first.
   */
  JsonNode await(Optional<Duration> timeout) {
    Optional<Instant> deadline = timeout.map(t -> env.clock().instant().plus(t));
    OptionalLong index = OptionalLong.empty();
    while (true) {
      String url = path;
      if (index.isPresent()) {
        long waitMs = LONG_POLL.toMillis();
        if (deadline.isPresent()) {
          waitMs = Math.max(0, Math.min(waitMs, env.millisUntil(deadline.get())));
        }
        url =
            SchedulerClient.withParam(
                SchedulerClient.withParam(url, "index", Long.toString(index.getAsLong())),
                "wait",
                waitMs + "ms");
      }
      SchedulerClient.Reply reply = client.get(url);
      index = reply.index();
      JsonNode update = reply.body();
      String line = describe(update);
      progressLine.show(line);
      if (EXIT_CODES.containsKey(update.path("status").asText())) {
        progressLine.finish();
        return update;
      }
      if (deadline.isPresent() && env.millisUntil(deadline.get()) <= 0) {
        progressLine.finish();
        throw CliException.refused(
            "gave up waiting after "
                + Cli.human(timeout.get())
                + " for update "
                + update.path("update_id").asText()
                + " to end: "
                + line);
      }
      long pause = env.pollInterval().toMillis();
      if (deadline.isPresent()) {
        pause = Math.min(pause, env.millisUntil(deadline.get()));
      }
      env.pause(pause);
    }
  }

  /** The exit code of a terminal update's status (1 for anything else). */
  static int exitCode(JsonNode update) {
    return EXIT_CODES.getOrDefault(update.path("status").asText(), CliException.REFUSED);
  }

  /**
   * {@code ROLLING_FORWARD: 3/10 done, 3 in flight, 0 failed; latest: instance 5
   * INSTANCE_UPDATING}.
   */
  static String describe(JsonNode update) {
    JsonNode p = update.path("progress");
    String status = update.path("status").asText("?");
    StringBuilder line = new StringBuilder().append(status).append(": ");
    if (isBackward(status)) {
      // A rollback walks back only the instances the update changed: no "of all" to count to.
      line.append(p.path("done").asInt()).append(" rolled back, ");
    } else {
      line.append(p.path("done").asInt())
          .append('/')
          .append(p.path("instances").asInt())
          .append(" done, ");
    }
    line.append(p.path("in_flight").asInt())
        .append(" in flight, ")
        .append(p.path("failed").asInt())
        .append(" failed");
    latest(update).ifPresent(l -> line.append("; latest: ").append(l));
    return line.toString();
  }

  /** Whether a status is on the way back (ROLLING_BACK, ROLL_BACK_PAUSED, ..., ROLLED_BACK). */
  static boolean isBackward(String status) {
    return status.startsWith("ROLL_BACK_")
        || status.equals("ROLLING_BACK")
        || status.equals("ROLLED_BACK");
  }

  /** The newest update event or instance event, in words. */
  static Optional<String> latest(JsonNode update) {
    JsonNode status = last(update.path("update_events"));
    JsonNode instance = last(update.path("instance_events"));
    if (status == null && instance == null) {
      return Optional.empty();
    }
    boolean instanceIsNewer =
        instance != null
            && (status == null
                || instance
                        .path("timestamp")
                        .asText("")
                        .compareTo(status.path("timestamp").asText(""))
                    >= 0);
    JsonNode e = instanceIsNewer ? instance : status;
    String what =
        instanceIsNewer
            ? "instance " + e.path("instance_id").asInt() + " " + e.path("action").asText()
            : e.path("status").asText()
                + (e.path("user").isTextual() ? " by " + e.path("user").asText() : "");
    String message = e.path("message").isTextual() ? e.path("message").asText() : "";
    return Optional.of(message.isBlank() ? what : what + " (" + message + ")");
  }

  private static JsonNode last(JsonNode array) {
    return array.isArray() && !array.isEmpty() ? array.get(array.size() - 1) : null;
  }
}
