package io.borealis.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every change the durability workload asked for and what the node answered. Only a 2xx answer
 * acknowledges a change; a 4xx refused it (nothing happened); a 5xx, a timeout or a connection cut
 * after the request was sent leaves it unknown (it may or may not have happened), and the checker
 * accepts both.
 */
final class AckLog {

  /** The kinds of change the workload makes. */
  enum Kind {
    /** Create a job with instances {@code 0..n-1}. */
    CREATE,
    /** Kill some instances of a job, or all of them. */
    KILL,
    /** Restart some instances of a job. */
    RESTART,
    /** Add instances copied from a template instance. */
    ADD,
    /** Report a task's status through the simulated agent. */
    STATUS
  }

  /** What the answer says about the change. */
  enum Outcome {
    /** 2xx: the node has it. */
    ACKED,
    /** 4xx, or the request was never sent: the node does not have it. */
    REFUSED,
    /** 5xx, timeout or a cut connection: the node may or may not have it. */
    UNKNOWN
  }

  /**
   * One request and its answer.
   *
   * @param seq the order in which the requests were sent (requests on one job never overlap)
   * @param instances the instances asked for: all of them when empty (a whole-job kill), the count
   *     {@code 0..n-1} for a create
   * @param changed the instances the answer names (an add's new instances), empty if none
   * @param taskId and {@code status}: a status report's task and status, else empty
   * @param index the answer's {@code X-Borealis-Index}, or -1
   */
  record Op(
      long seq,
      Kind kind,
      String job,
      Optional<Set<Integer>> instances,
      Set<Integer> changed,
      Optional<String> taskId,
      Optional<String> status,
      Outcome outcome,
      int code,
      long index) {}

  private final AtomicLong seq = new AtomicLong();
  private final List<Op> ops = new ArrayList<>();

  /** A number for the next request, taken before it is sent. */
  long next() {
    return seq.incrementAndGet();
  }

  synchronized void add(Op op) {
    ops.add(op);
  }

  /** All requests so far, in the order they were sent. */
  synchronized List<Op> ops() {
    List<Op> sorted = new ArrayList<>(ops);
    sorted.sort((a, b) -> Long.compare(a.seq(), b.seq()));
    return sorted;
  }

  /** The highest index any acknowledged answer carried. */
  synchronized long maxAckedIndex() {
    return ops.stream()
        .filter(o -> o.outcome() == Outcome.ACKED)
        .mapToLong(Op::index)
        .max()
        .orElse(0);
  }

  /** Requests by kind and outcome, e.g. {@code CREATE -> {ACKED: 12, UNKNOWN: 1}}. */
  synchronized Map<String, Map<String, Long>> counts() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    for (Op op : ops) {
      out.computeIfAbsent(op.kind().name().toLowerCase(), k -> new TreeMap<>())
          .merge(op.outcome().name().toLowerCase(), 1L, Long::sum);
    }
    return out;
  }

  synchronized long count(Outcome outcome) {
    return ops.stream().filter(o -> o.outcome() == outcome).count();
  }
}
