package io.borealis.http.auth;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Authentication at the edge, from {@code borealis.http.auth}. */
public record AuthSettings(
    boolean enabled,
    Optional<Path> usersFile,
    boolean anonymousReads,
    boolean anonymousMetrics,
    Duration reloadInterval,
    Duration cacheTtl) {

  /** Authentication off: everyone is Aurora's unauthenticated user. */
  public static final AuthSettings OFF =
      new AuthSettings(
          false, Optional.empty(), true, true, Duration.ofSeconds(5), Duration.ofMinutes(5));

  public static AuthSettings from(Config config) {
    Config c = config.getConfig("borealis.http.auth");
    String file = c.getString("users-file");
    return new AuthSettings(
        c.getBoolean("enabled"),
        file.isBlank() ? Optional.empty() : Optional.of(Path.of(file)),
        c.getBoolean("anonymous-reads"),
        c.getBoolean("anonymous-metrics"),
        c.getDuration("reload-interval"),
        c.getDuration("cache-ttl"));
  }
}
