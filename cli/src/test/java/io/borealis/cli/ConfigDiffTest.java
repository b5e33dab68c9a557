package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {

  static JsonNode json(String s) throws Exception {
    return Json.JSON.readTree(s);
  }

  @Test
  void listsEachChangedLeafByPath() throws Exception {
    JsonNode before =
        json(
            "{\"service\": true, \"task\": {\"processes\": [{\"cmdline\": \"a\"}],"
                + " \"resources\": {\"cpu\": 0.5, \"ports\": [\"http\"]}}, \"metadata\": {}}");
    JsonNode after =
        json(
            "{\"service\": true, \"task\": {\"processes\": [{\"cmdline\": \"b\"}],"
                + " \"resources\": {\"cpu\": 1.0, \"ports\": [\"http\", \"admin\"]}},"
                + " \"metadata\": {\"team\": \"web\"}}");

    assertThat(ConfigDiff.lines(before, after))
        .containsExactly(
            "metadata: {} -> (none)",
            "metadata.team: (none) -> \"web\"",
            "task.processes[0].cmdline: \"a\" -> \"b\"",
            "task.resources.cpu: 0.5 -> 1.0",
            "task.resources.ports[1]: (none) -> \"admin\"");
    assertThat(ConfigDiff.lines(after, after)).isEmpty();
  }
}
