package io.borealis.archfixture.cycle.b;

import io.borealis.archfixture.cycle.a.Ping;

/** The other side of the package cycle: b imports a. */
public final class Pong {

  public Ping next() {
    return new Ping();
  }
}
