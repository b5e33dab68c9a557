package io.borealis.backend;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.borealis.CborSerializable;

/**
 * What a backend tells placement about resources. Typed by name because it travels nested (in
 * {@code PlacementEngine.FromBackend}) to placement, which may run on another node.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = OfferEvent.OfferReceived.class, name = "received"),
  @JsonSubTypes.Type(value = OfferEvent.OfferRescinded.class, name = "rescinded"),
  @JsonSubTypes.Type(value = OfferEvent.OffersReset.class, name = "reset")
})
public sealed interface OfferEvent extends CborSerializable {

  /** New resources to place tasks on. */
  record OfferReceived(Offer offer) implements OfferEvent {}

  /** An offer is no longer valid (its agent went away or its resources changed). */
  record OfferRescinded(String offerId) implements OfferEvent {}

  /** The backend (re)started: every offer held so far is void. */
  record OffersReset() implements OfferEvent {}
}
