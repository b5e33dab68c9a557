package io.borealis.http.auth;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt hashes of passwords (Bouncy Castle's OpenBSD-compatible implementation, {@code $2y$}). The
 * clear password only ever passes through here as a {@code char[]} the caller wipes.
 */
public final class Passwords {

  /** The work factor of new hashes: 2^10 rounds, some 50-100 ms per check on a server. */
  public static final int DEFAULT_COST = 10;

  private Passwords() {}

  /** A new bcrypt hash of {@code password} with a fresh random salt. */
  public static String hash(char[] password, int cost, SecureRandom random) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password, salt, cost);
  }

  /** Whether {@code password} matches {@code hash}; false (never an exception) for a bad hash. */
  public static boolean matches(String hash, char[] password) {
    try {
      return OpenBSDBCrypt.checkPassword(hash, password);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Whether {@code text} looks like a bcrypt hash (and so not like a clear password). */
  public static boolean isHash(String text) {
    return text.matches("\\$2[abxy]?\\$\\d\\d\\$[./A-Za-z0-9]{53}");
  }
}
