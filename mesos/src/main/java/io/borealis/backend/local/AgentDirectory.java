package io.borealis.backend.local;

import io.borealis.backend.ResourceBackend;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * Where the local agents of the cluster are, as this node sees them: the base URL of the HTTP API
 * of the node that runs each agent, so that a sandbox read arriving at this node for a task on
 * another node's agent can be answered by that node. Fed by a small actor that follows the
 * receptionist and asks each new agent to {@link LocalAgent.Describe} itself; read from any thread.
 */
public final class AgentDirectory {

  private interface Command {}

  private record AgentsChanged(Receptionist.Listing listing) implements Command {}

  private record Described(
      ActorRef<ResourceBackend.Command> agent, LocalAgent.Description description)
      implements Command {}

  private record NotDescribed(ActorRef<ResourceBackend.Command> agent) implements Command {}

  private final Map<String, String> apiBases = new ConcurrentHashMap<>();

  /** The base URL of the API of the node whose agent is {@code agentId}, once it is known. */
  public Optional<String> apiBase(String agentId) {
    return Optional.ofNullable(apiBases.get(agentId));
  }

  /** The behavior that keeps this directory up to date; one per node. */
  public Behavior<?> follower() {
    return Behaviors.<Command>setup(
        context -> {
          context
              .getSystem()
              .receptionist()
              .tell(
                  Receptionist.subscribe(
                      LocalAgent.KEY,
                      context.messageAdapter(Receptionist.Listing.class, AgentsChanged::new)));
          Map<ActorRef<ResourceBackend.Command>, String> known = new HashMap<>();
          return Behaviors.receive(Command.class)
              .onMessage(
                  AgentsChanged.class,
                  m -> {
                    Set<ActorRef<ResourceBackend.Command>> present =
                        m.listing().getAllServiceInstances(LocalAgent.KEY);
                    for (ActorRef<ResourceBackend.Command> agent : present) {
                      if (!known.containsKey(agent)) {
                        known.put(agent, "");
                        context.ask(
                            LocalAgent.Description.class,
                            agent,
                            java.time.Duration.ofSeconds(10),
                            LocalAgent.Describe::new,
                            (d, failure) ->
                                d != null ? new Described(agent, d) : new NotDescribed(agent));
                      }
                    }
                    for (ActorRef<ResourceBackend.Command> agent : Set.copyOf(known.keySet())) {
                      if (!present.contains(agent)) {
                        String agentId = known.remove(agent);
                        // A restarted agent of the same id may have described itself already.
                        if (!known.containsValue(agentId)) {
                          apiBases.remove(agentId);
                        }
                      }
                    }
                    return Behaviors.same();
                  })
              .onMessage(
                  NotDescribed.class,
                  m -> {
                    // Asked again when the listing next changes.
                    known.remove(m.agent(), "");
                    return Behaviors.same();
                  })
              .onMessage(
                  Described.class,
                  m -> {
                    if (known.containsKey(m.agent())) {
                      known.put(m.agent(), m.description().agentId());
                      apiBases.put(m.description().agentId(), m.description().apiBase());
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
