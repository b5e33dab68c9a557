package io.borealis.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PermissionTest {

  // ---------------------------------------------------------------------------------------------
  // Exhaustive: every granted permission of up to three parts (each part one or two sub-parts of
  // a, b, "a,b" or *) against every required one of up to three parts of a and b, compared with
  // the rule as the README states it, evaluated on the text.

  private static final List<String> NAMES = List.of("a", "b", "a,b", "*");

  @Test
  void everyGrantAgainstEveryRequirementFollowsTheStatedRule() {
    List<String> grants = texts(partsOf(NAMES), 3);
    List<String> requirements = texts(partsOf(List.of("a", "b")), 3);
    int checked = 0;
    for (String g : grants) {
      Permission granted = Permission.parse(g);
      for (String r : requirements) {
        assertThat(granted.implies(required(r))).as("%s implies %s", g, r).isEqualTo(rule(g, r));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(100_000);
  }

  /** The README's rule, on the text: place by place, a shorter grant covers what follows. */
  private static boolean rule(String granted, String required) {
    String[] g = granted.split(":");
    String[] r = required.split(":");
    for (int i = 0; i < Math.max(g.length, r.length); i++) {
      if (i >= g.length) {
        return true;
      }
      if (i >= r.length) {
        if (!Arrays.stream(g[i].split("/")).allMatch(s -> s.equals("*"))) {
          return false;
        }
        continue;
      }
      String[] gs = g[i].split("/");
      String[] rs = r[i].split("/");
      for (int j = 0; j < gs.length; j++) {
        if (j >= rs.length) {
          if (!gs[j].equals("*")) {
            return false;
          }
        } else if (!gs[j].equals("*") && !Arrays.asList(gs[j].split(",")).contains(rs[j])) {
          return false;
        }
      }
    }
    return true;
  }

  private static List<String> partsOf(List<String> names) {
    List<String> parts = new ArrayList<>(names);
    for (String x : names) {
      for (String y : names) {
        parts.add(x + "/" + y);
      }
    }
    return parts;
  }

  private static List<String> texts(List<String> parts, int most) {
    List<String> all = new ArrayList<>();
    List<String> level = List.of("");
    for (int n = 1; n <= most; n++) {
      List<String> next = new ArrayList<>();
      for (String prefix : level) {
        for (String p : parts) {
          next.add(prefix.isEmpty() ? p : prefix + ":" + p);
        }
      }
      all.addAll(next);
      level = next;
    }
    return all;
  }

  private static Permission.Required required(String text) {
    List<List<String>> parts = new ArrayList<>();
    for (String part : text.split(":")) {
      parts.add(List.of(part.split("/")));
    }
    return new Permission.Required(parts);
  }

  // ---------------------------------------------------------------------------------------------
  // The permissions of the brief, by name

  @ParameterizedTest
  @CsvSource({
    "*, job:write:www-data, true",
    "*, update:pulse:www-data/prod/hello, true",
    "job:write:www-data, job:write:www-data, true",
    "job:write:www-data, job:write:other, false",
    "job:write:www-data, job:read:www-data, false",
    "job:read:*, job:read:www-data, true",
    "job:read:*, job:write:www-data, false",
    "update:*:www-data, update:pulse:www-data/prod/hello, true",
    "update:*:www-data, update:start:www-data/devel/x, true",
    "update:*:www-data, update:pulse:other/prod/hello, false",
    "update:pulse:www-data/prod/hello, update:pulse:www-data/prod/hello, true",
    "update:pulse:www-data/prod/hello, update:pulse:www-data/prod/other, false",
    "update:pulse:www-data/prod/hello, update:pause:www-data/prod/hello, false",
    "update:pulse:www-data/*/hello, update:pulse:www-data/devel/hello, true",
    "quota:write, quota:write:www-data, true",
    "admin:*, admin:backup, true",
    "admin:*, maintenance:write, false",
  })
  void namedCases(String granted, String required, boolean implied) {
    assertThat(Permission.parse(granted).implies(required(required))).isEqualTo(implied);
  }

  @Test
  void aLiteralStarOrSeparatorInARequiredNameIsImpliedOnlyByAWildcard() {
    var star = Permission.Required.of("job", "write", "*");
    var colon = Permission.Required.of("job", "write", "www-data:x");

    assertThat(Permission.parse("job:write:www-data").implies(star)).isFalse();
    assertThat(Permission.parse("job:write:*").implies(star)).isTrue();
    assertThat(Permission.parse("job:write:www-data").implies(colon)).isFalse();
    assertThat(Permission.parse("job:write:*").implies(colon)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "job::write", "job:write:", ":job", "job:a,", "job:a/", "a b"})
  void malformedPermissionsAreRefused(String text) {
    assertThatThrownBy(() -> Permission.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStarListedWithNamesIsRefused() {
    assertThatThrownBy(() -> Permission.parse("job:a,*"))
        .hasMessageContaining("'*' with other names");
  }
}
