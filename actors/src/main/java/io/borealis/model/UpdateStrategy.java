package io.borealis.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** How an update picks its next group of instances (aurora-semantics §4.4). */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = UpdateStrategy.Queue.class, name = "queue"),
  @JsonSubTypes.Type(value = UpdateStrategy.Batch.class, name = "batch"),
  @JsonSubTypes.Type(value = UpdateStrategy.VariableBatch.class, name = "variable_batch")
})
public sealed interface UpdateStrategy {

  /** Keep {@code batchSize} instances in flight, refilling as each finishes. */
  record Queue(int batchSize) implements UpdateStrategy {}

  /** Groups of {@code batchSize}, each started when the previous one is done. */
  record Batch(int batchSize, boolean autopauseAfterBatch) implements UpdateStrategy {}

  /** Groups of growing sizes; the last size repeats. */
  record VariableBatch(List<Integer> batchSizes, boolean autopauseAfterBatch)
      implements UpdateStrategy {
    public VariableBatch {
      batchSizes = List.copyOf(batchSizes);
    }
  }
}
