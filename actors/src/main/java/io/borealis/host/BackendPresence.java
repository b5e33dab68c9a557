package io.borealis.host;

import io.borealis.common.Metrics;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Whether this node hosts the resource backend (the cluster singleton that holds the framework
 * registration): {@link BackendHost} says so when it starts here and when it stops. It is Aurora's
 * {@code framework_registered} (1 on the node whose backend is registered, 0 on the others, so the
 * sum over the cluster is 1) and the answer of {@code /leaderhealth}.
 */
public final class BackendPresence implements Extension {

  /** Aurora's gauge: 1 while this node's backend is registered. */
  public static final String FRAMEWORK_REGISTERED = "framework_registered";

  private static final Id ID = new Id();

  private final AtomicReference<String> hosted = new AtomicReference<>();

  private BackendPresence(Metrics metrics) {
    metrics.gauge(FRAMEWORK_REGISTERED, () -> hosted.get() == null ? 0 : 1);
  }

  /** The presence on the node {@code system} runs on (its gauge registered on first use). */
  public static BackendPresence of(ActorSystem<?> system) {
    return ID.get(Adapter.toClassic(system));
  }

  /** The kind of backend this node hosts ({@code sim}, {@code local}…), empty on other nodes. */
  public Optional<String> hosted() {
    return Optional.ofNullable(hosted.get());
  }

  void started(String kind) {
    hosted.set(kind);
  }

  void stopped() {
    hosted.set(null);
  }

  private static final class Id extends AbstractExtensionId<BackendPresence> {
    @Override
    public BackendPresence createExtension(ExtendedActorSystem system) {
      return new BackendPresence(Metrics.of(system));
    }
  }
}
