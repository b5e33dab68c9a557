package io.borealis.maintenance;

import io.borealis.CborSerializable;
import io.borealis.model.SlaPolicy;
import java.time.Duration;
import java.time.Instant;

/**
 * An operator's request to take a host out of service (aurora-semantics §3.6): its tasks go
 * DRAINING one by one as their SLA allows ({@code defaultPolicy} for tasks without a policy of
 * their own), and all of them once {@code timeoutSecs} have passed since {@code created}. A forced
 * drain is a request with no time to wait.
 */
public record DrainRequest(String host, SlaPolicy defaultPolicy, long timeoutSecs, Instant created)
    implements CborSerializable {

  public DrainRequest {
    if (timeoutSecs < 0) {
      throw new IllegalArgumentException("a drain timeout is >= 0 seconds: " + timeoutSecs);
    }
    if (defaultPolicy instanceof SlaPolicy.Coordinator) {
      throw new IllegalArgumentException("a drain's default policy is a count or a percentage");
    }
  }

  /** Aurora's drainHosts: 0 % SLA and no time to wait, so every task goes at once. */
  public static DrainRequest forced(String host, Instant now) {
    return new DrainRequest(host, new SlaPolicy.Percentage(0, 0), 0, now);
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
