package io.borealis.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code {{...}}} templating of command lines, health checks and environments. */
class PlaceholdersTest {

  /** The port names the job parser accepts. */
  private static final Pattern PORT_NAME = Pattern.compile("^[A-Za-z0-9_\\-]+$");

  private static final Placeholders.Values VALUES =
      new Placeholders.Values(
          new InstanceKey(new JobKey("www-data", "prod", "hello"), 3),
          "www-data-prod-hello-3-1a2b",
          "agent1.example.com",
          Map.of("http", 31000, "health", 31001));

  // -------------------------------------------------------------------------------------------
  // problems

  @Test
  void findsNoProblemsInTextWithoutPlaceholders() {
    assertThat(Placeholders.problems("python3 -m http.server 8080 {not} {one}", PORT_NAME))
        .isEmpty();
  }

  @Test
  void acceptsEveryKnownPlaceholder() {
    String text =
        "{{mesos.instance}} {{mesos.hostname}} {{thermos.task_id}} {{role}} {{environment}}"
            + " {{name}} {{thermos.ports[http]}} {{thermos.ports[admin_2-b]}}";

    assertThat(Placeholders.problems(text, PORT_NAME)).isEmpty();
  }

  @Test
  void reportsAnUnknownPlaceholder() {
    assertThat(Placeholders.problems("run --id {{thermos.task}}", PORT_NAME))
        .containsExactly(
            new Placeholders.Problem("thermos.task", "unknown placeholder {{thermos.task}}"));
  }

  @Test
  void reportsAPortWithoutANameAsUnknown() {
    assertThat(Placeholders.problems("{{thermos.ports[]}}", PORT_NAME))
        .containsExactly(
            new Placeholders.Problem("thermos.ports[]", "unknown placeholder {{thermos.ports[]}}"));
  }

  @Test
  void reportsABadPortName() {
    assertThat(Placeholders.problems("--port={{thermos.ports[ht.tp]}}", PORT_NAME))
        .containsExactly(
            new Placeholders.Problem(
                "thermos.ports[ht.tp]",
                "port name 'ht.tp' in {{thermos.ports[ht.tp]}} is not valid"));
  }

  @Test
  void reportsEveryProblemOnceInOrderOfAppearance() {
    assertThat(
            Placeholders.problems("{{b}} {{role}} {{a}} {{b}} {{thermos.ports[x y]}}", PORT_NAME))
        .extracting(Placeholders.Problem::reference)
        .containsExactly("b", "a", "thermos.ports[x y]");
  }

  @Test
  void toleratesWhitespaceAroundThePlaceholderInsideTheBraces() {
    assertThat(Placeholders.problems("{{ role }} {{\tthermos.ports[http]  }}", PORT_NAME))
        .isEmpty();
  }

  @Test
  void reportsAnUnknownPlaceholderWithoutTheWhitespaceAroundIt() {
    assertThat(Placeholders.problems("{{  rolle }}", PORT_NAME))
        .containsExactly(new Placeholders.Problem("rolle", "unknown placeholder {{rolle}}"));
  }

  @Test
  void rejectsWhitespaceInsideThePortName() {
    assertThat(Placeholders.problems("{{thermos.ports[ http ]}}", PORT_NAME))
        .containsExactly(
            new Placeholders.Problem(
                "thermos.ports[ http ]",
                "port name ' http ' in {{thermos.ports[ http ]}} is not valid"));
  }

  @Test
  void rejectsWhitespaceInsideAScalarName() {
    assertThat(Placeholders.problems("{{mesos. instance}}", PORT_NAME))
        .extracting(Placeholders.Problem::reference)
        .containsExactly("mesos. instance");
  }

  // -------------------------------------------------------------------------------------------
  // ports

  @Test
  void listsPortsInOrderOfAppearance() {
    assertThat(
            Placeholders.ports(
                "--health={{thermos.ports[health]}} --http={{thermos.ports[http]}}"
                    + " --admin={{thermos.ports[admin]}}"))
        .containsExactly("health", "http", "admin");
  }

  @Test
  void listsARepeatedPortOnce() {
    assertThat(
            Placeholders.ports(
                "{{thermos.ports[http]}} {{thermos.ports[admin]}} {{ thermos.ports[http] }}"))
        .containsExactly("http", "admin");
  }

  @Test
  void listsNoPortsForScalarsOrUnknownPlaceholders() {
    assertThat(Placeholders.ports("{{role}} {{mesos.instance}} {{thermos.portz[http]}} plain"))
        .isEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // fill

  @ParameterizedTest
  @CsvSource({
    "{{mesos.instance}}, 3",
    "{{mesos.hostname}}, agent1.example.com",
    "{{thermos.task_id}}, www-data-prod-hello-3-1a2b",
    "{{role}}, www-data",
    "{{environment}}, prod",
    "{{name}}, hello",
  })
  void fillsEveryScalar(String placeholder, String value) {
    assertThat(Placeholders.fill("x=" + placeholder + ";", VALUES)).isEqualTo("x=" + value + ";");
  }

  @Test
  void fillsPorts() {
    assertThat(
            Placeholders.fill(
                "serve --port={{thermos.ports[http]}} --health={{ thermos.ports[health] }}",
                VALUES))
        .isEqualTo("serve --port=31000 --health=31001");
  }

  @Test
  void fillsEveryOccurrenceAndLeavesTheTextAround() {
    assertThat(
            Placeholders.fill(
                "/srv/{{role}}/{{name}}/{{mesos.instance}} {{name}}:{{thermos.ports[http]}}",
                VALUES))
        .isEqualTo("/srv/www-data/hello/3 hello:31000");
  }

  @Test
  void leavesAPortWithoutAValueAsWritten() {
    assertThat(
            Placeholders.fill(
                "--admin={{thermos.ports[admin]}} --x={{ thermos.ports[x] }} {{role}}", VALUES))
        .isEqualTo("--admin={{thermos.ports[admin]}} --x={{ thermos.ports[x] }} www-data");
  }

  @Test
  void leavesAnUnknownPlaceholderAsWritten() {
    assertThat(Placeholders.fill("{{thermos.task}} {{name}}", VALUES))
        .isEqualTo("{{thermos.task}} hello");
  }

  @Test
  void insertsDollarsAndBackslashesInValuesLiterally() {
    Placeholders.Values values =
        new Placeholders.Values(
            new InstanceKey(new JobKey("www-data", "prod", "hello"), 0),
            "task$1\\$0",
            "host\\1$2",
            Map.of());

    assertThat(Placeholders.fill("{{thermos.task_id}} on {{mesos.hostname}}", values))
        .isEqualTo("task$1\\$0 on host\\1$2");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "python3 -m http.server 8080",
        "echo $HOME \\n $1 \\$0",
        "awk '{print $1}' {single} { {role} } {{}",
      })
  void leavesTextWithoutPlaceholdersUnchanged(String text) {
    assertThat(Placeholders.fill(text, VALUES)).isEqualTo(text);
  }
}
