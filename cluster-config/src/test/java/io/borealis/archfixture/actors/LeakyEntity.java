package io.borealis.archfixture.actors;

import io.borealis.archfixture.http.PeekingRoute;
import io.borealis.http.Api;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** Stands for a domain class that reaches into the HTTP edge (two arrows broken). */
public final class LeakyEntity {

  /** Depends on the edge's own route (a module arrow) and on Pekko HTTP (a library). */
  public HttpResponse answer(PeekingRoute route) {
    return HttpResponse.create().withStatus(route.hashCode() % 2 == 0 ? 200 : 500);
  }

  /** Depends on the HTTP module's classes. */
  public String edgeName() {
    return Api.class.getSimpleName();
  }
}
