package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code --log-format json} (BOREALIS_LOG_FORMAT): the node's logback.xml writes one JSON object a
 * line, with the MDC's task id, and {@code text} goes back to plain lines.
 */
class LogFormatTest {

  @Test
  void jsonLinesCarryTheMdcAndTextLinesDoNot() throws Exception {
    String json = captured("json");
    String text = captured("text");

    JsonNode line =
        new ObjectMapper()
            .readTree(json.lines().filter(l -> l.contains("launched")).findFirst().orElseThrow());
    assertThat(line.get("level").asText()).isEqualTo("INFO");
    assertThat(line.get("loggerName").asText()).isEqualTo(LogFormatTest.class.getName());
    assertThat(line.get("formattedMessage").asText()).isEqualTo("task launched on agent-1");
    assertThat(line.at("/mdc/task_id").asText()).isEqualTo("www-data-prod-hello-0-abc");
    assertThat(json.lines().filter(l -> l.contains("launched"))).hasSize(1);
    assertThat(text).contains(" INFO ").contains("task launched on agent-1").doesNotContain("{");
    // logback says nothing of its own configuration (it prints its status only on a problem).
    assertThat(json + text).doesNotContain("|-INFO").doesNotContain("|-WARN");
  }

  private static String captured(String format) {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      LogFormat.use(format);
      MDC.put("task_id", "www-data-prod-hello-0-abc");
      LoggerFactory.getLogger(LogFormatTest.class).info("task launched on {}", "agent-1");
    } finally {
      MDC.remove("task_id");
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
