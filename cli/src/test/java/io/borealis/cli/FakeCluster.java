package io.borealis.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A cluster named {@code fake} in a clusters.json of its own, served by a {@link FakeScheduler}:
 * the client runs against it as a user would run it, its output and exit code kept.
 */
final class FakeCluster implements AutoCloseable {

  /** What one run of the client did. */
  record Result(int code, String out, String err) {}

  final FakeScheduler scheduler = new FakeScheduler();
  private final Env env;

  FakeCluster(Path temp) throws IOException {
    Path etc = Files.createDirectories(temp.resolve("etc"));
    Files.writeString(
        etc.resolve("clusters.json"),
        "[{\"name\": \"fake\", \"scheduler_uri\": \"http://127.0.0.1:%d\"}]"
            .formatted(scheduler.port()));
    env =
        new Env(
            Map.of("BOREALIS_CONFIG_ROOT", etc.toString()),
            Files.createDirectories(temp.resolve("home")),
            false,
            Duration.ofMillis(10));
  }

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Cli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    scheduler.close();
  }
}
