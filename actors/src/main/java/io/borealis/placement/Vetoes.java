package io.borealis.placement;

import io.borealis.model.Constraint;
import io.borealis.model.MaintenanceMode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Aurora's SchedulingFilter (aurora-semantics §3.3) as a pure function: the vetoes of one slot for
 * one demand, stage by stage, the first stage that vetoes being the answer: dedicated host,
 * maintenance, value constraints then limits (first failure only), then every lacking resource.
 */
final class Vetoes {

  private Vetoes() {}

  static List<Veto> of(Demand demand, Slot slot, MaintenanceMode mode, Matcher.Usage usage) {
    List<Veto> host = ofHost(demand, slot.attributes, mode, usage);
    return host.isEmpty() ? slot.vetoes(demand.request()) : host;
  }

  /**
   * The stages before resources: what the host itself says, whatever is free on it (preemption asks
   * this of a host with its victims gone).
   */
  static List<Veto> ofHost(
      Demand demand,
      Map<String, Set<String>> attributes,
      MaintenanceMode mode,
      Matcher.Usage usage) {
    if (attributes.containsKey(Demand.DEDICATED) && !demand.dedicated()) {
      return List.of(Veto.dedicatedHost());
    }
    if (mode == MaintenanceMode.DRAINING || mode == MaintenanceMode.DRAINED) {
      return List.of(Veto.maintenance(mode));
    }
    for (Constraint.Value v : demand.values()) {
      if (!satisfied(v, attributes.getOrDefault(v.name(), Set.of()))) {
        return List.of(Veto.constraintMismatch(v.name()));
      }
    }
    for (Constraint.Limit l : demand.limits()) {
      Set<String> values = attributes.get(l.name());
      if (values == null || values.isEmpty()) {
        return List.of(Veto.constraintMismatch(l.name()));
      }
      for (String value : values) {
        if (usage.count(demand.job(), l.name(), value) >= l.limit()) {
          return List.of(Veto.limitNotSatisfied(l.name()));
        }
      }
    }
    return List.of();
  }

  /** Any of the constraint's values among the host's, negation flipping the answer. */
  static boolean satisfied(Constraint.Value constraint, Set<String> hostValues) {
    boolean match = false;
    for (String v : constraint.values()) {
      if (hostValues.contains(v)) {
        match = true;
        break;
      }
    }
    return constraint.negated() != match;
  }
}
