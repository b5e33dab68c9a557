package io.borealis.update;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A wake-up the engine asks for. Equal timers are the same timer: starting one again replaces it
 * (the entity can use the timer itself as its Pekko timer key). When it fires, the entity passes it
 * back as {@link UpdateInput.TimerFired}; a timer that no longer applies is ignored there.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = UpdateTimer.Watch.class, name = "watch"),
  @JsonSubTypes.Type(value = UpdateTimer.SlaRetry.class, name = "sla_retry"),
  @JsonSubTypes.Type(value = UpdateTimer.PulseExpiry.class, name = "pulse_expiry"),
  @JsonSubTypes.Type(value = UpdateTimer.ProgressDeadline.class, name = "progress_deadline")
})
public sealed interface UpdateTimer {

  /** Look at an instance again once its task may have run for the watch time. */
  record Watch(int instance) implements UpdateTimer {}

  /** Ask the SLA again whether the instance may be killed. */
  record SlaRetry(int instance) implements UpdateTimer {}

  /** A coordinated update's pulse interval may have passed without a pulse. */
  record PulseExpiry() implements UpdateTimer {}

  /** The progress deadline may have passed without an instance succeeding. */
  record ProgressDeadline() implements UpdateTimer {}
}
