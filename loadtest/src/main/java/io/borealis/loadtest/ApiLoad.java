package io.borealis.loadtest;

import io.borealis.node.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * Open-loop load on the API: requests are sent on a fixed schedule ({@code --rate} per second),
 * whether or not earlier ones have been answered, and each latency is measured from the time the
 * request was <em>scheduled</em>, so a node that slows down or pushes back cannot hide it by
 * slowing the sender (coordinated omission). The mix: creates of small jobs, kills of jobs this run
 * created, and status reads of jobs, a share of which go to one large job created before the run. A
 * {@code 503} or {@code 429} is retried after {@code Retry-After}; the latency then runs until the
 * final answer.
 */
@Command(
    name = "api",
    mixinStandardHelpOptions = true,
    description = "Open-loop mix of creates, kills and status reads at a fixed rate.")
final class ApiLoad implements Callable<Integer> {

  @Option(names = "--rate", defaultValue = "500", description = "Requests scheduled per second.")
  double rate;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description = "How long the measured part runs, e.g. 60s or 5m.")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "Load at the same rate before the measured part, not recorded.")
  Duration warmup;

  @Option(names = "--create-pct", defaultValue = "10", description = "Share of creates, percent.")
  int createPct;

  @Option(
      names = "--kill-pct",
      defaultValue = "10",
      description = "Share of kills; reads the rest.")
  int killPct;

  @Option(
      names = "--big-read-pct",
      defaultValue = "2",
      description = "Percent of the status reads that read the large job.")
  double bigReadPct;

  @Option(names = "--big-instances", defaultValue = "1000")
  int bigInstances;

  @Option(names = "--instances", defaultValue = "3", description = "Instances per created job.")
  int instances;

  @Option(
      names = "--base-jobs",
      defaultValue = "20",
      description = "Jobs created before the run, so that reads have targets from the start.")
  int baseJobs;

  @Option(names = "--agents", defaultValue = "500")
  int agents;

  @Option(names = "--start-delay-ms", defaultValue = "100")
  long startDelayMs;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Option(names = "--data-dir", description = "Default: a fresh temporary directory.")
  Path dataDir;

  @Option(names = "--report", description = "Default: loadtest/results/DATE-api-RATE.json")
  Path report;

  @Option(names = "--set", description = "A node setting, key=value (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  /** The route kinds reported apart. */
  enum Kind {
    CREATE("create", 201),
    KILL("kill", 200),
    STATUS("status", 200),
    STATUS_BIG("status_big_job", 200);

    final String label;
    final int expected;

    Kind(String label, int expected) {
      this.label = label;
      this.expected = expected;
    }
  }

  /** What one route kind saw. */
  private static final class Route {
    final Latency latency = new Latency();
    final Map<Integer, AtomicLong> answers = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
  }

  private static final String JOBS = "/api/v1/jobs/load/prod/";

  private final Map<Kind, Route> routes = new LinkedHashMap<>();
  private final ConcurrentLinkedQueue<String> killable = new ConcurrentLinkedQueue<>();
  private final List<String> readable = new ArrayList<>();
  private final AtomicLong outstanding = new AtomicLong();
  private final AtomicLong lastAnswer = new AtomicLong();
  private final RandomRetry retry = new RandomRetry();
  private HttpClient http;
  private ExecutorService callbacks;
  private String base;

  @Override
  public Integer call() throws Exception {
    if (createPct + killPct > 100 || rate <= 0) {
      throw new IllegalArgumentException("--create-pct + --kill-pct must be ≤ 100, --rate > 0");
    }
    for (Kind k : Kind.values()) {
      routes.put(k, new Route());
    }
    Optional<ErrorLog> errors = ErrorLog.attach();
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("borealis-api");
    Node node = LoadTest.startSimNode(dir, settings);
    callbacks = Executors.newFixedThreadPool(4);
    try {
      base = "http://127.0.0.1:" + node.port();
      Client setup = new Client(base);
      LoadTest.addAgents(setup, agents, startDelayMs);
      long bigReady = createBigJob(setup);
      for (int i = 0; i < baseJobs; i++) {
        setup.send("POST", JOBS + "base" + i, LoadTest.job(instances), 201);
        readable.add("base" + i);
      }
      http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .executor(callbacks)
              .build();

      Random random = new Random(seed);
      long interval = (long) (1e9 / rate);
      long total = (long) ((warmup.toNanos() + duration.toNanos()) / 1e9 * rate);
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      long measured = start + warmup.toNanos();
      long sent = 0;
      long maxLag = 0;
      for (long i = 0; i < total; i++) {
        long at = start + i * interval;
        for (long d = at - System.nanoTime(); d > 0; d = at - System.nanoTime()) {
          LockSupport.parkNanos(d);
        }
        boolean record = at >= measured;
        if (record) {
          maxLag = Math.max(maxLag, System.nanoTime() - at);
          sent++;
        }
        fire(i, pick(random), at, record, random);
      }
      long lastSend = System.nanoTime();
      long drainUntil = lastSend + TimeUnit.SECONDS.toNanos(60);
      while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
        Thread.sleep(10);
      }
      long unanswered = outstanding.get();

      Map<String, Object> result = new LinkedHashMap<>();
      result.put("scenario", "api");
      result.put("target_rate_per_s", rate);
      result.put("duration_s", duration.toSeconds());
      result.put("warmup_s", warmup.toSeconds());
      Map<String, Object> mix = new LinkedHashMap<>();
      mix.put("create", createPct);
      mix.put("kill", killPct);
      mix.put("status", 100 - createPct - killPct);
      mix.put("big_job_share_of_status", bigReadPct);
      result.put("mix_pct", mix);
      result.put("instances_per_created_job", instances);
      result.put("big_job_instances", bigInstances);
      result.put("big_job_running_s", LoadTest.seconds(bigReady));
      result.put("sent_per_s", Math.round(sent / ((lastSend - measured) / 1e9)));
      long answered = routes.values().stream().mapToLong(r -> r.latency.count()).sum();
      result.put(
          "answered_per_s",
          Math.round(answered / (Math.max(1, lastAnswer.get() - measured) / 1e9)));
      result.put("max_send_lag_ms", Math.round(maxLag / 1e4) / 100.0);
      result.put("unanswered_after_60s", unanswered);
      Map<String, Object> byRoute = new LinkedHashMap<>();
      routes.forEach((kind, route) -> byRoute.put(kind.label, report(kind, route)));
      result.put("routes", byRoute);
      result.put("error_log_lines", errors.map(ErrorLog::errors).orElse(null));
      errors.filter(e -> e.errors() > 0).ifPresent(e -> result.put("first_errors", e.first()));
      result.put("settings", settings);
      result.put("machine", LoadTest.machine());
      LoadTest.write(
          result, report != null ? report : LoadTest.defaultReport("api-" + Math.round(rate)));
      return unanswered == 0 ? 0 : 1;
    } finally {
      callbacks.shutdownNow();
      node.stop().toCompletableFuture().get();
    }
  }

  /** Creates the large job and waits until all of its tasks run; returns how long that took. */
  private long createBigJob(Client setup) throws Exception {
    long start = System.nanoTime();
    setup.send("POST", JOBS + "big", LoadTest.job(bigInstances), 201);
    while (true) {
      Client.Answer answer =
          setup.get(JOBS + "big/tasks?status=RUNNING&limit=0", Duration.ofSeconds(30));
      if (answer.status() == 200
          && LoadTest.JSON.readTree(answer.body()).get("total").asInt() >= bigInstances) {
        return System.nanoTime() - start;
      }
      if (Duration.ofNanos(System.nanoTime() - start).toMinutes() >= 5) {
        throw new IllegalStateException("the large job is not RUNNING after 5 minutes");
      }
      Thread.sleep(50);
    }
  }

  private Kind pick(Random random) {
    int r = random.nextInt(100);
    if (r < createPct) {
      return Kind.CREATE;
    }
    if (r < createPct + killPct) {
      return Kind.KILL;
    }
    return random.nextDouble() * 100 < bigReadPct ? Kind.STATUS_BIG : Kind.STATUS;
  }

  /** Sends request {@code i} now, on behalf of its scheduled time {@code at}. */
  private void fire(long i, Kind kind, long at, boolean record, Random random) throws Exception {
    Route route = routes.get(kind);
    HttpRequest request;
    String job = null;
    switch (kind) {
      case CREATE:
        job = "api" + i;
        request = post(JOBS + job, LoadTest.JSON.writeValueAsBytes(LoadTest.job(instances)));
        break;
      case KILL:
        job = killable.poll();
        if (job == null) {
          // Nothing created yet that is not killed: an open-loop slot left empty, and counted.
          if (record) {
            route.skipped.incrementAndGet();
          }
          return;
        }
        request = post(JOBS + job + "/kill", "{}".getBytes());
        break;
      case STATUS:
        String target;
        synchronized (readable) {
          target = readable.get(random.nextInt(readable.size()));
        }
        request = get(JOBS + target + "/tasks");
        break;
      default:
        request = get(JOBS + "big/tasks");
        break;
    }
    outstanding.incrementAndGet();
    send(request, kind, job, at, record, 1, Instant.now());
  }

  private void send(
      HttpRequest request,
      Kind kind,
      String job,
      long at,
      boolean record,
      int attempt,
      Instant first) {
    Route route = routes.get(kind);
    http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .whenComplete(
            (response, failure) -> {
              if (failure == null && RetryPolicy.overloaded(response.statusCode())) {
                route.refused.incrementAndGet();
                Optional<Duration> wait =
                    retry.delay(response.headers().firstValue("Retry-After"), attempt, first);
                if (wait.isPresent()) {
                  CompletableFuture.delayedExecutor(
                          wait.get().toNanos(), TimeUnit.NANOSECONDS, callbacks)
                      .execute(() -> send(request, kind, job, at, record, attempt + 1, first));
                  return;
                }
              }
              long now = System.nanoTime();
              if (record) {
                route.latency.record(now - at);
                lastAnswer.accumulateAndGet(now, Math::max);
                if (failure != null) {
                  Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                  route
                      .failures
                      .computeIfAbsent(cause.getClass().getSimpleName(), c -> new AtomicLong())
                      .incrementAndGet();
                } else {
                  route
                      .answers
                      .computeIfAbsent(response.statusCode(), c -> new AtomicLong())
                      .incrementAndGet();
                }
              }
              if (failure == null && kind == Kind.CREATE && response.statusCode() == 201) {
                killable.add(job);
                synchronized (readable) {
                  readable.add(job);
                }
              }
              outstanding.decrementAndGet();
            });
  }

  private Map<String, Object> report(Kind kind, Route route) {
    Map<String, Object> out = new LinkedHashMap<>(route.latency.summary());
    Map<String, Long> answers = new TreeMap<>();
    Map<String, Long> errors = new TreeMap<>();
    route.answers.forEach(
        (status, n) -> {
          answers.put(Integer.toString(status), n.get());
          if (status != kind.expected) {
            errors.put(Integer.toString(status), n.get());
          }
        });
    route.failures.forEach((name, n) -> errors.put(name, n.get()));
    out.put("answers_by_status", answers);
    out.put("errors", errors);
    out.put("refused_and_retried", route.refused.get());
    if (kind == Kind.KILL) {
      out.put("skipped_nothing_to_kill", route.skipped.get());
    }
    return out;
  }

  private HttpRequest post(String path, byte[] body) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30))
        .GET()
        .build();
  }

  /** The retry policy with its clock and randomness, shared by the callback threads. */
  private static final class RandomRetry {
    private final Clock clock = Clock.systemUTC();
    private final Random random = new Random(7);

    Optional<Duration> delay(Optional<String> retryAfter, int attempt, Instant first) {
      return RetryPolicy.DEFAULT.delay(retryAfter, attempt, first, clock.instant(), random);
    }
  }

  /** Parses {@code 500ms}, {@code 60s}, {@code 5m}, {@code 1h}, or an ISO-8601 duration. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase();
      if (v.startsWith("p")) {
        return Duration.parse(value.trim().toUpperCase());
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      switch (v.charAt(v.length() - 1)) {
        case 's':
          return Duration.ofSeconds(n);
        case 'm':
          return Duration.ofMinutes(n);
        case 'h':
          return Duration.ofHours(n);
        default:
          throw new IllegalArgumentException("not a duration: " + value + " (e.g. 60s, 5m)");
      }
    }
  }
}
