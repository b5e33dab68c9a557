package io.borealis.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * What the client reads from the world around it, passed in so that tests never see the real {@code
 * /etc}, {@code $HOME}, terminal or clock.
 *
 * @param variables the environment variables ({@code BOREALIS_CONFIG_ROOT})
 * @param home the user's home directory ({@code ~/.borealis/clusters.json})
 * @param terminal whether stdout is a terminal (progress redraws one line in place)
 * @param pollInterval the least time between two polls of the scheduler while waiting
 * @param clock the time, for deadlines and {@code Retry-After} dates
 * @param sleeper how the client waits: between polls, and before a retry
 */
public record Env(
    Map<String, String> variables,
    Path home,
    boolean terminal,
    Duration pollInterval,
    Clock clock,
    Sleeper sleeper) {

  static final Path DEFAULT_CONFIG_ROOT = Path.of("/etc/borealis");

  /** Milliseconds from now until {@code deadline} (negative once it has passed). */
  long millisUntil(java.time.Instant deadline) {
    return Duration.between(clock.instant(), deadline).toMillis();
  }

  /** Waits {@code millis} (none if negative); an interrupt ends the command. */
  void pause(long millis) {
    try {
      sleeper.sleep(Duration.ofMillis(Math.max(0, millis)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.refused("interrupted while waiting");
    }
  }

  /** Waits; a test's sleeper advances its clock instead. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;

    Sleeper REAL = d -> Thread.sleep(Math.max(0, d.toMillis()));
  }

  public Env {
    variables = Map.copyOf(variables);
  }

  /** With the real clock and real sleeps. */
  public Env(Map<String, String> variables, Path home, boolean terminal, Duration pollInterval) {
    this(variables, home, terminal, pollInterval, Clock.systemUTC(), Sleeper.REAL);
  }

  /** The real environment of this process. */
  public static Env system() {
    return new Env(
        System.getenv(),
        home(System.getenv(), System.getProperty("user.home")),
        System.console() != null,
        Duration.ofSeconds(1));
  }

  /**
   * {@code $HOME} when it is set, as every Unix tool reads it (a CI job or a user may point it
   * elsewhere); else what Java believes, which comes from the password database.
   */
  static Path home(Map<String, String> variables, String userHome) {
    String home = variables.get("HOME");
    return Path.of(home == null || home.isBlank() ? userHome : home);
  }

  /** The folder of the system-wide {@code clusters.json}. */
  Path configRoot() {
    String root = variables.get("BOREALIS_CONFIG_ROOT");
    return root == null || root.isBlank() ? DEFAULT_CONFIG_ROOT : Path.of(root);
  }
}
