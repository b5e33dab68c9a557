package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobKeyArgTest {

  @Test
  void parsesAKeyWithoutInstances() {
    JobKeyArg key = JobKeyArg.parse("devcluster/www-data/prod/hello");
    assertThat(key.cluster()).isEqualTo("devcluster");
    assertThat(key.role()).isEqualTo("www-data");
    assertThat(key.environment()).isEqualTo("prod");
    assertThat(key.name()).isEqualTo("hello");
    assertThat(key.instances()).isEmpty();
    assertThat(key.jobPath()).isEqualTo("www-data/prod/hello");
    assertThat(key).hasToString("devcluster/www-data/prod/hello");
  }

  @Test
  void parsesInstancesInRangeSyntax() {
    JobKeyArg key = JobKeyArg.parse("local/r/e/n/0-3,7, 9 - 10");
    assertThat(key.instances()).isPresent();
    assertThat(key.instances().get()).hasToString("0-3,7,9-10");
    assertThat(key.instances().get().ids()).containsExactly(0, 1, 2, 3, 7, 9, 10);
    assertThat(key.withoutInstances()).isEqualTo("local/r/e/n");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "hello",
        "local/www-data/hello",
        "local/www-data/prod/hello/0/extra",
        "/www-data/prod/hello",
        "local//prod/hello",
        "local/www data/prod/hello",
        "local/www-data/prod/hel:lo",
        "local/r/e/n/",
        "local/r/e/n/a",
        "local/r/e/n/3-1",
        "local/r/e/n/-1",
        "local/r/e/n/1-",
        "local/r/e/n/0,,2",
        "local/r/e/n/99999999999"
      })
  void rejectsMalformedKeys(String text) {
    assertThatThrownBy(() -> JobKeyArg.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'");
  }

  @Test
  void namesTheBadPart() {
    assertThatThrownBy(() -> JobKeyArg.parse("local/www data/prod/hello"))
        .hasMessageContaining("role 'www data'");
    assertThatThrownBy(() -> JobKeyArg.parse("local/r/e/n/3-1"))
        .hasMessageContaining("'3-1' is not a range of instance ids");
    assertThatThrownBy(() -> JobKeyArg.parse("local/r/e")).hasMessageContaining("CLUSTER/ROLE");
  }

  @Test
  void refusesDotAndDotDotWhichNoUrlPathCanCarry() {
    // Issue 8, item 10: they passed here and failed confusingly at the scheduler.
    assertThatThrownBy(() -> JobKeyArg.parse("local/www-data/prod/.."))
        .hasMessage("the name in 'local/www-data/prod/..' may not be '..'");
    assertThatThrownBy(() -> JobKeyArg.parse("local/./prod/x/0"))
        .hasMessage("the role in 'local/./prod/x/0' may not be '.'");
    assertThat(JobKeyArg.parse("local/www-data/prod/.hidden..x").name()).isEqualTo(".hidden..x");
  }

  @Test
  void limitsEachPartToWhatTheSchedulerAccepts() {
    String longest = "n".repeat(64);
    assertThat(JobKeyArg.parse("local/r/prod/" + longest).name()).isEqualTo(longest);
    assertThatThrownBy(() -> JobKeyArg.parse("local/r/prod/" + longest + "n"))
        .hasMessageContaining("the name '")
        .hasMessageEndingWith("(at most 64)");
  }

  @Test
  void commandsCheckWhetherTheyTakeInstances() {
    JobKeyArg whole = JobKeyArg.parse("local/r/e/n");
    JobKeyArg some = JobKeyArg.parse("local/r/e/n/0-2");
    JobKeyArg one = JobKeyArg.parse("local/r/e/n/4");

    assertThat(whole.requireNoInstances()).isSameAs(whole);
    assertThatThrownBy(some::requireNoInstances)
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.USAGE));
    assertThat(one.requireSingleInstance()).isEqualTo(4);
    assertThat(JobKeyArg.parse("local/r/e/n/4,4").requireSingleInstance()).isEqualTo(4);
    assertThatThrownBy(some::requireSingleInstance)
        .isInstanceOf(CliException.class)
        .hasMessageContaining("single instance");
    assertThatThrownBy(whole::requireSingleInstance).isInstanceOf(CliException.class);
  }

  @Test
  void formatsIdsAsRanges() {
    assertThat(InstanceSet.format(java.util.List.of(5, 0, 1, 2, 9, 10))).isEqualTo("0-2,5,9-10");
    assertThat(InstanceSet.format(java.util.List.of())).isEmpty();
    assertThat(InstanceSet.parse("7").isSingle()).isTrue();
    assertThat(InstanceSet.parse("0-99999999").toString()).isEqualTo("0-99999999");
  }
}
