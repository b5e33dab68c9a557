package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.http.auth.Passwords;
import io.borealis.http.auth.UsersFile;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code borealis admin passwd}: hashes only, roles kept or set, other users untouched. */
class PasswdTest {

  @TempDir Path dir;

  private int passwd(String stdin, String... args) {
    StringWriter out = new StringWriter();
    return new CommandLine(
            new Passwd(() -> null, () -> new BufferedReader(new StringReader(stdin))))
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(out, true))
        .execute(args);
  }

  @Test
  void writesAHashSetsRolesAndKeepsThemAndTheOtherUsers() throws Exception {
    Path file = dir.resolve("conf").resolve("users.conf");

    assertThat(
            passwd(
                "first-Pw\n",
                "ci",
                "--auth-conf",
                file.toString(),
                "--role",
                "www-data",
                "--cost",
                "4"))
        .isZero();
    assertThat(
            passwd(
                "root-Pw\n",
                "root",
                "--auth-conf",
                file.toString(),
                "--role",
                "admin",
                "--cost",
                "4"))
        .isZero();
    assertThat(passwd("second-Pw\n", "ci", "--auth-conf", file.toString(), "--cost", "4")).isZero();

    String text = Files.readString(file);
    assertThat(text)
        .doesNotContain("first-Pw")
        .doesNotContain("second-Pw")
        .doesNotContain("root-Pw");
    UsersFile users = UsersFile.read(file);
    UsersFile.User ci = users.user("ci").orElseThrow();
    assertThat(ci.roles()).isEqualTo(List.of("www-data"));
    assertThat(Passwords.matches(ci.passwordHash(), "second-Pw".toCharArray())).isTrue();
    assertThat(users.user("root").orElseThrow().roles()).containsExactly("admin");
    assertThat(Files.list(file.getParent())).containsExactly(file);
  }

  @Test
  void refusesAnEmptyPasswordAndABadUserNameChangingNothing() throws Exception {
    Path file = dir.resolve("users.conf");

    assertThat(passwd("\n", "ci", "--auth-conf", file.toString())).isEqualTo(1);
    assertThat(passwd("pw\n", "c:i", "--auth-conf", file.toString())).isEqualTo(2);
    assertThat(file).doesNotExist();
  }
}
