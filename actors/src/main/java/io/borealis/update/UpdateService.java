package io.borealis.update;

import io.borealis.common.Stages;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Job updates as the edge sees them: one method per command, each answering once the update entity
 * has persisted the change. Refusals fail the stage with a {@link io.borealis.common.Rejection}
 * (400 invalid, 404 unknown, 409 conflict: another update is active, or the id is taken).
 */
public final class UpdateService {

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Executor executor;

  public UpdateService(ActorSystem<?> system, Duration timeout) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
    this.executor = system.executionContext();
  }

  /**
   * Starts an update of {@code job} to {@code proposed} (its task, instance count and
   * update_config), limited to {@code scope} when not empty. Without {@code id} one is generated;
   * repeating a start with the same id and request answers the same update.
   */
  public CompletionStage<JobUpdateEntity.Started> start(
      JobKey job,
      JobConfiguration proposed,
      Set<Integer> scope,
      Optional<String> id,
      String user,
      Map<String, String> metadata,
      Optional<String> message) {
    UpdateKey key = new UpdateKey(job, id.orElseGet(() -> UUID.randomUUID().toString()));
    return Stages.on(
        update(key)
            .askWithStatus(
                r ->
                    new JobUpdateEntity.Start(
                        proposed, Set.copyOf(scope), user, Map.copyOf(metadata), message, r),
                timeout),
        executor);
  }

  /** Pause, resume, abort or roll back (a finished update rolls back as a new, linked update). */
  public CompletionStage<JobUpdateEntity.Acted> act(
      UpdateKey key, OperatorAction action, String user, Optional<String> message) {
    return Stages.on(
        update(key).askWithStatus(r -> new JobUpdateEntity.Act(action, user, message, r), timeout),
        executor);
  }

  /** Pulses a coordinated update: OK when it took the pulse, FINISHED when it is not active. */
  public CompletionStage<PulseStatus> pulse(UpdateKey key, String user) {
    return Stages.on(update(key).ask(r -> new JobUpdateEntity.PulseIt(user, r), timeout), executor);
  }

  private EntityRef<JobUpdateEntity.Command> update(UpdateKey key) {
    return sharding.entityRefFor(JobUpdateEntity.ENTITY_KEY, key.toString());
  }
}
