package io.borealis.http.auth;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks HTTP Basic credentials against the users file. The file is polled on a scheduler (never on
 * the request path) and swapped in whole when it changes; a broken edit keeps the last good file
 * and logs one line. bcrypt checks run on {@code verifier} (a blocking dispatcher), and a success
 * is remembered for {@code cache-ttl} under a SHA-256 of user, password and stored hash, so a
 * client's requests cost one bcrypt check per few minutes, and a changed password or removed user
 * takes effect at the next reload. Neither the password nor the header is ever logged or kept
 * beyond the request.
 */
public final class Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
  private static final int MAX_CACHED = 10_000;

  /** The outcome of a check: who, or refused (bad credentials, malformed header). */
  public sealed interface Outcome {}

  /** The credentials were good (or absent and anonymous: {@link Identity#ANONYMOUS}). */
  public record Known(Identity identity) implements Outcome {}

  /** The credentials were wrong or unreadable; answer 401. */
  public record Refused(String reason) implements Outcome {}

  private final AuthSettings settings;
  private final Executor verifier;
  private final LongSupplier nanos;
  private final AtomicReference<Loaded> current = new AtomicReference<>();
  private final Map<String, Long> verified = new ConcurrentHashMap<>();
  // Checked against when the user is unknown, so that the answer takes as long as for a known one.
  private final String decoy;

  private record Loaded(UsersFile users, byte[] digest, long modified, long size) {}

  /**
   * An authenticator of the users file in {@code settings}, read now: a missing or broken file is
   * an {@link IllegalArgumentException} (the node must not start with authentication half on).
   */
  public Authenticator(AuthSettings settings, Executor verifier, LongSupplier nanos) {
    this.settings = settings;
    this.verifier = verifier;
    this.nanos = nanos;
    this.decoy =
        settings.enabled()
            ? Passwords.hash("decoy".toCharArray(), Passwords.DEFAULT_COST, new SecureRandom())
            : null;
    if (settings.enabled()) {
      Path file =
          settings
              .usersFile()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "borealis.http.auth.enabled is on but no users-file is set"
                              + " (--auth-conf FILE)"));
      try {
        current.set(load(file));
      } catch (Exception e) {
        throw new IllegalArgumentException(
            "The users file " + file + " cannot be used: " + e.getMessage(), e);
      }
    }
  }

  public AuthSettings settings() {
    return settings;
  }

  /** Polls the users file every {@code reload-interval} on {@code timer}. */
  public void watch(ScheduledExecutorService timer) {
    if (!settings.enabled()) {
      return;
    }
    long every = settings.reloadInterval().toMillis();
    timer.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the users file again if its modification time or size changed; a broken file keeps the
   * last good one. Returns whether a new file is in use.
   */
  public boolean reloadIfChanged() {
    Path file = settings.usersFile().orElseThrow();
    Loaded last = current.get();
    try {
      long modified = Files.getLastModifiedTime(file).toMillis();
      long size = Files.size(file);
      if (last != null && modified == last.modified() && size == last.size()) {
        return false;
      }
      Loaded next = load(file);
      if (last != null && Arrays.equals(next.digest(), last.digest())) {
        current.set(next);
        return false;
      }
      current.set(next);
      verified.clear();
      LOG.info("Reloaded the users file {}: {} users", file, next.users().users().size());
      return true;
    } catch (Exception e) {
      // Remember the broken version so that it is reported once, not at every poll.
      if (last != null) {
        try {
          current.set(
              new Loaded(
                  last.users(),
                  last.digest(),
                  Files.getLastModifiedTime(file).toMillis(),
                  Files.size(file)));
        } catch (Exception ignored) {
          // The file is gone; it is reported again at the next poll.
        }
      }
      LOG.warn(
          "The users file {} could not be read ({}); keeping the last good version",
          file,
          e.getMessage());
      return false;
    }
  }

  private static Loaded load(Path file) throws Exception {
    long modified = Files.getLastModifiedTime(file).toMillis();
    byte[] bytes = Files.readAllBytes(file);
    UsersFile users = UsersFile.read(file);
    return new Loaded(users, sha256(bytes), modified, bytes.length);
  }

  /** The users file in use (for tests). */
  UsersFile users() {
    return current.get().users();
  }

  /**
   * Who sent {@code authorization} (the header's value, if any). With authentication off, always
   * {@link Identity#UNSECURE}; without the header, {@link Identity#ANONYMOUS}.
   */
  public CompletionStage<Outcome> authenticate(Optional<String> authorization) {
    if (!settings.enabled()) {
      return CompletableFuture.completedFuture(new Known(Identity.UNSECURE));
    }
    if (authorization.isEmpty()) {
      return CompletableFuture.completedFuture(new Known(Identity.ANONYMOUS));
    }
    Optional<String[]> basic = basic(authorization.get());
    if (basic.isEmpty()) {
      return CompletableFuture.completedFuture(
          new Refused("the Authorization header must be HTTP Basic credentials"));
    }
    String name = basic.get()[0];
    String password = basic.get()[1];
    UsersFile users = current.get().users();
    Optional<UsersFile.User> user = users.user(name);
    String hash = user.map(UsersFile.User::passwordHash).orElse(decoy);
    String key = cacheKey(name, password, hash);
    Long until = verified.get(key);
    if (user.isPresent() && until != null && until - nanos.getAsLong() > 0) {
      return CompletableFuture.completedFuture(new Known(identity(users, user.get())));
    }
    return CompletableFuture.supplyAsync(
        () -> {
          char[] chars = password.toCharArray();
          try {
            boolean ok = Passwords.matches(hash, chars) && user.isPresent();
            if (!ok) {
              return new Refused("wrong user name or password");
            }
            if (verified.size() >= MAX_CACHED) {
              verified.clear();
            }
            verified.put(key, nanos.getAsLong() + settings.cacheTtl().toNanos());
            return new Known(identity(users, user.get()));
          } finally {
            Arrays.fill(chars, '\0');
          }
        },
        verifier);
  }

  private static Identity identity(UsersFile users, UsersFile.User user) {
    return new Identity(user.name(), true, users.permissions(user));
  }

  /** User name and password of a Basic header, if it is one. */
  static Optional<String[]> basic(String header) {
    String h = header.strip();
    if (h.length() < 6 || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    try {
      String decoded =
          new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        return Optional.empty();
      }
      return Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String cacheKey(String user, String password, String hash) {
    return HexFormat.of()
        .formatHex(sha256((user + '\0' + password + '\0' + hash).getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
