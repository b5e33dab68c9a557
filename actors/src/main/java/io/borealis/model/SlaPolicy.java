package io.borealis.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** How many instances of a job must stay up during maintenance and SLA-aware updates. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = SlaPolicy.Percentage.class, name = "percentage"),
  @JsonSubTypes.Type(value = SlaPolicy.Count.class, name = "count"),
  @JsonSubTypes.Type(value = SlaPolicy.Coordinator.class, name = "coordinator")
})
public sealed interface SlaPolicy {

  /** At least {@code percentage} % of the instances RUNNING for {@code durationSecs}. */
  record Percentage(double percentage, long durationSecs) implements SlaPolicy {}

  /** At least {@code count} instances RUNNING for {@code durationSecs}. */
  record Count(int count, long durationSecs) implements SlaPolicy {}

  /** An external coordinator decides, answering a JSON boolean at {@code statusKey}. */
  record Coordinator(String coordinatorUrl, String statusKey) implements SlaPolicy {}
}
