package io.borealis.update;

import static io.borealis.update.UpdateStatus.ABORTED;
import static io.borealis.update.UpdateStatus.ERROR;
import static io.borealis.update.UpdateStatus.FAILED;
import static io.borealis.update.UpdateStatus.ROLLED_BACK;
import static io.borealis.update.UpdateStatus.ROLLED_FORWARD;
import static io.borealis.update.UpdateStatus.ROLLING_BACK;
import static io.borealis.update.UpdateStatus.ROLLING_FORWARD;
import static io.borealis.update.UpdateStatus.ROLL_BACK_AWAITING_PULSE;
import static io.borealis.update.UpdateStatus.ROLL_BACK_PAUSED;
import static io.borealis.update.UpdateStatus.ROLL_FORWARD_AWAITING_PULSE;
import static io.borealis.update.UpdateStatus.ROLL_FORWARD_PAUSED;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The legal moves between update statuses and what each operator action asks for (aurora-semantics
 * §4.3), as a pure table. Asking for the status the update is already in is a silent no-op; any
 * other move outside the table is refused with Aurora's sentence.
 */
public final class UpdateStateMachine {

  private UpdateStateMachine() {}

  /** What became of a requested move. */
  public enum Kind {
    /** The update moves to {@code to}: record a status event. */
    MOVE,
    /** The update is already there: nothing to record. */
    NOOP,
    /** The move is not allowed: refuse with {@code error}. */
    ILLEGAL
  }

  /** The answer to a requested move: its kind, and a sentence for a refusal. */
  public record Transition(Kind kind, UpdateStatus from, UpdateStatus to, Optional<String> error) {

    static Transition move(UpdateStatus from, UpdateStatus to) {
      return new Transition(Kind.MOVE, from, to, Optional.empty());
    }

    static Transition noop(UpdateStatus status) {
      return new Transition(Kind.NOOP, status, status, Optional.empty());
    }

    static Transition illegal(UpdateStatus from, UpdateStatus to, String error) {
      return new Transition(Kind.ILLEGAL, from, to, Optional.of(error));
    }

    public boolean isMove() {
      return kind == Kind.MOVE;
    }

    public boolean isIllegal() {
      return kind == Kind.ILLEGAL;
    }
  }

  private static final Map<UpdateStatus, Set<UpdateStatus>> ALLOWED =
      new EnumMap<>(UpdateStatus.class);

  static {
    ALLOWED.put(
        ROLLING_FORWARD,
        EnumSet.of(
            ROLLING_BACK,
            ROLL_FORWARD_PAUSED,
            ROLL_FORWARD_AWAITING_PULSE,
            ROLLED_FORWARD,
            ABORTED,
            FAILED,
            ERROR));
    ALLOWED.put(
        ROLLING_BACK,
        EnumSet.of(
            ROLL_BACK_PAUSED, ROLL_BACK_AWAITING_PULSE, ROLLED_BACK, ABORTED, FAILED, ERROR));
    ALLOWED.put(
        ROLL_FORWARD_PAUSED,
        EnumSet.of(ROLLING_FORWARD, ROLLING_BACK, ROLL_FORWARD_AWAITING_PULSE, ABORTED, ERROR));
    ALLOWED.put(
        ROLL_BACK_PAUSED, EnumSet.of(ROLLING_BACK, ROLL_BACK_AWAITING_PULSE, ABORTED, ERROR));
    ALLOWED.put(
        ROLL_FORWARD_AWAITING_PULSE,
        EnumSet.of(ROLLING_FORWARD, ROLLING_BACK, ROLL_FORWARD_PAUSED, ABORTED, ERROR));
    ALLOWED.put(
        ROLL_BACK_AWAITING_PULSE, EnumSet.of(ROLLING_BACK, ROLL_BACK_PAUSED, ABORTED, ERROR));
    for (UpdateStatus terminal : UpdateStatus.TERMINAL) {
      ALLOWED.put(terminal, EnumSet.noneOf(UpdateStatus.class));
    }
  }

  /** Whether the table allows {@code from -> to} (a status to itself is not a move). */
  public static boolean isAllowed(UpdateStatus from, UpdateStatus to) {
    return ALLOWED.get(from).contains(to);
  }

