package io.borealis.maintenance;

import io.borealis.CborSerializable;
import io.borealis.model.SlaPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An operator's request to take a host out of service (aurora-semantics §3.6): its tasks go
 * DRAINING one by one as their SLA allows ({@code defaultPolicy} for tasks without a policy of
 * their own), and all of them once {@code timeoutSecs} have passed since {@code created}. A forced
 * drain is a request with no time to wait. {@code requestedBy} is the user who asked, named in the
 * message of every task the request drains (empty in requests stored before users were kept).
 */
public record DrainRequest(
    String host,
    SlaPolicy defaultPolicy,
    long timeoutSecs,
    Instant created,
    Optional<String> requestedBy)
    implements CborSerializable {

  public DrainRequest {
    // Version 1 of the events and the state had no user: absent reads as null there.
    requestedBy = requestedBy == null ? Optional.empty() : requestedBy;
    if (timeoutSecs < 0) {
      throw new IllegalArgumentException("a drain timeout is >= 0 seconds: " + timeoutSecs);
    }
    if (defaultPolicy instanceof SlaPolicy.Coordinator) {
      throw new IllegalArgumentException("a drain's default policy is a count or a percentage");
    }
  }

  /** A request nobody is named in (tests, and requests of the scheduler's own). */
  public DrainRequest(String host, SlaPolicy defaultPolicy, long timeoutSecs, Instant created) {
    this(host, defaultPolicy, timeoutSecs, created, Optional.empty());
  }

  /** Aurora's drainHosts: 0 % SLA and no time to wait, so every task goes at once. */
  public static DrainRequest forced(String host, Instant now) {
    return new DrainRequest(host, new SlaPolicy.Percentage(0, 0), 0, now);
  }

  /** Aurora's drainHosts as {@code user} asked. */
  public static DrainRequest forced(String host, Instant now, String user) {
    return new DrainRequest(host, new SlaPolicy.Percentage(0, 0), 0, now, Optional.of(user));
  }

  /** The message of a task this request drains: Aurora's, then who drained the host. */
  public String taskMessage() {
    return MaintenanceEntity.DRAIN_MESSAGE
        + requestedBy.map(u -> " Host drained by " + u + ".").orElse("");
  }

  /** When the SLA stops being asked: from then on every task of the host is drained. */
  public Instant deadline() {
    return created.plusSeconds(timeoutSecs);
  }

  /** Milliseconds left before the drain is forced; 0 or less once it is. */
  public long remainingMs(Instant now) {
    return Duration.between(now, deadline()).toMillis();
  }
}
