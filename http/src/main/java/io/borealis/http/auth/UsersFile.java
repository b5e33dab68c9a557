package io.borealis.http.auth;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The users file: who may log in (a bcrypt hash each, never a clear password) and what their roles
 * allow. HOCON:
 *
 * <pre>
 * users {
 *   alice { password = "$2y$10$...", roles = [admin] }
 *   ci    { password = "$2y$10$...", roles = [www-data] }
 *   pulse { password = "$2y$10$...", roles = [hello-pulser] }
 * }
 * roles {
 *   hello-pulser = ["update:pulse:www-data/prod/hello"]
 * }
 * </pre>
 *
 * Role {@code admin} holds {@code *}. A role named in {@code roles} holds exactly the permissions
 * listed there. Any other role name R is an Aurora role: it holds {@code job:write:R}, {@code
 * update:*:R} and {@code job:read:*}, so its users change the jobs, updates and cron of R only.
 */
public record UsersFile(Map<String, User> users, Map<String, List<Permission>> roles) {

  /** The role that may do everything. */
  public static final String ADMIN = "admin";

  /** One user: the bcrypt hash of the password, and the roles. */
  public record User(String name, String passwordHash, List<String> roles) {}

  public UsersFile {
    users = Map.copyOf(users);
    roles = Map.copyOf(roles);
  }

  /** What {@code user}'s roles allow. */
  public Set<Permission> permissions(User user) {
    Set<Permission> all = new LinkedHashSet<>();
    for (String role : user.roles()) {
      all.addAll(permissionsOf(role));
    }
    return all;
  }

  /** What one role allows (see the class comment). */
  public List<Permission> permissionsOf(String role) {
    if (role.equals(ADMIN)) {
      return List.of(Permission.ALL);
    }
    List<Permission> listed = roles.get(role);
    if (listed != null) {
      return listed;
    }
    return List.of(
        Permission.parse("job:write:" + role),
        Permission.parse("update:*:" + role),
        Permission.parse("job:read:*"));
  }

  public Optional<User> user(String name) {
    return Optional.ofNullable(users.get(name));
  }

  /** Reads and checks a users file; {@link IllegalArgumentException} says what is wrong. */
  public static UsersFile read(Path file) {
    Config config;
    try {
      config =
          ConfigFactory.parseFile(
              file.toFile(),
              ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
    } catch (ConfigException.Parse e) {
      // Not the parser's message: it may quote the text around the error, a password perhaps.
      throw new IllegalArgumentException(
          file
              + " does not parse"
              + (e.origin() != null && e.origin().lineNumber() > 0
                  ? " (line " + e.origin().lineNumber() + ")"
                  : ""));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return of(config, file.toString());
  }

  /** Checks a parsed users file; {@code where} names it in messages. */
  public static UsersFile of(Config config, String where) {
    try {
      // A misspelt key would be read as absent: a user without roles, say. Refuse it instead.
      for (String key : config.root().keySet()) {
        if (!key.equals("users") && !key.equals("roles")) {
          throw new IllegalArgumentException(
              where + ": unknown section '" + key + "' (the file has users and roles)");
        }
      }
      Map<String, List<Permission>> roles = new LinkedHashMap<>();
      if (config.hasPath("roles")) {
        for (Map.Entry<String, ConfigValue> e : config.getObject("roles").entrySet()) {
          String role = e.getKey();
          if (role.equals(ADMIN)) {
            throw new IllegalArgumentException(where + ": role 'admin' is built in (it holds *)");
          }
          List<Permission> permissions = new ArrayList<>();
          for (String p : config.getStringList("roles." + ConfigUtil.quoteString(role))) {
            try {
              permissions.add(Permission.parse(p));
            } catch (IllegalArgumentException bad) {
              throw new IllegalArgumentException(
                  where + ": role " + role + ": " + bad.getMessage());
            }
          }
          roles.put(role, List.copyOf(permissions));
        }
      }
      Map<String, User> users = new LinkedHashMap<>();
      if (config.hasPath("users")) {
        for (String name : config.getObject("users").keySet()) {
          Config u = config.getConfig("users." + ConfigUtil.quoteString(name));
          if (name.isEmpty() || name.contains(":")) {
            throw new IllegalArgumentException(
                where + ": user name '" + name + "' must be non-empty and without ':'");
          }
          for (String key : u.root().keySet()) {
            if (!key.equals("password") && !key.equals("roles")) {
              throw new IllegalArgumentException(
                  where
                      + ": user "
                      + name
                      + ": unknown field '"
                      + key
                      + "' (a user has password and roles)");
            }
          }
          String hash = u.getString("password");
          if (!Passwords.isHash(hash)) {
            // Never echo the value: it may be a clear password someone typed in.
            throw new IllegalArgumentException(
                where
                    + ": user "
                    + name
                    + ": password must be a bcrypt hash (write it with `borealis admin"
                    + " passwd`), never a clear password");
          }
          List<String> userRoles = u.hasPath("roles") ? u.getStringList("roles") : List.of();
          users.put(name, new User(name, hash, List.copyOf(userRoles)));
        }
      }
      return new UsersFile(users, roles);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
