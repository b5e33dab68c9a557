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

  /**
   * The job has an active update, so it refuses changes other than through that update (409; the
   * body names the update). Aurora's JOB_UPDATING_ERROR.
   */
  public static final class UpdateActive extends Rejection {
    private static final String PREFIX = "Job is currently updating (update ";

    /** {@code updateIdOrMessage}: the active update's id, or this rejection's own message. */
    public UpdateActive(String updateIdOrMessage) {
      super(
          updateIdOrMessage.startsWith(PREFIX)
              ? updateIdOrMessage
              : PREFIX + updateIdOrMessage + " is active).");
    }

    /** The id of the active update. */
    public String updateId() {
      String m = getMessage();
      return m.substring(PREFIX.length(), m.length() - " is active).".length());
    }
  }
}
