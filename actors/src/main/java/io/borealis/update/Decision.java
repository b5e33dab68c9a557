package io.borealis.update;

import java.util.List;
import java.util.Optional;

/**
 * What the engine decided: events to persist (in order), then instructions to perform. {@code
 * state} is the state after the events (what the entity's event handler will arrive at).
 *
 * @param rejection for an operator action that is not allowed: the sentence to refuse it with
 *     (nothing to persist)
 * @param pulse for a pulse: the answer
 */
public record Decision(
    UpdateRun state,
    List<UpdateEvent> events,
    List<UpdateInstruction> instructions,
    Optional<String> rejection,
    Optional<PulseStatus> pulse) {

  public Decision {
    events = List.copyOf(events);
    instructions = List.copyOf(instructions);
  }

  public boolean isRejected() {
    return rejection.isPresent();
  }
}
