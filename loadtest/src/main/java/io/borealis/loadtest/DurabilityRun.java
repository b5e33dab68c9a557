package io.borealis.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.loadtest.AckLog.Kind;
import io.borealis.loadtest.AckLog.Op;
import io.borealis.loadtest.AckLog.Outcome;
import io.borealis.loadtest.DurabilityCheck.Findings;
import io.borealis.loadtest.DurabilityCheck.Observed;
import io.borealis.loadtest.DurabilityCheck.TaskHistory;
import io.borealis.loadtest.DurabilityCheck.TaskView;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The durability workload: concurrent creates, kills, restarts, added instances and simulated
 * status reports against a node in its own process, which is killed with SIGKILL at random moments
 * (one seeded {@link Random}, printed, decides when and what) and started again on its data folder.
 * After every restart the node's answers are judged by {@link DurabilityCheck} against the {@link
 * AckLog} of everything asked so far and against every status a read showed.
 *
 * <p>Requests on one job never overlap (a worker holds the job while it asks), so the log's order
 * is the order of the changes on each job. Threads still interleave as they will: a seed replays
 * the same choices and kill moments, not the same interleaving.
 */
final class DurabilityRun {

  /**
   * How to run.
   *
   * @param kills how many times the node is killed (and checked after its restart)
   * @param minUp and {@code maxUp}: the workload runs this long (uniform) before each kill, counted
   *     from its first acknowledged change after the (re)start
   * @param storeArgs the server's store options ({@code --store embedded} or {@code --store
   *     cassandra --cassandra host:port})
   * @param settings more node settings (HOCON lines)
   * @param settle how long an instance may take to get its task back after a restart
   * @param javaOptions more options for the node's JVM
   * @param forgetData a negative control: wipe the node's data folder at every kill, so that the
   *     check must find losses (it shows the check can fail)
   */
  record Settings(
      long seed,
      int kills,
      int workers,
      Duration minUp,
      Duration maxUp,
      List<String> storeArgs,
      String settings,
      Path workDir,
      Duration settle,
      List<String> javaOptions,
      boolean forgetData) {}

  /** One kill, restart and check, and what the check found (the log so far, from the start). */
  record Trial(
      int number,
      long upMillis,
      long restartMillis,
      long ackedIndex,
      long indexAfter,
      long checkMillis,
      List<String> lost,
      List<String> duplicates,
      List<String> regressions) {}

