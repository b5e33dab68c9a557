package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.borealis.node.ClientRunner.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code borealis} client, run in-process through the node's entry point, against a real node
 * on the simulated fleet: what an operator types, what they see, and the exit codes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliTest {

  Node node;
  Path dir;
  ClientRunner client;

  @BeforeAll
  void startNode(@TempDir Path temp) throws Exception {
    dir = temp;
    node =
        Node.start(
            Node.Options.of(temp.resolve("data"))
                .withPort(0)
                .withSettings(
                    Map.of(
                        // The node shares this JVM with the tests: stopping it must not end it.
                        "pekko.coordinated-shutdown.exit-jvm",
                        false,
                        "borealis.backend.kind",
                        "sim",
                        "borealis.backend.sim.auto-run",
                        true,
                        "borealis.backend.sim.start-delay",
                        "20ms")),
            Duration.ofMinutes(2));
    client = new ClientRunner(temp, "test", node.port());
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  Result run(String... args) {
    return client.run(args);
  }

  Result await(Predicate<Result> done, String... args) throws InterruptedException {
    return client.await(Duration.ofSeconds(10), done, args);
  }

  Path jobFile(String name, int instances, double cpu) throws Exception {
    return Files.writeString(
        dir.resolve(name + ".yaml"),
        """
        instances: %d
        service: true
        task:
          processes:
            - name: main
              cmdline: "echo hello; sleep 3600"
          resources: {cpu: %s, ram: 128MB, disk: 256MB, ports: [http]}
        """
            .formatted(instances, cpu));
  }

  String create(String name, int instances) throws Exception {
    String key = "test/www-data/prod/" + name;
    Result r = run("job", "create", key, jobFile(name, instances, 0.5).toString(), "--wait");
    assertThat(r.code()).as(r.toString()).isZero();
    return key;
  }

  static long count(String text, String word) {
    return Pattern.compile("\\b" + word + "\\b").matcher(text).results().count();
  }

  @Test
  void statusSaysWhyAPendingInstanceWaits() throws Exception {
    String key = "test/www-data/prod/toobig";
    Result created = run("job", "create", key, jobFile("toobig", 1, 512).toString());
    assertThat(created.code()).as(created.toString()).isZero();

    Result status = await(r -> r.out().contains("Insufficient: CPU"), "job", "status", key);

    assertThat(status.out())
        .contains("PENDING")
        .containsPattern("Insufficient: CPU \\(needs 512(\\.\\d+)?, largest free [\\d.]+\\)");
    assertThat(run("job", "status", key, "-o", "json").out()).contains("\"pending_reason\"");
    assertThat(run("job", "killall", key).code()).isZero();
  }

  @Test
  void oneLauncherRunsTheServerAndTheClient() {
    Result help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("server", "job", "task");
  }

  @Test
  void createPrintsTheJobUrlAndWaitsForRunning() throws Exception {
    Result r =
        run("job", "create", "test/www-data/prod/hello", jobFile("hello", 2, 0.5).toString());
    assertThat(r.code()).as(r.toString()).isZero();
    // Issue 8, item 13: the URL answers (the web UI's /scheduler/... did not exist).
    String url = "http://127.0.0.1:" + node.port() + "/api/v1/jobs/www-data/prod/hello";
    assertThat(r.out())
        .isEqualTo("2 new tasks pending for job www-data/prod/hello\nJob url: " + url + "\n");
    // Reads see writes (issue 7): the URL answers at once, with no retry.
    HttpResponse<String> job =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString());
    assertThat(job.statusCode()).isEqualTo(200);

    Result waited =
        run(
            "job",
            "create",
            "test/www-data/prod/waited",
            jobFile("w", 2, 0.5).toString(),
            "--wait");
    assertThat(waited.code()).as(waited.toString()).isZero();
    assertThat(waited.out()).contains("2 instances: 2 RUNNING", "All 2 instances are up.");

    Result again =
        run("job", "create", "test/www-data/prod/waited", jobFile("w", 2, 0.5).toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("Conflict", "already exists");

    // Issue 8, item 9: with -o json the refusal is one JSON document on stdout.
    Result json =
        run(
            "job",
            "create",
            "test/www-data/prod/waited",
            jobFile("w", 2, 0.5).toString(),
            "-o",
            "json");
    assertThat(json.code()).isEqualTo(1);
    JsonNode error = new ObjectMapper().readTree(json.out()).get("error");
    assertThat(error.get("exit_code").asInt()).isEqualTo(1);
    assertThat(error.at("/problem/status").asInt()).isEqualTo(409);
  }

  @Test
  void createWaitAfterKillAllJudgesTheNewTasksNotTheKilledOnes() throws Exception {
    // Issue 8, item 7: it failed at once with "instance 0 is KILLED".
    String key = create("again", 1);
    assertThat(run("job", "killall", key).code()).isZero();
    await(r -> r.out().contains("KILLED") && !r.out().contains("KILLING"), "job", "status", key);

    Result again = run("job", "create", key, jobFile("again", 1, 0.5).toString(), "--wait");

    assertThat(again.code()).as(again.toString()).isZero();
    assertThat(again.out()).contains("1 instance: 1 RUNNING", "The instance is up.");
  }

  @Test
  void killOfAnInstanceThatDoesNotExistFailsSayingSo() throws Exception {
    // Issue 8, item 12: it printed "No tasks to kill." and exited 0.
    String key = create("fewer", 2);
    Result r = run("job", "kill", key + "/1-3,7");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("borealis: job " + key + " has no instances 2-3,7; nothing was killed\n");
    assertThat(count(run("job", "status", key).out(), "RUNNING")).isEqualTo(2);
  }

  @Test
  void keyPartsDotAndDotDotAreRefusedBeforeSending() throws Exception {
    // Issue 8, item 10: they failed at create with "No resource at /api/v1/jobs/www-data/prod/".
    for (String key : new String[] {"test/www-data/prod/..", "test/www-data/./x"}) {
      Result r = run("job", "create", key, jobFile("dots", 1, 0.5).toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains("may not be '").doesNotContain("No resource", "instance id");
    }
  }

  @Test
  void aBadJobFileGetsEveryBadFieldListed() throws Exception {
    Path bad =
        Files.writeString(
            dir.resolve("bad.yaml"),
            """
            instances: 0
            task:
              processes: []
              resources: {cpu: -1, ram: 0MB, disk: 256MB}
            """);
    Result r = run("job", "create", "test/www-data/prod/bad", bad.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("borealis: Bad Request:")
        .contains(
            "\n  instances: ",
            "\n  task.processes: ",
            "\n  task.resources.cpu: must be > 0",
            "\n  task.resources.ram: must be > 0");
  }

  @Test
  void statusShowsEachInstanceWithItsHostAndPorts() throws Exception {
    String key = create("status", 2);

    Result table = await(r -> count(r.out(), "RUNNING") == 2, "job", "status", key);
    assertThat(table.out().lines().findFirst().orElseThrow()).startsWith("INSTANCE  STATUS   HOST");
    assertThat(table.out())
        .containsPattern(
            "(?m)^0\\s+RUNNING\\s+agent-\\d+\\s+http=31\\d{3}\\s+[0-9a-f]{8}\\s+0\\s+-$")
        .containsPattern("(?m)^1\\s+RUNNING\\s+agent-\\d+\\s+http=31\\d{3}\\s+");

    Result json = run("job", "status", key + "/1", "-o", "json");
    JsonNode page = new ObjectMapper().readTree(json.out());
    assertThat(page.get("total").asInt()).isEqualTo(1);
    assertThat(page.get("items").get(0).get("instance_id").asInt()).isEqualTo(1);
    assertThat(page.get("items").get(0).get("status").asText()).isEqualTo("RUNNING");
  }

  @Test
  void listShowsTheJobsOfARole() throws Exception {
    String key = create("listed", 1);
    Result r = await(x -> x.out().contains(key), "job", "list", "test/www-data");
    assertThat(r.out()).containsPattern("(?m)^JOB\\s+INSTANCES\\s+PENDING\\s+ACTIVE");
    assertThat(r.out()).containsPattern("(?m)^test/www-data/prod/listed\\s+1\\s+0\\s+1\\s+0\\s+0$");
    assertThat(run("job", "list", "test/nobody").out()).isEqualTo("No jobs.\n");
  }

  @Test
  void inspectShowsThePopulatedConfiguration() throws Exception {
    Path file = jobFile("inspected", 3, 0.25);
    Result yaml = run("job", "inspect", "test/www-data/prod/inspected", file.toString());
    assertThat(yaml.code()).as(yaml.toString()).isZero();
    assertThat(yaml.out())
        .contains("name: inspected\n", "instances: 3\n", "max_task_failures: 1\n", "cpu: 0.25");

    Result json =
        run("job", "inspect", "test/www-data/prod/inspected", file.toString(), "-o", "json");
    JsonNode config = new ObjectMapper().readTree(json.out());
    assertThat(config.get("role").asText()).isEqualTo("www-data");
    assertThat(config.at("/update_config/batch_size").asInt()).isEqualTo(1);
  }

  @Test
  void diffShowsWhatAnUpdateWouldChange() throws Exception {
    String key = create("diffed", 2);
    Result r = run("job", "diff", key, jobFile("diffed-more", 4, 1.0).toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .containsPattern("(?m)^add\\s+2-3$")
        .containsPattern("(?m)^update\\s+0-1$")
        .contains("Instances 0-1:\n", "  task.resources.cpu: 0.5 -> 1.0\n");
  }

  @Test
  void killRestartAddAndKillAll() throws Exception {
    String key = create("lifecycle", 3);

    Result kill = run("job", "kill", key + "/0");
    assertThat(kill.code()).as(kill.toString()).isZero();
    assertThat(kill.out()).isEqualTo("Killed instance 0 (1 task)\n");
    await(r -> r.out().contains("KILLED"), "job", "status", key + "/0");

    Result restart = run("job", "restart", key + "/1-2");
    assertThat(restart.code()).as(restart.toString()).isZero();
    assertThat(restart.out()).isEqualTo("Restarting instances 1-2 of www-data/prod/lifecycle\n");

    Result add = run("job", "add", key + "/1", "2");
    assertThat(add.code()).as(add.toString()).isZero();
    assertThat(add.out()).contains("2 new tasks pending", "instances 3-4");
    await(r -> count(r.out(), "RUNNING") == 4, "job", "status", key);

    Result killAll = run("job", "killall", key);
    assertThat(killAll.code()).as(killAll.toString()).isZero();
    // Counted in the table of current tasks, not in the previous tasks listed under it.
    Result status =
        await(r -> count(r.out().split("Previous tasks:")[0], "KILLED") == 5, "job", "status", key);
    assertThat(status.out()).doesNotContain("RUNNING");
  }

  @Test
  void mistakesAreUsageErrors() throws Exception {
    Result unknown = run("job", "status", "nowhere/www-data/prod/hello");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown cluster 'nowhere'", "local, test");

    Result missing = run("job", "status", "test/www-data/prod/never-created");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("Not Found");
  }

  @Test
  void logsOfASimulatedTaskFailCleanly() throws Exception {
    // The simulated fleet runs nothing, so no task of it has a sandbox to read.
    String key = create("nologs", 1);
    Result r = run("task", "logs", key + "/0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("borealis: ").doesNotContain("Exception");
  }
}
