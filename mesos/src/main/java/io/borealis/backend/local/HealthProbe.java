package io.borealis.backend.local;

import io.borealis.model.HealthCheck;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One health check of a task, as Thermos ran them: an HTTP GET on the task's {@code health} port
 * (else {@code http}) that must answer the expected code (200 unless configured) and body ({@code
 * ok}), or a shell command in the sandbox that must exit 0, each within {@code timeout_secs}.
 */
final class HealthProbe {

  /** The outcome of one check; {@code detail} says what was wrong. */
  record Result(boolean healthy, String detail) {}

  private final HttpClient http;

  HealthProbe(HttpClient http) {
    this.http = http;
  }

  /** The port an HTTP check goes to. */
  static Optional<Integer> port(Map<String, Integer> ports) {
    return Optional.ofNullable(ports.get("health"))
        .or(() -> Optional.ofNullable(ports.get("http")));
  }

  CompletionStage<Result> check(
      HealthCheck check, Map<String, Integer> ports, Optional<String> command, Path sandbox) {
    Duration timeout = Duration.ofSeconds(Math.max(1, check.timeoutSecs()));
    if (check.type() == HealthCheck.Type.SHELL) {
      return shell(command.orElse("true"), sandbox, timeout);
    }
    Optional<Integer> port = port(ports);
    if (port.isEmpty()) {
      return CompletableFuture.completedFuture(
          new Result(false, "the task has no port named health or http"));
    }
    String endpoint = check.endpoint().startsWith("/") ? check.endpoint() : "/" + check.endpoint();
    URI uri = URI.create("http://127.0.0.1:" + port.get() + endpoint);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    int expectedCode = check.expectedResponseCode() > 0 ? check.expectedResponseCode() : 200;
    String expectedBody = check.expectedResponse().strip();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                String why =
                    cause instanceof java.net.http.HttpTimeoutException
                        ? "no answer within " + timeout.toSeconds() + "s"
                        : cause instanceof java.net.ConnectException
                            ? "connection refused"
                            : String.valueOf(cause.getMessage());
                return new Result(false, "GET " + endpoint + ": " + why);
              }
              if (response.statusCode() != expectedCode) {
                return new Result(
                    false,
                    "GET "
                        + endpoint
                        + " answered "
                        + response.statusCode()
                        + ", not "
                        + expectedCode);
              }
              String body = response.body().strip();
              if (!expectedBody.isEmpty() && !body.equalsIgnoreCase(expectedBody)) {
                String shown = body.length() > 80 ? body.substring(0, 80) + "…" : body;
                return new Result(
                    false,
                    "GET " + endpoint + " answered '" + shown + "', not '" + expectedBody + "'");
              }
              return new Result(true, "GET " + endpoint + " answered " + response.statusCode());
            });
  }

  private static CompletionStage<Result> shell(String command, Path sandbox, Duration timeout) {
    Process process;
    try {
      process =
          new ProcessBuilder("/bin/bash", "-c", command)
              .directory(sandbox.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      return CompletableFuture.completedFuture(
          new Result(false, "the check command could not start: " + e.getMessage()));
    }
    return process
        .onExit()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (p, error) -> {
              if (error != null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new Result(
                    false, "the check command did not end within " + timeout.toSeconds() + "s");
              }
              int code = p.exitValue();
              return code == 0
                  ? new Result(true, "the check command exited 0")
                  : new Result(false, "the check command exited " + code);
            });
  }
}
