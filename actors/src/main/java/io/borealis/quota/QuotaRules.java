package io.borealis.quota;

import io.borealis.model.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Aurora's quota decisions as plain functions (aurora-semantics §3.5): whether a request fits the
 * role's quota, and whether a new quota may be set. Only production, non-dedicated consumption is
 * ever checked; the callers decide that before they ask.
 */
public final class QuotaRules {

  /** Aurora's prefix of every refusal for want of quota. */
  public static final String INSUFFICIENT = "Insufficient resource quota: ";

  private QuotaRules() {}

  /**
   * The refusal when {@code after} (what the role would consume) exceeds {@code quota} in any
   * resource, naming each such resource with what the request adds to {@code inUse} (what the role
   * consumes now), e.g. {@code "Insufficient resource quota: ram: needs 3.0 GiB more, quota 2.0
   * GiB, in use 1.5 GiB"}; empty when it fits.
   */
  public static Optional<String> insufficient(
      ResourceAggregate quota, ResourceAggregate inUse, ResourceAggregate after) {
    List<ResourceAggregate.Kind> over = after.exceeding(quota);
    if (over.isEmpty()) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>(over.size());
    ResourceAggregate more = after.minus(inUse);
    for (ResourceAggregate.Kind k : over) {
      parts.add(
          k.word()
              + ": needs "
              + k.human(Math.max(0, k.amount(more)))
              + " more, quota "
              + k.human(k.amount(quota))
              + ", in use "
              + k.human(k.amount(inUse)));
    }
    return Optional.of(INSUFFICIENT + String.join("; ", parts));
  }

  /** The fields of a would-be quota that are negative, each named as in the API. */
  public static List<FieldError> invalid(ResourceAggregate quota) {
    return quota.negative().stream().map(k -> new FieldError(k.field, "must be >= 0")).toList();
  }

  /**
   * The refusal of a new quota below what the role's production, non-dedicated tasks consume now in
   * any resource; empty when the quota covers it.
   */
  public static Optional<String> belowConsumption(
      String role, ResourceAggregate quota, ResourceAggregate prodShared) {
    List<ResourceAggregate.Kind> lacking = prodShared.exceeding(quota);
    if (lacking.isEmpty()) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>(lacking.size());
    for (ResourceAggregate.Kind k : lacking) {
      parts.add(
          k.word()
              + ": quota "
              + k.human(k.amount(quota))
              + ", in use "
              + k.human(k.amount(prodShared)));
    }
    return Optional.of(
        "Quota of role "
            + role
            + " may not be set below its production consumption: "
            + String.join("; ", parts));
  }
}
