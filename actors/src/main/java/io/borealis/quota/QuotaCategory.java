package io.borealis.quota;

import io.borealis.model.TaskConfig;

/**
 * The four kinds of consumption of a role (aurora-semantics §3.5). Production comes from the tier
 * ({@code preferred}); dedicated means the task has a {@code dedicated} constraint. Only {@link
 * #PROD_SHARED} is held to the role's quota.
 */
public enum QuotaCategory {
  /** Production on shared hosts: the only category checked against quota. */
  PROD_SHARED,
  /** Production on hosts dedicated to the role. */
  PROD_DEDICATED,
  /** Preemptible or revocable on shared hosts. */
  NON_PROD_SHARED,
  /** Preemptible or revocable on dedicated hosts. */
  NON_PROD_DEDICATED;

  /** The constraint that makes a task dedicated (aurora-semantics §1.4). */
  public static final String DEDICATED = "dedicated";

  public static QuotaCategory of(TaskConfig config) {
    boolean dedicated = config.constraints().containsKey(DEDICATED);
    if (config.production()) {
      return dedicated ? PROD_DEDICATED : PROD_SHARED;
    }
    return dedicated ? NON_PROD_DEDICATED : NON_PROD_SHARED;
  }

  /** Whether a task with {@code config} counts against its role's quota. */
  public static boolean counted(TaskConfig config) {
    return of(config) == PROD_SHARED;
  }
}
