package io.borealis.http;

import com.typesafe.config.Config;
import io.borealis.http.auth.AuthSettings;
import io.borealis.http.auth.Authenticator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * What the edge checks before any route: who the caller is ({@link Authenticator}), how fast each
 * client may send ({@link RateLimits}), and which browser origins may call the API (CORS, none by
 * default).
 */
record EdgeSecurity(
    Authenticator authenticator,
    RateLimits limits,
    Set<String> allowedOrigins,
    LongSupplier nanos) {

  /** Authentication, limits and CORS off: the single-machine default. */
  static EdgeSecurity off() {
    return new EdgeSecurity(
        new Authenticator(AuthSettings.OFF, Runnable::run, System::nanoTime),
        new RateLimits(0, 1, System::nanoTime),
        Set.of(),
        System::nanoTime);
  }

  /** From {@code borealis.http.auth}, {@code .limits} and {@code .cors}. */
  static EdgeSecurity from(Config config, Executor verifier) {
    Config http = config.getConfig("borealis.http");
    List<String> origins = http.getStringList("cors.allowed-origins");
    return new EdgeSecurity(
        new Authenticator(AuthSettings.from(config), verifier, System::nanoTime),
        new RateLimits(
            http.getDouble("limits.requests-per-second"),
            http.getInt("limits.burst"),
            System::nanoTime),
        Set.copyOf(origins),
        System::nanoTime);
  }

  ApiDirectives.Caller caller(io.borealis.http.auth.Identity identity) {
    AuthSettings s = authenticator.settings();
    return new ApiDirectives.Caller(identity, s.anonymousReads(), s.anonymousMetrics());
  }
}
