package io.borealis.update;

import io.borealis.model.UpdateStrategy;
import java.util.List;
import java.util.Optional;

/**
 * How each strategy picks the next group of instances (aurora-semantics §4.4), as pure functions of
 * the idle instances (in visiting order) and the number in flight.
 */
public final class UpdateStrategies {

  private UpdateStrategies() {}

  /**
   * Why the strategy cannot drive an update, if it cannot (a group size below 1). The engine then
   * moves the update to ERROR ("Internal scheduler error: ...").
   */
  public static Optional<String> problem(UpdateStrategy strategy) {
    if (strategy instanceof UpdateStrategy.Queue q && q.batchSize() < 1) {
      return Optional.of("Queue group size must be at least 1, got " + q.batchSize());
    }
    if (strategy instanceof UpdateStrategy.Batch b && b.batchSize() < 1) {
      return Optional.of("Batch group size must be at least 1, got " + b.batchSize());
    }
    if (strategy instanceof UpdateStrategy.VariableBatch v
        && (v.batchSizes().isEmpty() || v.batchSizes().stream().anyMatch(s -> s < 1))) {
      return Optional.of("Variable batch sizes must all be at least 1, got " + v.batchSizes());
    }
    return Optional.empty();
  }

  /** Whether the strategy pauses the update before each batch after the first (§4.7). */
  public static boolean autoPauses(UpdateStrategy strategy) {
    if (strategy instanceof UpdateStrategy.Batch b) {
      return b.autopauseAfterBatch();
    }
    return strategy instanceof UpdateStrategy.VariableBatch v && v.autopauseAfterBatch();
  }

  /** Whether the strategy may start anything with {@code working} instances in flight. */
  public static boolean mayStart(UpdateStrategy strategy, int working) {
    if (strategy instanceof UpdateStrategy.Queue q) {
      return working < q.batchSize();
    }
    return working == 0;
  }

  /**
   * The instances to start next.
   *
   * @param idle the idle instances in visiting order (reversed when rolling back)
   * @param working how many instances are in flight
   * @param total how many instances were idle when the pass first asked (variable batches count
   *     their progress against it)
   */
  public static List<Integer> nextGroup(
      UpdateStrategy strategy, boolean rollback, List<Integer> idle, int working, int total) {
    if (strategy instanceof UpdateStrategy.Queue q) {
      return first(idle, q.batchSize() - working);
    }
    if (working > 0) {
      return List.of();
    }
    if (strategy instanceof UpdateStrategy.Batch b) {
      return first(idle, b.batchSize());
    }
    UpdateStrategy.VariableBatch v = (UpdateStrategy.VariableBatch) strategy;
    int size =
        rollback
            ? rollbackSize(v.batchSizes(), idle.size())
            : forwardSize(v.batchSizes(), total - idle.size());
    return first(idle, size);
  }

  /** The first size whose prefix sum exceeds the instances done; the last size repeats. */
  static int forwardSize(List<Integer> sizes, int done) {
    int sum = 0;
    for (int s : sizes) {
      sum += s;
      if (sum > done) {
        return s;
      }
    }
    return sizes.get(sizes.size() - 1);
  }

  /**
   * Rolling back undoes the forward groups from the last one: walk the sizes taking each out of
   * what is left; what remains past the list is a run of repeated last sizes, the final (partial)
   * one first.
   */
  static int rollbackSize(List<Integer> sizes, int idle) {
    int left = idle;
    for (int s : sizes) {
      if (left <= s) {
        return left;
      }
      left -= s;
    }
    int last = sizes.get(sizes.size() - 1);
    int rest = left % last;
    return rest == 0 ? last : rest;
  }

  private static List<Integer> first(List<Integer> idle, int n) {
    return n <= 0 ? List.of() : List.copyOf(idle.subList(0, Math.min(n, idle.size())));
  }
}
