package io.borealis.quota;

import io.borealis.CborSerializable;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.common.Supervision;
import io.borealis.model.FieldError;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The production quota of one role ({@code quota|<role>}), Aurora's {@code setQuota} store. A role
 * that never had a quota has zeros, so none of its production, non-dedicated jobs fit. The entity
 * only keeps the number and refuses negative values; whether a quota covers what the role consumes
 * is decided by {@link QuotaService}, which reads the consumption from the read side.
 *
 * <p>Its events are not tagged: the read side does not follow quotas, every read asks the entity.
 */
public final class QuotaEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        QuotaEntity.Command, QuotaEntity.Event, QuotaEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "quota");

  // ---------------------------------------------------------------------------------------------
  // Commands

  /** What a role's quota accepts. */
  public sealed interface Command extends CborSerializable {}

  /** Overwrite the quota; every field must be >= 0. Replies with the quota now in force. */
  public record SetQuota(
      ResourceAggregate quota, String user, ActorRef<StatusReply<ResourceAggregate>> replyTo)
      implements Command {}

  /** The quota now in force. */
  public record GetQuota(ActorRef<ResourceAggregate> replyTo) implements Command {}

  // ---------------------------------------------------------------------------------------------
  // Events

  /** What a role's quota persists. */
  public sealed interface Event extends CborSerializable {}

  /** {@code user} set the quota of {@code role} from {@code previous} to {@code quota}. */
  public record QuotaSet(
      String role,
      ResourceAggregate quota,
      ResourceAggregate previous,
      String user,
      Instant timestamp)
      implements Event {}

  // ---------------------------------------------------------------------------------------------
  // State

  /** The quota in force: zeros until one is set. */
  public record State(ResourceAggregate quota) implements CborSerializable {
    State set(QuotaSet event) {
      return new State(event.quota());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring

  /** What a quota needs from the node. */
  public record Deps(Clock clock, SnapshotPolicy snapshots) {}

  private final String role;
  private final Deps deps;

  /** Starts the sharded entity type on this node; entities are named by role. */
  public static void init(ActorSystem<?> system, Deps deps) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), deps)));
  }

  /** How others address a role's quota, wherever in the cluster it lives. */
  public static Function<String, RecipientRef<Command>> refs(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return role -> sharding.entityRefFor(ENTITY_KEY, role);
  }

  public static Behavior<Command> create(String role, Deps deps) {
    return new QuotaEntity(role, deps);
  }

  private QuotaEntity(String role, Deps deps) {
    super(PersistenceId.of(ENTITY_KEY.name(), role), Supervision.ENTITY);
    this.role = role;
    this.deps = deps;
  }

  @Override
  public State emptyState() {
    return new State(ResourceAggregate.ZERO);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return deps.snapshots().retention();
  }

  // ---------------------------------------------------------------------------------------------
  // Handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(SetQuota.class, this::set)
        .onCommand(GetQuota.class, (s, c) -> Effect().reply(c.replyTo(), s.quota()))
        .build();
  }

  private ReplyEffect<Event, State> set(State state, SetQuota cmd) {
    List<FieldError> invalid = QuotaRules.invalid(cmd.quota());
    if (!invalid.isEmpty()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Rejection.Invalid(
                      invalid.stream()
                          .map(FieldError::toString)
                          .collect(Collectors.joining("; ")))));
    }
    if (cmd.quota().equals(state.quota())) {
      // Nothing changes: nothing to remember.
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.quota()));
    }
    return Effect()
        .persist(new QuotaSet(role, cmd.quota(), state.quota(), cmd.user(), deps.clock().instant()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.quota()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(QuotaSet.class, State::set).build();
  }
}
