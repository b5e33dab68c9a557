package io.borealis.archfixture.actors;

import io.borealis.model.JobKey;

/** Stands for a domain class that keeps to the domain: no rule may report it. */
public final class CleanEntity {

  public String describe(JobKey key) {
    return "job " + key;
  }
}
