package io.borealis.placement;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a starting placement engine learns which tasks hold resources, before every instance has
 * woken and told it (the node wires in the read side's tasks in SLAVE_ASSIGNED states). What it
 * returns may lag the instances by the read side's delay: the engine drops a task it hears gone
 * meanwhile, and instances correct the rest as they report.
 */
@FunctionalInterface
public interface PlacedTasksSource {

  CompletionStage<List<PlacedTask>> placedTasks();

  /** Nothing to seed from (tests, tools): the index fills as instances report. */
  PlacedTasksSource NONE = () -> CompletableFuture.completedFuture(List.of());
}
