package io.borealis.common;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/** How failing entities and singletons come back: restarted from their journal, with back-off. */
public final class Supervision {

  /** For persistent entities whose journal write or recovery failed. */
  public static final BackoffSupervisorStrategy ENTITY =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2);

  /** For singletons and long-lived children (placement, the backend). */
  public static final BackoffSupervisorStrategy SERVICE =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(500), Duration.ofSeconds(30), 0.2);

  private Supervision() {}
}
