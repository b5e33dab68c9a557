package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobFilesTest {

  static final JobKeyArg KEY = JobKeyArg.parse("devcluster/www-data/prod/hello");

  @TempDir Path temp;

  Path file(String name, String content) throws IOException {
    return Files.writeString(temp.resolve(name), content);
  }

  static void assertUsage(ThrowingRunnable r, String message) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(CliException.USAGE))
        .hasMessageContaining(message);
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void readsYamlAndFillsTheKey() throws IOException {
    Path f =
        file(
            "hello.yaml",
            """
            # comments are fine
            instances: 2
            service: true
            task:
              processes:
                - {name: hello, cmdline: "echo hello"}
              resources: {cpu: 0.5, ram: 128MB, disk: 256MB, ports: [http]}
            """);

    ObjectNode job = JobFiles.load(f, KEY);

    assertThat(job.get("role").asText()).isEqualTo("www-data");
    assertThat(job.get("environment").asText()).isEqualTo("prod");
    assertThat(job.get("name").asText()).isEqualTo("hello");
    assertThat(job.has("cluster")).isFalse();
    assertThat(job.get("instances").asInt()).isEqualTo(2);
    assertThat(job.at("/task/resources/cpu").asDouble()).isEqualTo(0.5);
    assertThat(job.at("/task/resources/ram").asText()).isEqualTo("128MB");
    assertThat(job.at("/task/processes/0/cmdline").asText()).isEqualTo("echo hello");
  }

  @Test
  void readsJsonByExtensionAndYamlFilesMayHoldJson() throws IOException {
    String json = "{\"instances\": 1, \"role\": \"www-data\", \"cluster\": \"devcluster\"}";
    assertThat(JobFiles.load(file("a.json", json), KEY).get("instances").asInt()).isEqualTo(1);
    assertThat(JobFiles.load(file("a.yml", json), KEY).get("cluster").asText())
        .isEqualTo("devcluster");
    // YAML in a .json file is a JSON error.
    assertUsage(() -> JobFiles.load(file("b.json", "instances: 1\n"), KEY), "b.json: line 1");
  }

  @Test
  void parseErrorsNameTheLineAndColumn() throws IOException {
    Path yaml = file("bad.yaml", "instances: 2\ntask:\n  processes: [\n  resources: {cpu: 1\n");
    assertUsage(() -> JobFiles.load(yaml, KEY), "bad.yaml: line ");
    Path json = file("bad.json", "{\"instances\": 2,\n  \"task\": }");
    assertUsage(() -> JobFiles.load(json, KEY), "bad.json: line 2, column");
    Path twice = file("twice.yaml", "instances: 1\ninstances: 2\n");
    assertUsage(() -> JobFiles.load(twice, KEY), "Duplicate field 'instances'");
  }

  static String usageMessage(ThrowingRunnable r) {
    try {
      r.run();
    } catch (CliException e) {
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no usage error");
  }

  @Test
  void parseErrorsSayWhatWasExpectedWhereWithoutTheParsersInternals() throws IOException {
    // Issue 8, item 15: "while parsing a block collection" only, and a leaked "Source: REDACTED".
    Path indented =
        file("indent.yaml", "instances: 2\ntask:\n  processes:\n    - name: a\n   cmdline: x\n");
    assertThat(usageMessage(() -> JobFiles.load(indented, KEY)))
        .isEqualTo(
            indented
                + ": line 5, column 4: expected <block end>, but found '<block mapping start>'"
                + " (in the block mapping that starts at line 3, column 3;"
                + " check the indentation)");

    Path list = file("list2.yaml", "instances: [1, 2\ntask: {}\n");
    assertThat(usageMessage(() -> JobFiles.load(list, KEY)))
        .isEqualTo(
            list
                + ": line 2, column 5: expected ',' or ']', but got :"
                + " (in the flow sequence that starts at line 1, column 12)");

    Path json = file("bad2.json", "{\"instances\": 2,\n \"task\": {\"processes\": [}\n}\n");
    assertThat(usageMessage(() -> JobFiles.load(json, KEY)))
        .startsWith(json + ": line 2, column 25: Unexpected close marker '}': expected ']'")
        .contains("(for Array starting at line 2, column 24)")
        .doesNotContain("REDACTED", "Source", "StreamReadFeature");
  }

  @Test
  void aFileThatIsMissingEmptyOrNotAnObjectIsAUsageError() throws IOException {
    assertUsage(() -> JobFiles.load(temp.resolve("nope.yaml"), KEY), "does not exist");
    assertUsage(() -> JobFiles.load(file("empty.yaml", "# nothing\n"), KEY), "empty");
    assertUsage(() -> JobFiles.load(file("list.yaml", "- a\n- b\n"), KEY), "not a list");
    assertUsage(() -> JobFiles.load(temp, KEY), "cannot be read");
  }

  @Test
  void keyFieldsInTheFileMustMatchTheJobKey() throws IOException {
    assertUsage(
        () -> JobFiles.load(file("r.yaml", "role: other\n"), KEY),
        "role is \"other\" but the job key devcluster/www-data/prod/hello says 'www-data': make"
            + " them match, or leave role out of the file (the key gives it)");
    assertUsage(() -> JobFiles.load(file("e.yaml", "environment: devel\n"), KEY), "environment is");
    assertUsage(() -> JobFiles.load(file("n.yaml", "name: bye\n"), KEY), "name is");
    assertUsage(() -> JobFiles.load(file("c.yaml", "cluster: prod\n"), KEY), "cluster is");
    assertUsage(() -> JobFiles.load(file("o.yaml", "name: {a: 1}\n"), KEY), "name is");

    ObjectNode same =
        JobFiles.load(
            file(
                "same.yaml",
                "cluster: devcluster\nrole: www-data\nenvironment: prod\nname: hello\n"),
            KEY);
    assertThat(same.get("cluster").asText()).isEqualTo("devcluster");
  }
}
