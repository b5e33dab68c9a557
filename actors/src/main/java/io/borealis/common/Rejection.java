package io.borealis.common;

/**
 * Why an entity refused a command, carried in {@code StatusReply.error}. The subclass says what
 * kind of refusal it is, so the HTTP edge maps it to 400, 404 or 409 without parsing text; each
 * keeps a {@code (String)} constructor so it survives serialization between nodes.
 */
public abstract class Rejection extends RuntimeException {

  protected Rejection(String message) {
    super(message, null, false, false);
  }

  /** The request is not valid in the current state (400). */
  public static final class Invalid extends Rejection {
    public Invalid(String message) {
      super(message);
    }
  }

  /** The thing the request names does not exist (404). */
  public static final class NotFound extends Rejection {
    public NotFound(String message) {
      super(message);
    }
  }

  /** The scheduler could not complete the request now; retrying may work (503). */
  public static final class Unavailable extends Rejection {
    public Unavailable(String message) {
      super(message);
    }
  }

  /** The request conflicts with what exists (409). */
  public static final class Conflict extends Rejection {
    public Conflict(String message) {
      super(message);
    }
  }
}
