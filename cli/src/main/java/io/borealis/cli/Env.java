package io.borealis.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What the client reads from the world around it, passed in so that tests never see the real {@code
 * /etc}, {@code $HOME} or terminal.
 *
 * @param variables the environment variables ({@code BOREALIS_CONFIG_ROOT})
 * @param home the user's home directory ({@code ~/.borealis/clusters.json})
 * @param terminal whether stdout is a terminal (progress redraws one line in place)
 * @param pollInterval the least time between two polls of the scheduler while waiting
 */
public record Env(
    Map<String, String> variables, Path home, boolean terminal, Duration pollInterval) {

  static final Path DEFAULT_CONFIG_ROOT = Path.of("/etc/borealis");

  public Env {
    variables = Map.copyOf(variables);
  }

  /** The real environment of this process. */
  public static Env system() {
    return new Env(
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        System.console() != null,
        Duration.ofSeconds(1));
  }

  /** The folder of the system-wide {@code clusters.json}. */
  Path configRoot() {
    String root = variables.get("BOREALIS_CONFIG_ROOT");
    return root == null || root.isBlank() ? DEFAULT_CONFIG_ROOT : Path.of(root);
  }
}
