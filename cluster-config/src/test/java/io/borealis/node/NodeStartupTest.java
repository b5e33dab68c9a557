package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator reads when a node starts, in its own JVM as {@code borealis server} runs it: a
 * clean log when it starts, and one clear line, without a stack trace, when it cannot.
 */
class NodeStartupTest {

  private static final String SIM = "borealis.backend.kind = sim\n";

  @TempDir Path temp;

  @Test
  void aNodeWhosePortIsTakenSaysSoInOneLineAndExits() throws Exception {
    NodeProcess node = new NodeProcess(Files.createDirectories(temp.resolve("clash")), SIM);
    try (ServerSocket other = new ServerSocket(node.port())) {
      int exitCode = node.startExpectingExit(Duration.ofSeconds(60));

      String output = node.output();
      assertThat(exitCode).as(output).isEqualTo(1);
      assertThat(output)
          .contains(
              "Port "
                  + node.port()
                  + " is already in use: stop the other process or choose another with --port")
          .doesNotContain("Exception")
          .doesNotContain("\tat ");
      assertThat(output.lines().filter(l -> !l.isBlank())).as(output).hasSizeLessThanOrEqualTo(3);
    } finally {
      node.close();
    }
  }

  @Test
  void aNodeWhoseDataDirectoryAnotherNodeUsesSaysSoInOneLineAndExits() throws Exception {
    Path shared = Files.createDirectories(temp.resolve("shared"));
    try (NodeProcess first = new NodeProcess(shared, SIM).start();
        NodeProcess second = new NodeProcess(shared, SIM)) {
      int exitCode = second.startExpectingExit(Duration.ofSeconds(60));

      String output = second.output();
      assertThat(exitCode).as(output).isEqualTo(1);
      assertThat(output.strip())
          .isEqualTo(
              "borealis: The data directory "
                  + shared.toAbsolutePath().normalize()
                  + " is in use by another node: stop that node or choose another with --data-dir");
      assertThat(first.get("/health")).isNotNull();
    }
  }

  @Test
  void theLogOfANodeThatStartsHasNoStrayEscapesNorSlf4jWarnings() throws Exception {
    try (NodeProcess node =
        new NodeProcess(Files.createDirectories(temp.resolve("clean")), SIM).start()) {
      String output = node.output();
      assertThat(output)
          .contains("Borealis serves on")
          .doesNotContain("\u001b")
          .doesNotContain("SLF4J");
    }
  }
}
