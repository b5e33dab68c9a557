package io.borealis.common;

/** Who asked for a change, for audit messages. */
public final class Users {

  /** The user named in audit messages while authentication is off, as in Aurora. */
  public static final String UNSECURE = "UNSECURE";

  private Users() {}
}
