package io.borealis.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueFactory;
import io.borealis.http.auth.Passwords;
import io.borealis.http.auth.UsersFile;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code borealis admin passwd USER}: sets a user's password (and roles) in the users file. The
 * password is read without echo from the terminal, twice, or as one line from stdin when there is
 * no terminal; only its bcrypt hash is written, and the file is replaced atomically, so a node
 * polling it never reads half a file.
 */
@Command(
    name = "passwd",
    mixinStandardHelpOptions = true,
    description = {
      "Set a user's password (and roles) in the users file of `server --auth-conf`.",
      "Reads the password twice from the terminal without echo, or one line from stdin."
    })
final class Passwd implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "USER", description = "The user name (no ':').")
  String user;

  @Option(
      names = "--auth-conf",
      paramLabel = "FILE",
      description = "The users file (default: borealis.http.auth.users-file); created if absent.")
  Path file;

  @Option(
      names = "--role",
      paramLabel = "ROLE",
      description =
          "A role of the user (repeat for several; 'admin' may do everything). Without it a"
              + " user keeps their roles.")
  List<String> roles;

  @Option(
      names = "--cost",
      paramLabel = "N",
      description = "bcrypt work factor (default: ${DEFAULT-VALUE}).",
      defaultValue = "" + Passwords.DEFAULT_COST)
  int cost;

  private final Supplier<Console> console;
  private final Supplier<BufferedReader> stdin;

  Passwd() {
    this(
        System::console,
        () -> new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
  }

  Passwd(Supplier<Console> console, Supplier<BufferedReader> stdin) {
    this.console = console;
    this.stdin = stdin;
  }

  @Override
  public Integer call() throws IOException {
    var err = spec.commandLine().getErr();
    if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(Character::isWhitespace)) {
      err.println("borealis: a user name must be non-empty, without ':' or spaces");
      return 2;
    }
    if (cost < 4 || cost > 31) {
      err.println("borealis: --cost must be between 4 and 31");
      return 2;
    }
    Path target = file != null ? file : defaultFile();
    if (target == null) {
      err.println("borealis: name the users file with --auth-conf FILE");
      return 2;
    }
    Config current =
        Files.exists(target)
            ? ConfigFactory.parseFile(
                target.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF))
            : ConfigFactory.empty();
    char[] password = readPassword();
    if (password == null) {
      return 1;
    }
    String hash;
    try {
      hash = Passwords.hash(password, cost, new SecureRandom());
    } finally {
      Arrays.fill(password, '\0');
    }
    String path = "users." + ConfigUtil.quoteString(user);
    Config next = current.withValue(path + ".password", ConfigValueFactory.fromAnyRef(hash));
    if (roles != null) {
      next = next.withValue(path + ".roles", ConfigValueFactory.fromIterable(roles));
    } else if (!current.hasPath(path + ".roles")) {
      next = next.withValue(path + ".roles", ConfigValueFactory.fromIterable(List.of()));
    }
    // Check it as the node will read it before it replaces the file.
    UsersFile.of(next, target.toString());
    write(
        target,
        next.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false)));
    spec.commandLine()
        .getOut()
        .println(
            "Set the password of " + user + " in " + target + " (nodes reload it on their own).");
    return 0;
  }

  private static Path defaultFile() {
    String configured = ConfigFactory.load().getString("borealis.http.auth.users-file");
    return configured.isBlank() ? null : Path.of(configured);
  }

  /** The new password, typed twice; null (after saying why) when it cannot be read. */
  private char[] readPassword() throws IOException {
    var err = spec.commandLine().getErr();
    Console c = console.get();
    if (c != null) {
      char[] first = c.readPassword("New password for %s: ", user);
      char[] second = c.readPassword("Again: ");
      try {
        if (first == null || second == null || !Arrays.equals(first, second)) {
          err.println("borealis: the passwords differ; nothing changed");
          return null;
        }
        if (first.length == 0) {
          err.println("borealis: the password is empty; nothing changed");
          return null;
        }
        return first.clone();
      } finally {
        if (first != null) {
          Arrays.fill(first, '\0');
        }
        if (second != null) {
          Arrays.fill(second, '\0');
        }
      }
    }
    String line = stdin.get().readLine();
    if (line == null || line.isEmpty()) {
      err.println("borealis: no password on stdin; nothing changed");
      return null;
    }
    return line.toCharArray();
  }

  /** Replaces {@code target} with {@code text} at once: a sibling temporary file, then a rename. */
  private static void write(Path target, String text) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, ".users", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the folder's permissions apply.
      }
      Files.writeString(temp, text);
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
