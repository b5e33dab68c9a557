package io.borealis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Job keys (aurora-semantics §1.1): validation messages, parsing and the canonical string. */
class JobKeyTest {

  @Test
  void acceptsWordCharactersDashesAndDots() {
    assertThat(JobKey.validate("www-data", "prod", "hello_world.v2", "")).isEmpty();
  }

  @Test
  void namesEveryMissingPart() {
    assertThat(JobKey.validate(null, "", null, ""))
        .containsExactly(
            new FieldError("role", "is required"),
            new FieldError("environment", "is required"),
            new FieldError("name", "is required"));
  }

  @Test
  void namesThePartWithBadCharactersAndQuotesIt() {
    assertThat(JobKey.validate("www data", "prod", "a/b", ""))
        .containsExactly(
            new FieldError(
                "role", "must contain only letters, digits, '_', '-' and '.' (got 'www data')"),
            new FieldError(
                "name", "must contain only letters, digits, '_', '-' and '.' (got 'a/b')"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a b", "a/b", "a:b", "a*b", "é+", "\n"})
  void rejectsCharactersOutsideWordDashAndDot(String part) {
    assertThat(JobKey.validate("www-data", "prod", part, ""))
        .extracting(FieldError::field)
        .containsExactly("name");
  }

  @Test
  void limitsEachPartOfANewKeyTo64Characters() {
    assertThat(JobKey.validate("r".repeat(64), "e".repeat(64), "n".repeat(64), "")).isEmpty();
    assertThat(JobKey.validate("r".repeat(65), "prod", "n".repeat(245), ""))
        .containsExactly(
            new FieldError("role", "must be at most 64 characters (got 65)"),
            new FieldError("name", "must be at most 64 characters (got 245)"));
  }

  @ParameterizedTest
  @ValueSource(strings = {".", ".."})
  void refusesAPartAUrlWouldResolveAway(String part) {
    assertThat(JobKey.validate("www-data", "prod", part, ""))
        .containsExactly(new FieldError("name", "must not be '.' or '..'"));
    assertThat(JobKey.validate("www-data", "prod", part + ".v2", "")).isEmpty();
  }

  @Test
  void stillBuildsALongerKeyReadBackFromStorage() {
    // Keys made before the limit (up to 255 per part) must replay.
    assertThat(new JobKey("r".repeat(255), "prod", "hello").role()).hasSize(255);
    assertThatThrownBy(() -> new JobKey("r".repeat(256), "prod", "hello"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("role: must be at most 255 characters (got 256)");
  }

  @Test
  void prefixesFieldNames() {
    assertThat(JobKey.validate("", "prod", "hello", "job."))
        .extracting(FieldError::field)
        .containsExactly("job.role");
  }

  @Test
  void refusesToBuildAnInvalidKeyNamingTheField() {
    assertThatThrownBy(() -> new JobKey("www-data", "prod", "hello world"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name: ");
    assertThatThrownBy(() -> new JobKey(null, "prod", "hello"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("role: is required");
  }

  @Test
  void parsesTheCanonicalString() {
    assertThat(JobKey.parse("www-data/prod/hello"))
        .isEqualTo(new JobKey("www-data", "prod", "hello"));
  }

  @Test
  void printsTheCanonicalStringAndRoundTrips() {
    JobKey key = new JobKey("www-data", "staging2", "hello.v2");

    assertThat(key.toString()).isEqualTo("www-data/staging2/hello.v2");
    assertThat(JobKey.parse(key.toString())).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"www-data/prod", "www-data/prod/hello/0", "hello", ""})
  void rejectsAStringWithoutThreeParts(String text) {
    assertThatThrownBy(() -> JobKey.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("role/environment/name");
  }

  @Test
  void rejectsAnEmptyPartWhenParsing() {
    assertThatThrownBy(() -> JobKey.parse("www-data//hello"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("environment: is required");
  }

  @Test
  void namesItsInstances() {
    JobKey key = JobKey.parse("www-data/prod/hello");

    assertThat(key.instance(3)).isEqualTo(new InstanceKey(key, 3));
    assertThat(key.instance(3).toString()).isEqualTo("www-data/prod/hello/3");
  }
}
