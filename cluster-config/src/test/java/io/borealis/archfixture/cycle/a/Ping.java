package io.borealis.archfixture.cycle.a;

import io.borealis.archfixture.cycle.b.Pong;

/** One side of a package cycle: a imports b. */
public final class Ping {

  public Pong next() {
    return new Pong();
  }
}
