package io.borealis.task;

import java.util.EnumSet;
import java.util.Set;

/** A verdict and the side effects to run, in {@link SideEffect} order. */
public record TransitionResult(StateChangeResult result, Set<SideEffect> sideEffects) {

  public TransitionResult {
    sideEffects =
        sideEffects.isEmpty() ? EnumSet.noneOf(SideEffect.class) : EnumSet.copyOf(sideEffects);
  }

  static TransitionResult of(StateChangeResult result, SideEffect... effects) {
    EnumSet<SideEffect> set = EnumSet.noneOf(SideEffect.class);
    for (SideEffect e : effects) {
      set.add(e);
    }
    return new TransitionResult(result, set);
  }

  public boolean has(SideEffect effect) {
    return sideEffects.contains(effect);
  }
}
