package io.borealis.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorTest {

  @TempDir Path dir;

  private final AtomicLong nanos = new AtomicLong(1_000);
  private final AtomicInteger verifications = new AtomicInteger();
  private final Executor verifier =
      r -> {
        verifications.incrementAndGet();
        r.run();
      };

  /** A bcrypt hash at the lowest cost, so that tests run fast. */
  static String hash(String password) {
    return Passwords.hash(password.toCharArray(), 4, new SecureRandom());
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private Path file(String text) throws Exception {
    Path f = dir.resolve("users.conf");
    Files.writeString(f, text);
    return f;
  }

  private Authenticator authenticator(Path file) {
    return new Authenticator(
        new AuthSettings(
            true, Optional.of(file), true, true, Duration.ofSeconds(5), Duration.ofMinutes(5)),
        verifier,
        nanos::get);
  }

  private Authenticator.Outcome check(Authenticator a, String header) {
    return a.authenticate(Optional.of(header)).toCompletableFuture().join();
  }

  private static String users(String... lines) {
    return "users {\n" + String.join("\n", lines) + "\n}\n";
  }

  @Test
  void aUserWithTheRightPasswordIsKnownWithTheirRolesPermissions() throws Exception {
    var a =
        authenticator(
            file(users("ci { password = \"" + hash("s3cret") + "\", roles = [www-data] }")));

    var outcome = check(a, basic("ci", "s3cret"));

    assertThat(outcome).isInstanceOf(Authenticator.Known.class);
    Identity who = ((Authenticator.Known) outcome).identity();
    assertThat(who.user()).isEqualTo("ci");
    assertThat(who.may(Permission.Required.of("job", "write", "www-data"))).isTrue();
    assertThat(who.may(Permission.Required.of("job", "write", "other"))).isFalse();
  }

  @Test
  void aWrongPasswordAnUnknownUserAndAMalformedHeaderAreRefused() throws Exception {
    var a = authenticator(file(users("ci { password = \"" + hash("s3cret") + "\" }")));

    assertThat(check(a, basic("ci", "wrong"))).isInstanceOf(Authenticator.Refused.class);
    assertThat(check(a, basic("nobody", "s3cret"))).isInstanceOf(Authenticator.Refused.class);
    assertThat(check(a, "Bearer xyz")).isInstanceOf(Authenticator.Refused.class);
    assertThat(check(a, "Basic !!!")).isInstanceOf(Authenticator.Refused.class);
  }

  @Test
  void noHeaderIsTheAnonymousCallerAndAuthenticationOffIsUnsecure() throws Exception {
    var a = authenticator(file(users()));
    var off = new Authenticator(AuthSettings.OFF, verifier, nanos::get);

    assertThat(a.authenticate(Optional.empty()).toCompletableFuture().join())
        .isEqualTo(new Authenticator.Known(Identity.ANONYMOUS));
    assertThat(off.authenticate(Optional.of(basic("x", "y"))).toCompletableFuture().join())
        .isEqualTo(new Authenticator.Known(Identity.UNSECURE));
  }

  @Test
  void aSuccessfulCheckIsRememberedForTheCacheTtlOnly() throws Exception {
    var a = authenticator(file(users("ci { password = \"" + hash("s3cret") + "\" }")));

    check(a, basic("ci", "s3cret"));
    check(a, basic("ci", "s3cret"));
    assertThat(verifications).hasValue(1);

    check(a, basic("ci", "other"));
    assertThat(verifications).hasValue(2);

    nanos.addAndGet(Duration.ofMinutes(5).plusSeconds(1).toNanos());
    check(a, basic("ci", "s3cret"));
    assertThat(verifications).hasValue(3);
  }

  @Test
  void aChangedFileIsReloadedAndAChangedPasswordTakesEffect() throws Exception {
    Path f = file(users("ci { password = \"" + hash("old") + "\" }"));
    var a = authenticator(f);
    assertThat(check(a, basic("ci", "old"))).isInstanceOf(Authenticator.Known.class);

    Files.writeString(f, users("ci { password = \"" + hash("new") + "\" }"));
    Files.setLastModifiedTime(
        f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 2000));

    assertThat(a.reloadIfChanged()).isTrue();
    assertThat(check(a, basic("ci", "old"))).isInstanceOf(Authenticator.Refused.class);
    assertThat(check(a, basic("ci", "new"))).isInstanceOf(Authenticator.Known.class);
    assertThat(a.reloadIfChanged()).isFalse();
  }

  @Test
  void aBrokenEditKeepsTheLastGoodFile() throws Exception {
    Path f = file(users("ci { password = \"" + hash("s3cret") + "\" }"));
    var a = authenticator(f);

    Files.writeString(f, "users { ci { password = ");
    Files.setLastModifiedTime(
        f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 2000));

    assertThat(a.reloadIfChanged()).isFalse();
    assertThat(check(a, basic("ci", "s3cret"))).isInstanceOf(Authenticator.Known.class);
    assertThat(a.users().users()).containsOnlyKeys("ci");
  }

  @Test
  void aFileThatDoesNotParseIsNamedByLineWithoutQuotingIt() throws Exception {
    Path f = file("users {\n  ci { password = \"hunter2 }\n");

    assertThatThrownBy(() -> authenticator(f))
        .hasMessageContaining("does not parse")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aClearPasswordInTheFileIsRefusedWithoutRepeatingIt() throws Exception {
    Path f = file(users("ci { password = \"hunter2\" }"));

    assertThatThrownBy(() -> authenticator(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bcrypt")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aMisspeltKeyIsRefusedRatherThanReadAsAbsent() throws Exception {
    // `role` for `roles` would otherwise leave ci without any role.
    Path user = file(users("ci { password = \"" + hash("s3cret") + "\", role = [www-data] }"));
    assertThatThrownBy(() -> authenticator(user))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user ci: unknown field 'role' (a user has password and roles)")
        .hasMessageNotContaining("$2");

    Path section = file(users("ci { password = \"" + hash("s3cret") + "\" }") + "role { }\n");
    assertThatThrownBy(() -> authenticator(section))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown section 'role' (the file has users and roles)");
  }

  @Test
  void rolesMapToPermissions() throws Exception {
    var a =
        authenticator(
            file(
                users(
                        "root { password = \"" + hash("x") + "\", roles = [admin] }",
                        "p { password = \"" + hash("x") + "\", roles = [pulser] }")
                    + "roles { pulser = [\"update:pulse:www-data/prod/hello\"] }\n"));
    UsersFile u = a.users();

    assertThat(u.permissions(u.user("root").orElseThrow())).containsExactly(Permission.ALL);
    assertThat(u.permissions(u.user("p").orElseThrow()))
        .containsExactly(Permission.parse("update:pulse:www-data/prod/hello"));
    assertThat(u.permissionsOf("www-data"))
        .containsExactly(
            Permission.parse("job:write:www-data"),
            Permission.parse("update:*:www-data"),
            Permission.parse("job:read:*"));
  }
}
