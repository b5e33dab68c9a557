package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * A minimal, blocking JSON-over-HTTP client for the scenarios. It honours overload refusals: a
 * {@code 503} or {@code 429} is counted and the same request sent again after {@code Retry-After}
 * (see {@link RetryPolicy}), so a refusal slows a run down but never ends it. It also records how
 * long each mutating request (anything but GET) took to be answered, per attempt.
 */
final class Client {

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String base;
  private final RetryPolicy policy;
  private final Clock clock;
  private final RandomGenerator random;
  private final Latency mutating = new Latency();
  private final AtomicLong refused503 = new AtomicLong();
  private final AtomicLong refused429 = new AtomicLong();
  private final AtomicLong waitedNanos = new AtomicLong();

  Client(String base) {
    // java.util.Random is safe to share between the threads that send.
    this(base, RetryPolicy.DEFAULT, Clock.systemUTC(), new Random(42));
  }

  Client(String base, RetryPolicy policy, Clock clock, RandomGenerator random) {
    this.base = base;
    this.policy = policy;
    this.clock = clock;
    this.random = random;
  }

  /**
   * The final answer to a request, and how many attempts it took (more than one after refusals).
   */
  record Answer(int status, String body, int attempts) {}

  /**
   * Sends a JSON body and fails unless the final answer (after any retries) is {@code expected}.
   */
  JsonNode send(String method, String path, JsonNode body, int expected) throws Exception {
    Answer answer = call(method, path, body);
    if (answer.status() != expected) {
      throw new IllegalStateException(
          method + " " + path + " answered " + answer.status() + ": " + answer.body());
    }
    return LoadTest.JSON.readTree(answer.body());
  }

  /** Sends a JSON body and returns the final answer, whatever it is. */
  Answer call(String method, String path, JsonNode body) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofMinutes(2))
            .header("Content-Type", "application/json")
            .method(
                method,
                HttpRequest.BodyPublishers.ofByteArray(LoadTest.JSON.writeValueAsBytes(body)))
            .build();
    return exchange(request);
  }

  /** GETs a JSON document and fails unless the final answer is 200. */
  JsonNode get(String path) throws Exception {
    Answer answer = get(path, Duration.ofMinutes(1));
    if (answer.status() != 200) {
      throw new IllegalStateException(
          "GET " + path + " answered " + answer.status() + ": " + answer.body());
    }
    return LoadTest.JSON.readTree(answer.body());
  }

  /** GETs without judging the answer (overload refusals are still retried). */
  Answer get(String path, Duration timeout) throws IOException, InterruptedException {
    return exchange(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).build());
  }

  private Answer exchange(HttpRequest request) throws IOException, InterruptedException {
    boolean mutates = !request.method().equals("GET");
    Instant first = clock.instant();
    for (int attempt = 1; ; attempt++) {
      long sent = System.nanoTime();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (mutates) {
        mutating.record(System.nanoTime() - sent);
      }
      if (!RetryPolicy.overloaded(response.statusCode())) {
        return new Answer(response.statusCode(), response.body(), attempt);
      }
      (response.statusCode() == 503 ? refused503 : refused429).incrementAndGet();
      Optional<Duration> wait =
          policy.delay(
              response.headers().firstValue("Retry-After"),
              attempt,
              first,
              clock.instant(),
              random);
      if (wait.isEmpty()) {
        // Refused for longer than the policy waits: the caller sees the refusal.
        return new Answer(response.statusCode(), response.body(), attempt);
      }
      waitedNanos.addAndGet(wait.get().toNanos());
      Thread.sleep(wait.get().toMillis());
    }
  }

  /** Latency of every mutating attempt this client sent (refusals included). */
  Latency mutating() {
    return mutating;
  }

  long refused503() {
    return refused503.get();
  }

  long refused429() {
    return refused429.get();
  }

  /** The refusals and the time spent waiting them out, for a report. */
  Map<String, Object> overload() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status_503", refused503.get());
    out.put("status_429", refused429.get());
    out.put("retry_wait_s", LoadTest.seconds(waitedNanos.get()));
    return out;
  }
}
