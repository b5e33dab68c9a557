package io.borealis.archfixture.cli;

import io.borealis.job.JobEntity;

/** Stands for a client command that uses actor code instead of the HTTP API. */
public final class ChattyClient {

  public String entityType() {
    return JobEntity.ENTITY_KEY.name();
  }
}
