package io.borealis.placement;

import io.borealis.model.Constraint;
import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * What every task of one group needs from an offer (a group is Aurora's: same job, same config):
 * resources and placement constraints, value constraints apart from limits because they are
 * evaluated first. Two tasks with equal demands get the same static vetoes from an offer, so a
 * round evaluates a group once per offer.
 */
public record Demand(
    JobKey job,
    ResourceRequest request,
    List<Constraint.Value> values,
    List<Constraint.Limit> limits) {

  /** The job of demands made of resources only (no limit counts against it). */
  static final JobKey NO_JOB = new JobKey("_", "_", "_");

  /** The attribute naming a host's dedicated pool (aurora-semantics §1.4). */
  static final String DEDICATED = "dedicated";

  public Demand {
    values = List.copyOf(values);
    limits = List.copyOf(limits);
  }

  /** A demand of resources only. */
  public static Demand of(ResourceRequest request) {
    return new Demand(NO_JOB, request, List.of(), List.of());
  }

  public static Demand of(JobKey job, ResourceRequest request, Collection<Constraint> constraints) {
    List<Constraint.Value> values = new ArrayList<>();
    List<Constraint.Limit> limits = new ArrayList<>();
    for (Constraint c : constraints) {
      if (c instanceof Constraint.Value v) {
        values.add(v);
      } else if (c instanceof Constraint.Limit l) {
        limits.add(l);
      }
    }
    // By name: a config's constraints are a map without order, and the first failing one is the
    // reason reported.
    values.sort(Comparator.comparing(Constraint::name));
    limits.sort(Comparator.comparing(Constraint::name));
    return new Demand(job, request, values, limits);
  }

  /** A task's demand: its resources plus the executor's overhead, and its constraints. */
  public static Demand of(TaskConfig config, PlacementSettings settings) {
    return of(
        config.job(),
        ResourceRequest.of(
            config.resources(), settings.executorOverheadCpu(), settings.executorOverheadRamMb()),
        config.constraints().values());
  }

  /** Whether the task asks for a dedicated pool (so a dedicated host may take it). */
  boolean dedicated() {
    for (Constraint.Value v : values) {
      if (v.name().equals(DEDICATED)) {
        return true;
      }
    }
    return false;
  }
}
