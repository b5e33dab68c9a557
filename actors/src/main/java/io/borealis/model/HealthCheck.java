package io.borealis.model;

import java.util.Optional;

/**
 * How the executor decides a task is healthy (Aurora's {@code HealthCheckConfig}): an HTTP GET on
 * the task's {@code health} (else {@code http}) port, or a shell command.
 */
public record HealthCheck(
    Type type,
    String endpoint,
    Optional<String> command,
    String expectedResponse,
    int expectedResponseCode,
    int initialIntervalSecs,
    int intervalSecs,
    int timeoutSecs,
    int maxConsecutiveFailures,
    int minConsecutiveSuccesses) {

  /** The kind of probe. */
  public enum Type {
    HTTP,
    SHELL
  }
}
