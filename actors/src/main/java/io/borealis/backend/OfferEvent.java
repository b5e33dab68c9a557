package io.borealis.backend;

import io.borealis.CborSerializable;

/** What a backend tells placement about resources. */
public sealed interface OfferEvent extends CborSerializable {

  /** New resources to place tasks on. */
  record OfferReceived(Offer offer) implements OfferEvent {}

  /** An offer is no longer valid (its agent went away or its resources changed). */
  record OfferRescinded(String offerId) implements OfferEvent {}

  /** The backend (re)started: every offer held so far is void. */
  record OffersReset() implements OfferEvent {}
}
