package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.cli.Env;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The {@code borealis} client run in-process through the node's entry point, as a user would type
 * it, with a {@code clusters.json} of its own that names one cluster at a node's port.
 */
final class ClientRunner {

  record Result(int code, String out, String err) {}

  private final Env env;

  ClientRunner(Path dir, String cluster, int port) throws IOException {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Files.writeString(
        etc.resolve("clusters.json"),
        "[{\"name\": \"" + cluster + "\", \"scheduler_uri\": \"http://127.0.0.1:" + port + "\"}]");
    env =
        new Env(
            Map.of("BOREALIS_CONFIG_ROOT", etc.toString()),
            Files.createDirectories(dir.resolve("home")),
            false,
            Duration.ofMillis(50));
  }

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.commandLine(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                env)
            .execute(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs a command until its result satisfies {@code done}: reads trail writes a little. */
  Result await(Duration within, Predicate<Result> done, String... args)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(within);
    Result r = run(args);
    while (!done.test(r) && Instant.now().isBefore(deadline)) {
      Thread.sleep(100);
      r = run(args);
    }
    assertThat(done).as("%s gave %s", String.join(" ", args), r).accepts(r);
    return r;
  }
}
