package io.borealis.backend.agent;

import io.borealis.backend.OfferEvent;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a backend tells placement of its agents' resources: offers of what an agent has free, under
 * ids of one sequence, and rescinds of its outstanding offers. The offer side of what {@link
 * StatusOutbox} is for statuses; confined to the backend actor that owns it.
 */
public final class AgentOffers {

  private final ActorRef<OfferEvent> offers;
  private final String prefix;
  private long next = 1;

  /** Offer ids are {@code prefix} and a number counting from 1. */
  public AgentOffers(ActorRef<OfferEvent> offers, String prefix) {
    this.offers = offers;
    this.prefix = prefix;
  }

  /** Offers what {@code agent} has free and no outstanding offer covers, if anything. */
  public void offer(AgentResources agent) {
    agent.offer(prefix + next++).ifPresent(o -> offers.tell(new OfferEvent.OfferReceived(o)));
  }

  /** Rescinds every outstanding offer of {@code agent}. */
  public void rescindAll(AgentResources agent) {
    agent.withdrawAll().forEach(o -> offers.tell(new OfferEvent.OfferRescinded(o)));
  }

  /** Rescinds every outstanding offer of {@code agent} and offers everything free anew. */
  public void reofferAll(AgentResources agent) {
    rescindAll(agent);
    offer(agent);
  }
}
