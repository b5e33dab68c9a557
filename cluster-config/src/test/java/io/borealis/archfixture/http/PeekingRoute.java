package io.borealis.archfixture.http;

import io.borealis.backend.sim.SimBackend;

/** Stands for a route that reaches a backend implementation instead of the seam. */
public final class PeekingRoute {

  public String backend() {
    return SimBackend.class.getSimpleName();
  }
}
