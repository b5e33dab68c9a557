package io.borealis.common;

import java.util.Set;

/** Journal tags the read side follows. */
public final class Tags {

  /** Every event of the job and task-instance entities: the read side replays this one tag. */
  public static final String VIEW = "borealis";

  public static final Set<String> VIEW_SET = Set.of(VIEW);

  private Tags() {}
}