  /** A requested move: NOOP for the current status, MOVE when allowed, else ILLEGAL. */
  public static Transition transition(UpdateStatus from, UpdateStatus to) {
    if (from == to) {
      return Transition.noop(from);
    }
    if (isAllowed(from, to)) {
      return Transition.move(from, to);
    }
    return Transition.illegal(from, to, cannotTransition(from, to));
  }

  /** Aurora's refusal: {@code Cannot transition update from X to Y}. */
  public static String cannotTransition(UpdateStatus from, UpdateStatus to) {
    return "Cannot transition update from " + from + " to " + to;
  }

  /**
   * What an operator action does to an update in {@code from}.
   *
   * @param pulseExpired for RESUME: the update is coordinated and has no fresh pulse, so it goes
   *     back to waiting for one instead of rolling
   */
  public static Transition onAction(
      OperatorAction action, UpdateStatus from, boolean pulseExpired) {
    switch (action) {
      case ABORT:
        return transition(from, ABORTED);
      case ROLLBACK:
        return transition(from, ROLLING_BACK);
      case PAUSE:
        return mapped(action, from, pauseTarget(from));
      case RESUME:
        return mapped(action, from, resumeTarget(from, pulseExpired));
      default:
        throw new IllegalArgumentException("unknown action " + action);
    }
  }

  /**
   * The status a pulse unblocks an update into: an awaiting-pulse status moves to its rolling twin;
   * any other status stays (paused updates accept pulses and stay paused).
   */
  public static Optional<UpdateStatus> unblockedByPulse(UpdateStatus from) {
    if (from == ROLL_FORWARD_AWAITING_PULSE) {
      return Optional.of(ROLLING_FORWARD);
    }
    if (from == ROLL_BACK_AWAITING_PULSE) {
      return Optional.of(ROLLING_BACK);
    }
    return Optional.empty();
  }

  /** The awaiting-pulse twin of a rolling status, which a coordinated update falls back to. */
  public static Optional<UpdateStatus> blockedTwin(UpdateStatus from) {
    if (from == ROLLING_FORWARD) {
      return Optional.of(ROLL_FORWARD_AWAITING_PULSE);
    }
    if (from == ROLLING_BACK) {
      return Optional.of(ROLL_BACK_AWAITING_PULSE);
    }
    return Optional.empty();
  }

  private static Optional<UpdateStatus> pauseTarget(UpdateStatus from) {
    switch (from) {
      case ROLLING_FORWARD:
      case ROLL_FORWARD_PAUSED:
      case ROLL_FORWARD_AWAITING_PULSE:
        return Optional.of(ROLL_FORWARD_PAUSED);
      case ROLLING_BACK:
      case ROLL_BACK_PAUSED:
      case ROLL_BACK_AWAITING_PULSE:
        return Optional.of(ROLL_BACK_PAUSED);
      default:
        return Optional.empty();
    }
  }

  private static Optional<UpdateStatus> resumeTarget(UpdateStatus from, boolean pulseExpired) {
    if (pulseExpired) {
      switch (from) {
        case ROLL_FORWARD_PAUSED:
        case ROLL_FORWARD_AWAITING_PULSE:
          return Optional.of(ROLL_FORWARD_AWAITING_PULSE);
        case ROLL_BACK_PAUSED:
        case ROLL_BACK_AWAITING_PULSE:
          return Optional.of(ROLL_BACK_AWAITING_PULSE);
        default:
          return Optional.empty();
      }
    }
    switch (from) {
      case ROLL_FORWARD_PAUSED:
      case ROLLING_FORWARD:
        return Optional.of(ROLLING_FORWARD);
      case ROLL_BACK_PAUSED:
      case ROLLING_BACK:
        return Optional.of(ROLLING_BACK);
      default:
        return Optional.empty();
    }
  }

  private static Transition mapped(
      OperatorAction action, UpdateStatus from, Optional<UpdateStatus> target) {
    if (target.isEmpty()) {
      return Transition.illegal(
          from, from, "Cannot " + action.name().toLowerCase() + " an update that is " + from);
    }
    return transition(from, target.get());
  }
}
