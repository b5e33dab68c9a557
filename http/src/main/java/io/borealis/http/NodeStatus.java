package io.borealis.http;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What a node knows about itself and its cluster, for {@code /health}, {@code /ready}, {@code
 * /leaderhealth} and {@code GET /api/v1/admin/status}: the cluster's members, where the resource
 * backend runs and whether it answers, whether the store answers. The node (its guardian) answers
 * from Pekko Cluster's state and from probes it runs in the background, so no request waits for a
 * probe.
 */
public interface NodeStatus {

  /** The members of the cluster as this node sees them, oldest first. */
  List<Member> members();

  /** The kind of resource backend this node hosts ({@code sim}…), empty on the other nodes. */
  Optional<String> backendHere();

  /** The last answer of the resource backend (wherever in the cluster it runs). */
  Probe backend();

  /** The last answer of the store. */
  Probe store();

  /** How the node's read side follows the journal. */
  default Reading reading() {
    return new Reading(0, Optional.empty());
  }

  /**
   * The read side: how many events it read from the journal's streams since the node started, and
   * how far behind the journal it reads (the age of the newest event read, when it was read).
   */
  record Reading(long eventsRead, Optional<Duration> lag) {}

  /** When this node started. */
  Instant startedAt();

  /** Borealis's version. */
  String version();

  /**
   * One member: its address, Pekko's status ({@code Up}, {@code Joining}, {@code Leaving}…), its
   * roles, whether it is the oldest (the one that holds the cluster singletons: placement and the
   * backend), whether it is the node answering, and whether this node can reach it.
   */
  record Member(
      String address,
      String status,
      List<String> roles,
      boolean oldest,
      boolean self,
      boolean reachable) {}

  /**
   * The last probe of a dependency: whether it answered, what it is ({@code cassandra}, {@code
   * sim}), where it runs when known, and the probe's round trip when measured.
   */
  record Probe(
      String kind,
      boolean reachable,
      Optional<String> address,
      Optional<Duration> roundTrip,
      Optional<String> problem) {

    static Probe up(String kind) {
      return new Probe(kind, true, Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  /**
   * A node alone with everything in process (route tests): the one member, up while {@code ready}
   * says so, hosts an in-process backend and store.
   */
  static NodeStatus single(BooleanSupplier ready, Instant startedAt) {
    return new NodeStatus() {
      @Override
      public List<Member> members() {
        return List.of(
            new Member(
                "pekko://borealis@127.0.0.1",
                ready.getAsBoolean() ? "Up" : "Joining",
                List.of(),
                true,
                true,
                true));
      }

      @Override
      public Optional<String> backendHere() {
        return Optional.of("sim");
      }

      @Override
      public Probe backend() {
        return Probe.up("sim");
      }

      @Override
      public Probe store() {
        return Probe.up("embedded");
      }

      @Override
      public Instant startedAt() {
        return startedAt;
      }

      @Override
      public String version() {
        return "test";
      }
    };
  }
}