  /** The whole run. */
  record Result(
      long seed,
      List<String> storeArgs,
      List<Trial> trials,
      Map<String, Map<String, Long>> operations,
      long acked,
      long refused,
      long unknown,
      int tasksObserved,
      int lost,
      int duplicates,
      int regressions,
      double seconds) {

    boolean passed() {
      return lost == 0 && duplicates == 0 && regressions == 0;
    }

    /** The report's JSON fields (snake case, as the other scenarios write them). */
    Map<String, Object> report() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("scenario", "durability");
      out.put("store", String.join(" ", storeArgs));
      out.put("seed", seed);
      out.put("trials", trials.size());
      out.put("acked_operations", acked);
      out.put("refused_operations", refused);
      out.put("unknown_operations", unknown);
      out.put("operations", operations);
      out.put("tasks_observed", tasksObserved);
      out.put("lost", lost);
      out.put("duplicates", duplicates);
      out.put("regressions", regressions);
      out.put("passed", passed());
      out.put("run_seconds", seconds);
      List<Map<String, Object>> perTrial = new ArrayList<>();
      for (Trial t : trials) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", t.number());
        m.put("killed_after_ms", t.upMillis());
        m.put("restart_ms", t.restartMillis());
        m.put("acked_index", t.ackedIndex());
        m.put("index_after_restart", t.indexAfter());
        m.put("check_ms", t.checkMillis());
        m.put("lost", t.lost().size());
        m.put("duplicates", t.duplicates().size());
        m.put("regressions", t.regressions().size());
        List<String> findings = new ArrayList<>(t.lost());
        findings.addAll(t.duplicates());
        findings.addAll(t.regressions());
        m.put("findings", findings.stream().limit(20).toList());
        perTrial.add(m);
      }
      out.put("per_trial", perTrial);
      return out;
    }
  }

  private static final String ROLE_ENV = "/api/v1/jobs/www-data/prod/";
  private static final int MAX_LIVE_JOBS = 24;
  private static final int MAX_WIDTH = 8;

  /** A job of the workload, as far as the workload knows it. */
  private static final class Job {
    final String name;
    final ReentrantLock lock = new ReentrantLock();

    /**
     * The instances the workload believes alive (created or added, not yet asked to be killed):
     * kills, restarts and adds aim at these. Read and written only by the worker holding the job.
     */
    final Set<Integer> alive = new TreeSet<>();

    /** The index of its last acknowledged change: its reads wait for the view to pass it. */
    volatile long index;

    Job(String name, int instances) {
      this.name = name;
      IntStream.range(0, instances).forEach(alive::add);
    }
  }

  /** An answer: status code, body, and the {@code X-Borealis-Index} (-1 if none). */
  private record Answer(int code, JsonNode body, long index) {}

  private final Settings settings;
  private final Random random;
  private final AckLog log = new AckLog();
  private final Map<String, Observed> observed = new ConcurrentHashMap<>();
  private final List<Job> live = new CopyOnWriteArrayList<>();
  private final Set<String> everyJob = ConcurrentHashMap.newKeySet();
  private final AtomicInteger jobCounter = new AtomicInteger();
  private final String prefix;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private volatile ServerProcess node;
  private volatile boolean stopped;

  /** Opens at a trial's first acknowledged change: the kill timer starts then. */
  private volatile CountDownLatch firstAck = new CountDownLatch(1);

  DurabilityRun(Settings settings) {
    this.settings = settings;
    this.random = new Random(settings.seed());
    // Job names of one run differ from another's: a Cassandra keyspace may outlive a run.
    this.prefix = "dur-" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
  }

  /** Runs every trial and returns what was found (it does not throw on findings). */
  Result run() throws Exception {
    long started = System.nanoTime();
    System.err.println(
        "durability: seed "
            + settings.seed()
            + ", "
            + settings.kills()
            + " kills, store "
            + String.join(" ", settings.storeArgs()));
    List<Trial> trials = new ArrayList<>();
    Path data = settings.workDir().resolve("node");
    try (ServerProcess n =
        new ServerProcess(
            data, settings.settings(), settings.storeArgs(), settings.javaOptions())) {
      node = n.start();
      for (int trial = 1; trial <= settings.kills(); trial++) {
        trials.add(trial(trial));
      }
    }
    // Each check judges the whole log: a finding stays until the end, and counts once.
    int lost = distinct(trials, Trial::lost);
    int duplicates = distinct(trials, Trial::duplicates);
    int regressions = distinct(trials, Trial::regressions);
    return new Result(
        settings.seed(),
        settings.storeArgs(),
        trials,
        log.counts(),
        log.count(Outcome.ACKED),
        log.count(Outcome.REFUSED),
        log.count(Outcome.UNKNOWN),
        observed.size(),
        lost,
        duplicates,
        regressions,
        LoadTest.seconds(System.nanoTime() - started));
  }

  private static int distinct(List<Trial> trials, Function<Trial, List<String>> findings) {
    return (int) trials.stream().flatMap(t -> findings.apply(t).stream()).distinct().count();
  }

  private Trial trial(int number) throws Exception {
    long up =
        settings.minUp().toMillis()
            + (long)
                (random.nextDouble() * (settings.maxUp().toMillis() - settings.minUp().toMillis()));
    List<Thread> workers = new ArrayList<>();
    stopped = false;
    firstAck = new CountDownLatch(1);
    for (int w = 0; w < settings.workers(); w++) {
      Random own = new Random(random.nextLong());
      Thread t = new Thread(() -> work(own), "durability-worker-" + w);
      t.start();
      workers.add(t);
    }
    // From the first acknowledged change on: a node just started answers its first requests
    // slowly, and a kill before any answer would test little.
    firstAck.await(30, TimeUnit.SECONDS);
    Thread.sleep(up);
    node.kill9();
    if (settings.forgetData()) {
      node.wipe();
    }
    stopped = true;
    for (Thread t : workers) {
      t.join();
    }
    long restartStarted = System.nanoTime();
    node.start();
    long restartMillis = (System.nanoTime() - restartStarted) / 1_000_000;
    long ackedIndex = log.maxAckedIndex();
    long checkStarted = System.nanoTime();
    Answer first = get("/api/v1/jobs?index=" + ackedIndex + "&wait=30s", Duration.ofSeconds(40));
    Findings f = check();
    if (first.index() < ackedIndex) {
      // The index counts the events the view applied: one below an acknowledged answer's index
      // means events it acknowledged are gone (or the view never caught up with them).
      List<String> lost = new ArrayList<>(f.lost());
      lost.add(0, "the node's index went back from " + ackedIndex + " to " + first.index());
      f = new Findings(lost, f.duplicates(), f.regressions(), f.inactive());
    }
    long checkMillis = (System.nanoTime() - checkStarted) / 1_000_000;
    Trial t =
        new Trial(
            number,
            up,
            restartMillis,
            ackedIndex,
            first.index(),
            checkMillis,
            f.lost(),
            f.duplicates(),
            f.regressions());
    System.err.printf(
        "durability: trial %d killed after %d ms, restarted in %d ms, %d acked so far, index %d ->"
            + " %d, checked %d tasks in %d ms: lost %d, duplicates %d, regressions %d%n",
        number,
        up,
        restartMillis,
        log.count(Outcome.ACKED),
        ackedIndex,
        first.index(),
        observed.size(),
        checkMillis,
        f.lost().size(),
        f.duplicates().size(),
        f.regressions().size());
    Stream.of(f.lost(), f.duplicates(), f.regressions())
        .flatMap(List::stream)
        .limit(20)
        .forEach(s -> System.err.println("  " + s));
    return t;
  }

  // ---------------------------------------------------------------------------------------------
  // The check

  /**
   * Reads every job of the log and every task a read ever showed, judges them, and reads again
   * while some instance is still without its task (up to {@code settle}); what is still missing
   * then counts as lost.
   */
  private Findings check() throws Exception {
    // The statuses seen so far, before this check's own reads add more.
    Map<String, Observed> before = Map.copyOf(observed);
    Map<String, Optional<TaskHistory>> histories = new LinkedHashMap<>();
    for (String taskId : before.keySet()) {
      Answer a = get("/api/v1/tasks/" + taskId, Duration.ofSeconds(30));
      if (a.code() == 200) {
        List<String> events = new ArrayList<>();
        a.body().path("events").forEach(e -> events.add(e.path("status").asText()));
        histories.put(
            taskId, Optional.of(new TaskHistory(a.body().path("status").asText(), events)));
      } else if (a.code() == 404) {
        histories.put(taskId, Optional.empty());
      } else {
        throw new IllegalStateException("GET task " + taskId + " answered " + a.code());
      }
    }
    List<Op> ops = log.ops();
    Findings first = DurabilityCheck.check(ops, served(), before, histories);
    Set<String> lost = new LinkedHashSet<>(first.lost());
    Set<String> duplicates = new LinkedHashSet<>(first.duplicates());
    List<String> inactive = first.inactive();
    long deadline = System.nanoTime() + settings.settle().toNanos();
    while (!inactive.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(500);
      Findings again = DurabilityCheck.check(ops, served(), Map.of(), Map.of());
      lost.addAll(again.lost());
      duplicates.addAll(again.duplicates());
      inactive = again.inactive();
    }
    inactive.forEach(
        s -> lost.add(s + " " + settings.settle().toSeconds() + " s after the restart"));
    return new Findings(List.copyOf(lost), List.copyOf(duplicates), first.regressions(), List.of());
  }

  /** The task lists of every job the log names; a job the node does not know is left out. */
  private Map<String, List<TaskView>> served() throws Exception {
    Map<String, List<TaskView>> out = new LinkedHashMap<>();
    for (String job : new TreeSet<>(everyJob)) {
      Answer a = get(ROLE_ENV + job + "/tasks", Duration.ofSeconds(30));
      if (a.code() == 404) {
        continue;
      }
      if (a.code() != 200) {
        throw new IllegalStateException("GET tasks of " + job + " answered " + a.code());
      }
      out.put(job, observe(job, a.body()));
    }
    return out;
  }

  /** Notes the furthest status of every task in a task list, and returns the list. */
  private List<TaskView> observe(String job, JsonNode page) {
    List<TaskView> tasks = new ArrayList<>();
    for (JsonNode t : page.path("items")) {
      TaskView v =
          new TaskView(
              t.path("task_id").asText(), t.path("instance_id").asInt(), t.path("status").asText());
      tasks.add(v);
      observed.merge(
          v.taskId(),
          new Observed(job, v.instance(), v.status()),
          (old, seen) ->
              DurabilityCheck.TERMINAL.contains(old.status())
                      || DurabilityCheck.rank(seen.status()) < DurabilityCheck.rank(old.status())
                  ? old
                  : seen);
    }
    return tasks;
  }

  // ---------------------------------------------------------------------------------------------
  // The workload

  private void work(Random rnd) {
    try {
      while (!stopped) {
        if (!step(rnd)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.err.println("durability: a worker stopped: " + e);
    }
  }

  /** One change or read; false once the node is gone (a connection was refused). */
  private boolean step(Random rnd) throws Exception {
    double p = rnd.nextDouble();
    if (live.size() < 4 || (p < 0.15 && live.size() < MAX_LIVE_JOBS)) {
      return create(rnd);
    }
    Job job = pick(rnd);
    if (job == null) {
      Thread.sleep(5);
      return true;
    }
    try {
      if (p < 0.25) {
        return kill(job, Optional.of(someInstances(job, rnd)));
      } else if (p < 0.28) {
        return kill(job, Optional.empty());
      } else if (p < 0.40) {
        return change(job, Kind.RESTART, "/restart", instancesBody(someInstances(job, rnd)), null);
      } else if (p < 0.55) {
        if (job.alive.size() >= MAX_WIDTH) {
          return read(job);
        }
        List<Integer> alive = List.copyOf(job.alive);
        ObjectNode body =
            LoadTest.JSON
                .createObjectNode()
                .put("template_instance", alive.get(rnd.nextInt(alive.size())))
                .put("count", 1 + rnd.nextInt(2));
        return change(job, Kind.ADD, "/instances", body, null);
      } else if (p < 0.90) {
        return report(job, rnd);
      } else {
        return read(job);
      }
    } finally {
      job.lock.unlock();
    }
  }

  /** A job with instances alive that no other worker holds, held; null if none of a few tried. */
  private Job pick(Random rnd) {
    List<Job> jobs = List.copyOf(live);
    for (int tries = 0; tries < 4 && !jobs.isEmpty(); tries++) {
      Job j = jobs.get(rnd.nextInt(jobs.size()));
      if (j.lock.tryLock()) {
        if (!j.alive.isEmpty()) {
          return j;
        }
        // Its last instances were killed since the list was copied.
        j.lock.unlock();
      }
    }
    return null;
  }

  /** One or two of the job's alive instances. */
  private static Set<Integer> someInstances(Job job, Random rnd) {
    List<Integer> alive = List.copyOf(job.alive);
    Set<Integer> out = new TreeSet<>();
    int n = 1 + rnd.nextInt(2);
    for (int i = 0; i < n; i++) {
      out.add(alive.get(rnd.nextInt(alive.size())));
    }
    return out;
  }

  private static ObjectNode instancesBody(Set<Integer> instances) {
    return LoadTest.JSON
        .createObjectNode()
        .put("instances", instances.stream().map(String::valueOf).collect(Collectors.joining(",")));
  }

  private boolean create(Random rnd) throws Exception {
    int n = 1 + rnd.nextInt(4);
    Job job = new Job(String.format("%s-%04d", prefix, jobCounter.incrementAndGet()), n);
    job.lock.lock();
    try {
      everyJob.add(job.name);
      live.add(job);
      long seq = log.next();
      Optional<Answer> a = send("POST", ROLE_ENV + job.name, LoadTest.job(n));
      Set<Integer> all = IntStream.range(0, n).boxed().collect(Collectors.toSet());
      record(seq, Kind.CREATE, job, Optional.of(all), Set.of(), null, null, a);
      if (a.isPresent() && a.get().code() / 100 == 4) {
        live.remove(job);
      }
      return a.isPresent();
    } finally {
      job.lock.unlock();
    }
  }

  private boolean kill(Job job, Optional<Set<Integer>> instances) throws Exception {
    boolean sent =
        change(
            job,
            Kind.KILL,
            "/kill",
            instances.map(DurabilityRun::instancesBody).orElse(LoadTest.JSON.createObjectNode()),
            instances.orElse(null));
    // Whatever the answer, the workload leaves alone what it asked to kill.
    if (instances.isEmpty()) {
      job.alive.clear();
    } else {
      job.alive.removeAll(instances.get());
    }
    if (job.alive.isEmpty()) {
      live.remove(job);
    }
    return sent;
  }

  /** A kill, restart or add on {@code job}; {@code instances} the ones asked for (null: all). */
  private boolean change(Job job, Kind kind, String path, ObjectNode body, Set<Integer> instances)
      throws Exception {
    if (kind != Kind.KILL && kind != Kind.ADD) {
      instances = instancesOf(body);
    }
    long seq = log.next();
    Optional<Answer> a = send("POST", ROLE_ENV + job.name + path, body);
    Set<Integer> changed = Set.of();
    if (a.isPresent() && a.get().code() / 100 == 2 && a.get().body().has("instances")) {
      changed = parseRanges(a.get().body().path("instances").asText());
      if (kind == Kind.ADD) {
        job.alive.addAll(changed);
      }
    }
    record(seq, kind, job, Optional.ofNullable(instances), changed, null, null, a);
    return a.isPresent();
  }

  /** Reads the job's tasks and reports a status for one that is placed and not yet ended. */
  private boolean report(Job job, Random rnd) throws Exception {
    Answer tasks = get(tasksOf(job), Duration.ofSeconds(10), true);
    if (tasks == null) {
      return false;
    }
    if (tasks.code() != 200) {
      return true;
    }
    List<TaskView> candidates =
        observe(job.name, tasks.body()).stream()
            .filter(t -> Set.of("ASSIGNED", "STARTING", "RUNNING").contains(t.status()))
            .toList();
    if (candidates.isEmpty()) {
      return true;
    }
    TaskView t = candidates.get(rnd.nextInt(candidates.size()));
    String[] choices = {"RUNNING", "FAILED", "FINISHED", "FAILED", "FINISHED"};
    String status = choices[rnd.nextInt(choices.length)];
    long seq = log.next();
    Optional<Answer> a =
        send(
            "POST",
            "/api/v1/sim/tasks/" + t.taskId() + "/status",
            LoadTest.JSON.createObjectNode().put("status", status));
    record(seq, Kind.STATUS, job, Optional.empty(), Set.of(), t.taskId(), status, a);
    return a.isPresent();
  }

  /** The job's task list, read so that it reflects the job's last acknowledged change. */
  private static String tasksOf(Job job) {
    return ROLE_ENV
        + job.name
        + "/tasks"
        + (job.index > 0 ? "?index=" + job.index + "&wait=5s" : "");
  }

  private boolean read(Job job) throws Exception {
    Answer tasks = get(tasksOf(job), Duration.ofSeconds(10), true);
    if (tasks == null) {
      return false;
    }
    if (tasks.code() == 200) {
      observe(job.name, tasks.body());
    }
    return true;
  }

  private void record(
      long seq,
      Kind kind,
      Job job,
      Optional<Set<Integer>> instances,
      Set<Integer> changed,
      String taskId,
      String status,
      Optional<Answer> answer) {
    Outcome outcome;
    int code;
    long index = -1;
    if (answer.isEmpty()) {
      outcome = Outcome.REFUSED;
      code = 0;
    } else if (answer.get().code() < 0) {
      outcome = Outcome.UNKNOWN;
      code = answer.get().code();
    } else {
      code = answer.get().code();
      index = answer.get().index();
      outcome =
          code / 100 == 2 ? Outcome.ACKED : code / 100 == 4 ? Outcome.REFUSED : Outcome.UNKNOWN;
    }
    if (outcome == Outcome.ACKED) {
      firstAck.countDown();
      job.index = Math.max(job.index, index);
    }
    log.add(
        new Op(
            seq,
            kind,
            job.name,
            instances,
            changed,
            Optional.ofNullable(taskId),
            Optional.ofNullable(status),
            outcome,
            code,
            index));
  }

  private static Set<Integer> instancesOf(ObjectNode body) {
    return body.has("instances") ? parseRanges(body.path("instances").asText()) : null;
  }

  /** Aurora's instance ranges, {@code "0-2,5"}. */
  static Set<Integer> parseRanges(String ranges) {
    Set<Integer> out = new TreeSet<>();
    for (String part : ranges.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int dash = p.indexOf('-');
      if (dash < 0) {
        out.add(Integer.parseInt(p));
      } else {
        int from = Integer.parseInt(p.substring(0, dash).trim());
        int to = Integer.parseInt(p.substring(dash + 1).trim());
        for (int i = from; i <= to; i++) {
          out.add(i);
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  /**
   * Sends a change. Empty when the connection was refused (the node is down, the request never
   * left); an answer with code -1 when it was sent and no answer came (unknown).
   */
  private Optional<Answer> send(String method, String path, JsonNode body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(node.base() + path))
            .timeout(Duration.ofSeconds(15))
            .header("Content-Type", "application/json")
            .method(
                method,
                HttpRequest.BodyPublishers.ofByteArray(LoadTest.JSON.writeValueAsBytes(body)))
            .build();
    try {
      return Optional.of(answer(http.send(request, HttpResponse.BodyHandlers.ofString())));
    } catch (ConnectException refused) {
      return Optional.empty();
    } catch (IOException cut) {
      return Optional.of(new Answer(-1, LoadTest.JSON.nullNode(), -1));
    }
  }

  private Answer get(String path, Duration timeout) throws Exception {
    return get(path, timeout, false);
  }

  /** A read; with {@code tolerant}, null instead of an exception when the node is unreachable. */
  private Answer get(String path, Duration timeout, boolean tolerant) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(node.base() + path)).timeout(timeout).build();
    try {
      return answer(http.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      if (tolerant) {
        return null;
      }
      throw e;
    }
  }

  private static Answer answer(HttpResponse<String> r) {
    JsonNode body;
    try {
      body = r.body().isEmpty() ? LoadTest.JSON.nullNode() : LoadTest.JSON.readTree(r.body());
    } catch (IOException notJson) {
      body = LoadTest.JSON.getNodeFactory().textNode(r.body());
    }
    long index = r.headers().firstValue("X-Borealis-Index").map(Long::parseLong).orElse(-1L);
    return new Answer(r.statusCode(), body, index);
  }
}
