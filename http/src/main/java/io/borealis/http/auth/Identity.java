package io.borealis.http.auth;

import io.borealis.common.Users;
import java.util.Set;

/**
 * Who a request comes from, as the edge established it: a user who proved a password, the anonymous
 * caller (no credentials), or, with authentication off, Aurora's unauthenticated user who may do
 * everything.
 */
public record Identity(String user, boolean authenticated, Set<Permission> permissions) {

  /** A caller who sent no credentials while authentication is on. */
  public static final Identity ANONYMOUS = new Identity("anonymous", false, Set.of());

  /** Everyone, while authentication is off (Aurora's {@code UNSECURE}). */
  public static final Identity UNSECURE =
      new Identity(Users.UNSECURE, true, Set.of(Permission.ALL));

  public Identity {
    permissions = Set.copyOf(permissions);
  }

  /** Whether one of this caller's permissions implies {@code required}. */
  public boolean may(Permission.Required required) {
    return permissions.stream().anyMatch(p -> p.implies(required));
  }
}
