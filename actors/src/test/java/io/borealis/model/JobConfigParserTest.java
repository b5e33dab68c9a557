package io.borealis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The job file of {@code job-config.md} turned into a {@link JobConfiguration}: the populated
 * example, Aurora's defaults, and for a bad file the exact set of dotted field paths reported
 * (every problem of one file in one parse).
 */
class JobConfigParserTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The example of job-config.md, field for field, written as JSON. */
  private static final String DOCUMENT_EXAMPLE =
      """
      {
        "cluster": "local",
        "role": "www-data",
        "environment": "prod",
        "name": "hello",
        "instances": 2,
        "service": true,
        "tier": "preferred",
        "priority": 0,
        "max_task_failures": 1,
        "contact": "ops@example.com",
        "metadata": {"team": "web"},
        "task": {
          "name": "hello",
          "processes": [
            {
              "name": "server",
              "cmdline": "python3 -m http.server {{thermos.ports[http]}}",
              "max_failures": 1,
              "daemon": false,
              "ephemeral": false,
              "min_duration_secs": 5,
              "final": false
            }
          ],
          "constraints": [{"order": ["setup", "server"]}],
          "resources": {"cpu": 0.5, "ram": "256MB", "disk": "512MB",
                        "ports": ["http", "health"], "gpu": 0}
        },
        "constraints": {"host": "limit:1", "rack": "aaa,bbb", "dedicated": "www-data/web"},
        "health_check": {
          "type": "http",
          "endpoint": "/health",
          "command": "curl -sf localhost:{{thermos.ports[http]}}/ready",
          "initial_interval_secs": 15,
          "interval_secs": 10,
          "timeout_secs": 1,
          "max_consecutive_failures": 0,
          "min_consecutive_successes": 1
        },
        "update_config": {
          "batch_size": 1,
          "watch_secs": 45,
          "max_per_shard_failures": 0,
          "max_total_failures": 0,
          "rollback_on_failure": true,
          "wait_for_batch_completion": false,
          "pulse_interval_secs": null,
          "sla_aware": false,
          "progress_deadline_secs": null,
          "strategy": {"queue": {"batch_size": 1}}
        },
        "partition_policy": {"reschedule": true, "delay_secs": 0},
        "sla_policy": {"percentage": 95, "duration_secs": 1800},
        "cron_schedule": null,
        "cron_collision_policy": "KILL_EXISTING",
        "container": {"docker": {"image": "nginx:1.27", "parameters": []}}
      }
      """;

  /** The smallest valid job: everything else takes its default. */
  private static final String MINIMAL =
      """
      {
        "role": "www-data",
        "environment": "prod",
        "name": "hello",
        "task": {
          "processes": [{"name": "server", "cmdline": "./serve"}],
          "resources": {"cpu": 0.5, "ram": "256MB", "disk": "512MB"}
        }
      }
      """;

  private static final JobKey KEY = new JobKey("www-data", "prod", "hello");

  private static final ValidationSettings DOCKER_ALLOWED =
      new ValidationSettings(
          "local",
          ValidationSettings.DEFAULT.allowedEnvironments(),
          4000,
          false,
          Set.of("MESOS", "DOCKER"),
          20,
          7200);

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ObjectNode minimal() {
    return (ObjectNode) json(MINIMAL);
  }

  /** Sets the value at a JSON pointer whose parent object exists; strings, numbers, JSON trees. */
  private static ObjectNode with(ObjectNode root, String pointer, Object value) {
    int slash = pointer.lastIndexOf('/');
    ObjectNode parent = (ObjectNode) root.at(pointer.substring(0, slash));
    JsonNode node =
        value == null
            ? NullNode.instance
            : value instanceof JsonNode j ? j : MAPPER.valueToTree(value);
    parent.set(pointer.substring(slash + 1), node);
    return root;
  }

  private static ObjectNode without(ObjectNode root, String pointer) {
    int slash = pointer.lastIndexOf('/');
    ((ObjectNode) root.at(pointer.substring(0, slash))).remove(pointer.substring(slash + 1));
    return root;
  }

  private static JobConfigParser.Result parse(JsonNode root) {
    return JobConfigParser.parse(root, ValidationSettings.DEFAULT, Optional.empty());
  }

  private static JobConfiguration valid(JsonNode root) {
    return valid(JobConfigParser.parse(root, ValidationSettings.DEFAULT, Optional.empty()));
  }

  private static JobConfiguration valid(JobConfigParser.Result result) {
    assertThat(result.errors()).isEmpty();
    assertThat(result.isValid()).isTrue();
    return result.get();
  }

  /** The dotted paths of every reported problem (one entry per problem). */
  private static List<String> fields(JobConfigParser.Result result) {
    assertThat(result.isValid()).isFalse();
    assertThat(result.config()).isEmpty();
    return result.errors().stream().map(FieldError::field).toList();
  }

  private static List<String> fields(JsonNode root) {
    return fields(parse(root));
  }

  /** The job example with what job-config.md leaves inconsistent made consistent. */
  private static ObjectNode consistentExample() {
    ObjectNode example = (ObjectNode) json(DOCUMENT_EXAMPLE);
    // The example orders a process 'setup' it never defines, and its 95 % SLA needs 20 instances.
    ((com.fasterxml.jackson.databind.node.ArrayNode) example.at("/task/processes"))
        .insert(0, json("{\"name\": \"setup\", \"cmdline\": \"./setup.sh\"}"));
    example.put("instances", 20);
    return example;
  }

  // ---------------------------------------------------------------------------------------------
  // The example and the defaults

  @Nested
  class Populated {

    @Test
    void populatesEveryFieldOfTheDocumentExample() {
      JobConfiguration job =
          valid(JobConfigParser.parse(consistentExample(), DOCKER_ALLOWED, Optional.empty()));

      assertThat(job.key()).isEqualTo(KEY);
      assertThat(job.instances()).isEqualTo(20);
      assertThat(job.cronSchedule()).isEmpty();
      assertThat(job.cronCollisionPolicy()).isEqualTo(CronCollisionPolicy.KILL_EXISTING);
      assertThat(job.updateConfig()).isEqualTo(UpdateSettings.DEFAULT);

      TaskConfig task = job.task();
      assertThat(task.job()).isEqualTo(KEY);
      assertThat(task.taskName()).isEqualTo("hello");
      assertThat(task.service()).isTrue();
      assertThat(task.tier()).isEqualTo("preferred");
      assertThat(task.production()).isTrue();
      assertThat(task.priority()).isZero();
      assertThat(task.maxTaskFailures()).isEqualTo(1);
      assertThat(task.contact()).contains("ops@example.com");
      assertThat(task.metadata()).isEqualTo(Map.of("team", "web"));
      assertThat(task.processes())
          .containsExactly(
              new ProcessConfig("setup", "./setup.sh", 1, false, false, 5, false, Map.of()),
              new ProcessConfig(
                  "server",
                  "python3 -m http.server {{thermos.ports[http]}}",
                  1,
                  false,
                  false,
                  5,
                  false,
                  Map.of()));
      assertThat(task.processOrder()).containsExactly(List.of("setup", "server"));
      assertThat(task.resources())
          .isEqualTo(new Resources(0.5, 256, 512, List.of("http", "health"), 0));
      assertThat(task.constraints())
          .isEqualTo(
              Map.of(
                  "host", new Constraint.Limit("host", 1),
                  "rack", new Constraint.Value("rack", false, List.of("aaa", "bbb")),
                  "dedicated", new Constraint.Value("dedicated", false, List.of("www-data/web"))));
      assertThat(task.healthCheck())
          .contains(
              new HealthCheck(
                  HealthCheck.Type.HTTP,
                  "/health",
                  Optional.of("curl -sf localhost:{{thermos.ports[http]}}/ready"),
                  "ok",
                  0,
                  15,
                  10,
                  1,
                  0,
                  1));
      assertThat(task.partitionPolicy()).isEqualTo(new PartitionPolicy(true, 0));
      assertThat(task.slaPolicy()).contains(new SlaPolicy.Percentage(95, 1800));
      assertThat(task.container()).contains(new Container.Docker("nginx:1.27", List.of()));
    }

    @Test
    void reportsWhereTheDocumentExampleIsInconsistentUnderDefaultSettings() {
      // Verbatim, the example orders an undefined process, asks a 95 % SLA of two instances
      // and uses Docker, which a default cluster does not allow.
      assertThat(fields(json(DOCUMENT_EXAMPLE)))
          .containsExactlyInAnyOrder(
              "task.constraints[0].order", "sla_policy", "sla_policy.percentage", "container");
    }

    @Test
    void fillsAuroraDefaultsForEverythingLeftOut() {
      JobConfiguration job = valid(minimal());

      assertThat(job.key()).isEqualTo(KEY);
      assertThat(job.instances()).isEqualTo(1);
      assertThat(job.updateConfig()).isEqualTo(UpdateSettings.DEFAULT);
      assertThat(job.cronSchedule()).isEmpty();
      assertThat(job.cronCollisionPolicy()).isEqualTo(CronCollisionPolicy.KILL_EXISTING);

      TaskConfig task = job.task();
      assertThat(task.taskName()).isEqualTo("hello");
      assertThat(task.service()).isFalse();
      assertThat(task.tier()).isEqualTo("preemptible");
      assertThat(task.production()).isFalse();
      assertThat(task.priority()).isZero();
      assertThat(task.maxTaskFailures()).isEqualTo(1);
      assertThat(task.processes())
          .containsExactly(
              new ProcessConfig("server", "./serve", 1, false, false, 5, false, Map.of()));
      assertThat(task.processOrder()).isEmpty();
      assertThat(task.resources()).isEqualTo(new Resources(0.5, 256, 512, List.of(), 0));
      assertThat(task.constraints()).isEmpty();
      assertThat(task.healthCheck()).isEmpty();
      assertThat(task.partitionPolicy()).isEqualTo(PartitionPolicy.DEFAULT);
      assertThat(task.slaPolicy()).isEmpty();
      assertThat(task.container()).isEmpty();
      assertThat(task.contact()).isEmpty();
      assertThat(task.metadata()).isEmpty();
    }

    @Test
    void defaultUpdateSettingsAreAurorasClientDefaults() {
      assertThat(UpdateSettings.DEFAULT)
          .isEqualTo(
              new UpdateSettings(
                  1,
                  45,
                  0,
                  0,
                  true,
                  false,
                  Optional.empty(),
                  false,
                  Optional.empty(),
                  new UpdateStrategy.Queue(1)));
      assertThat(PartitionPolicy.DEFAULT).isEqualTo(new PartitionPolicy(true, 0));
    }

    @ParameterizedTest
    @CsvSource({"preferred, true", "preemptible, false", "revocable, false"})
    void derivesProductionFromTheTier(String tier, boolean production) {
      TaskConfig task = valid(with(minimal(), "/tier", tier)).task();

      assertThat(task.tier()).isEqualTo(tier);
      assertThat(task.production()).isEqualTo(production);
    }

    @Test
    void neverTakesProductionFromTheUser() {
      assertThat(fields(with(minimal(), "/production", true))).containsExactly("production");
    }

    @Test
    void rejectsAnUnknownTier() {
      assertThat(fields(with(minimal(), "/tier", "gold"))).containsExactly("tier");
    }

    @Test
    void readsThePriorityUsedForPreemptionWithinARole() {
      assertThat(valid(with(minimal(), "/priority", 7)).task().priority()).isEqualTo(7);
      assertThat(fields(with(minimal(), "/priority", "high"))).containsExactly("priority");
      assertThat(fields(with(minimal(), "/priority", 1.5))).containsExactly("priority");
    }

    @ParameterizedTest
    @CsvSource({
      "'256MB', 256",
      "'2GB', 2048",
      "'1.5GB', 1536",
      "'512', 512",
      "'1024 MB', 1024",
      "'4gb', 4096",
    })
    void readsSizesInMegabytesAndGigabytesOf1024(String size, long mb) {
      ObjectNode job = minimal();
      with(job, "/task/resources/ram", size);
      with(job, "/task/resources/disk", size);

      Resources resources = valid(job).task().resources();

      assertThat(resources.ramMb()).isEqualTo(mb);
      assertThat(resources.diskMb()).isEqualTo(mb);
    }

    @Test
    void readsABareNumberAsMegabytes() {
      ObjectNode job = minimal();
      with(job, "/task/resources/ram", 300);
      with(job, "/task/resources/disk", 2048);

      Resources resources = valid(job).task().resources();

      assertThat(resources.ramMb()).isEqualTo(300);
      assertThat(resources.diskMb()).isEqualTo(2048);
    }

    @Test
    void acceptsAnUnlimitedMaxTaskFailures() {
      assertThat(valid(with(minimal(), "/max_task_failures", -1)).task().maxTaskFailures())
          .isEqualTo(-1);
    }

    @Test
    void backfillsAQueueStrategyFromBatchSize() {
      UpdateSettings update =
          valid(with(minimal(), "/update_config", json("{\"batch_size\": 3}"))).updateConfig();

      assertThat(update.batchSize()).isEqualTo(3);
      assertThat(update.strategy()).isEqualTo(new UpdateStrategy.Queue(3));
    }

    @Test
    void backfillsABatchStrategyWhenWaitingForBatchCompletion() {
      UpdateSettings update =
          valid(
                  with(
                      minimal(),
                      "/update_config",
                      json("{\"batch_size\": 4, \"wait_for_batch_completion\": true}")))
              .updateConfig();

      assertThat(update.waitForBatchCompletion()).isTrue();
      assertThat(update.strategy()).isEqualTo(new UpdateStrategy.Batch(4, false));
    }

    @Test
    void keepsAnExplicitStrategyOverTheBatchSize() {
      UpdateSettings update =
          valid(
                  with(
                      minimal(),
                      "/update_config",
                      json(
                          """
                          {"batch_size": 4,
                           "strategy": {"variable_batch":
                               {"batch_sizes": [1, 2, 5], "autopause_after_batch": true}}}
                          """)))
              .updateConfig();

      assertThat(update.strategy())
          .isEqualTo(new UpdateStrategy.VariableBatch(List.of(1, 2, 5), true));
    }

    @Test
    void readsABatchStrategyAndUpdateTimings() {
      UpdateSettings update =
          valid(
                  with(
                      minimal(),
                      "/update_config",
                      json(
                          """
                          {"watch_secs": 30, "max_per_shard_failures": 2, "max_total_failures": 3,
                           "rollback_on_failure": false, "pulse_interval_secs": 60,
                           "sla_aware": true, "progress_deadline_secs": 600,
                           "strategy": {"batch": {"batch_size": 2, "autopause_after_batch": true}}}
                          """)))
              .updateConfig();

      assertThat(update)
          .isEqualTo(
              new UpdateSettings(
                  1,
                  30,
                  2,
                  3,
                  false,
                  false,
                  Optional.of(60L),
                  true,
                  Optional.of(600L),
                  new UpdateStrategy.Batch(2, true)));
    }

    @Test
    void fillsHealthCheckDefaults() {
      HealthCheck check =
          valid(with(minimal(), "/health_check", json("{}"))).task().healthCheck().orElseThrow();

      assertThat(check)
          .isEqualTo(
              new HealthCheck(
                  HealthCheck.Type.HTTP, "/health", Optional.empty(), "ok", 0, 15, 10, 1, 0, 1));
    }

    @Test
    void readsAShellHealthCheck() {
      HealthCheck check =
          valid(
                  with(
                      minimal(),
                      "/health_check",
                      json("{\"type\": \"shell\", \"command\": \"test -f /tmp/ready\"}")))
              .task()
              .healthCheck()
              .orElseThrow();

      assertThat(check.type()).isEqualTo(HealthCheck.Type.SHELL);
      assertThat(check.command()).contains("test -f /tmp/ready");
    }

    @Test
    void requestsEveryPortThatATemplateReferences() {
      ObjectNode job = minimal();
      with(job, "/task/resources/ports", List.of("http"));
      with(
          job,
          "/task/processes/0/cmdline",
          "serve --port {{thermos.ports[http]}} --admin {{ thermos.ports[admin] }}");
      with(job, "/task/processes/0/env", Map.of("DEBUG_PORT", "{{thermos.ports[debug]}}"));
      with(
          job,
          "/health_check",
          json("{\"type\": \"shell\", \"command\": \"probe {{thermos.ports[probe]}}\"}"));

      assertThat(valid(job).task().resources().ports())
          .containsExactly("http", "admin", "debug", "probe");
    }

    @Test
    void leavesTemplatesUnresolvedUntilPlacement() {
      String cmdline =
          "run {{mesos.instance}} {{mesos.hostname}} {{thermos.task_id}} {{role}}"
              + " {{environment}} {{name}}";

      ProcessConfig process =
          valid(with(minimal(), "/task/processes/0/cmdline", cmdline)).task().processes().get(0);

      assertThat(process.cmdline()).isEqualTo(cmdline);
    }

    @Test
    void takesTheKeyFromThePathWhenTheBodyOmitsIt() {
      ObjectNode job = minimal();
      without(job, "/role");
      without(job, "/environment");
      without(job, "/name");

      JobConfiguration config =
          valid(JobConfigParser.parse(job, ValidationSettings.DEFAULT, Optional.of(KEY)));

      assertThat(config.key()).isEqualTo(KEY);
      assertThat(config.task().job()).isEqualTo(KEY);
      assertThat(config.task().taskName()).isEqualTo("hello");
    }

    @Test
    void acceptsABodyKeyThatMatchesThePath() {
      assertThat(
              valid(JobConfigParser.parse(minimal(), ValidationSettings.DEFAULT, Optional.of(KEY)))
                  .key())
          .isEqualTo(KEY);
    }

    @Test
    void acceptsTheOwnClusterAndAWhitelistedEnvironment() {
      ObjectNode job = minimal();
      with(job, "/cluster", "local");
      with(job, "/environment", "staging3");

      assertThat(valid(job).key()).isEqualTo(new JobKey("www-data", "staging3", "hello"));
    }

    @Test
    void acceptsACronScheduleForANonServiceJob() {
      ObjectNode job = minimal();
      with(job, "/cron_schedule", "*/5 * * * *");
      with(job, "/cron_collision_policy", "CANCEL_NEW");

      JobConfiguration config = valid(job);

      assertThat(config.cronSchedule()).contains("*/5 * * * *");
      assertThat(config.cronCollisionPolicy()).isEqualTo(CronCollisionPolicy.CANCEL_NEW);
    }

    @Test
    void readsPlacementConstraintsInAurorasDsl() {
      Map<String, Constraint> constraints =
          valid(
                  parse(
                      with(
                          minimal(),
                          "/constraints",
                          json(
                              """
                          {"host": "limit:2", "rack": "!aaa,bbb", "zone": "z1",
                           "dedicated": "*/shared"}
                          """))))
              .task()
              .constraints();

      assertThat(constraints)
          .isEqualTo(
              Map.of(
                  "host", new Constraint.Limit("host", 2),
                  "rack", new Constraint.Value("rack", true, List.of("aaa", "bbb")),
                  "zone", new Constraint.Value("zone", false, List.of("z1")),
                  "dedicated", new Constraint.Value("dedicated", false, List.of("*/shared"))));
    }

    @Test
    void allowsGpusWhenTheClusterDoes() {
      ValidationSettings gpu =
          new ValidationSettings(
              "local",
              ValidationSettings.DEFAULT.allowedEnvironments(),
              4000,
              true,
              Set.of("MESOS"),
              20,
              7200);

      JobConfiguration config =
          valid(
              JobConfigParser.parse(
                  with(minimal(), "/task/resources/gpu", 2), gpu, Optional.empty()));

      assertThat(config.task().resources().gpu()).isEqualTo(2);
    }

    @Test
    void acceptsAMesosContainerByDefault() {
      ObjectNode job = with(minimal(), "/container", json("{\"mesos\": {\"image\": \"debian\"}}"));

      assertThat(valid(job).task().container())
          .contains(new Container.Mesos(Optional.of("debian")));
    }

    @Test
    void letsADockerTaskOmitItsProcesses() {
      ObjectNode job = minimal();
      without(job, "/task/processes");
      with(job, "/container", json("{\"docker\": {\"image\": \"nginx:1.27\"}}"));

      JobConfiguration config = valid(JobConfigParser.parse(job, DOCKER_ALLOWED, Optional.empty()));

      assertThat(config.task().processes()).isEmpty();
      assertThat(config.task().container()).contains(new Container.Docker("nginx:1.27", List.of()));
    }

    @Test
    void acceptsSlaPoliciesAtTheirLimits() {
      ObjectNode count = minimal();
      with(count, "/tier", "preferred");
      with(count, "/instances", 20);
      with(count, "/sla_policy", json("{\"count\": 19, \"duration_secs\": 7200}"));
      assertThat(valid(count).task().slaPolicy()).contains(new SlaPolicy.Count(19, 7200));

      ObjectNode coordinator = minimal();
      with(coordinator, "/tier", "preferred");
      with(
          coordinator,
          "/sla_policy",
          json("{\"coordinator_url\": \"http://coord:8080/ok\", \"status_key\": \"drain\"}"));
      assertThat(valid(coordinator).task().slaPolicy())
          .contains(new SlaPolicy.Coordinator("http://coord:8080/ok", "drain"));
    }

    @Test
    void resultOfAValidFileHasNoErrorsAndOfABadOneNoConfig() {
      JobConfigParser.Result bad = parse(with(minimal(), "/instances", 0));

      assertThat(bad.isValid()).isFalse();
      assertThat(bad.config()).isEmpty();
      assertThatThrownBy(bad::get).isInstanceOf(IllegalStateException.class);
      assertThat(parse(minimal()).errors()).isEmpty();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bad files: the exact set of paths reported

  @Nested
  class Identity {

    @Test
    void reportsEveryMissingKeyPart() {
      ObjectNode job = minimal();
      without(job, "/role");
      without(job, "/environment");
      without(job, "/name");

      JobConfigParser.Result result = parse(job);

      assertThat(fields(result)).containsExactlyInAnyOrder("role", "environment", "name");
      assertThat(result.errors()).contains(new FieldError("role", "is required"));
    }

    @Test
    void reportsBodyKeyPartsThatDifferFromThePath() {
      ObjectNode job = minimal();
      with(job, "/role", "other-role");
      with(job, "/name", "other-name");

      assertThat(fields(JobConfigParser.parse(job, ValidationSettings.DEFAULT, Optional.of(KEY))))
          .containsExactlyInAnyOrder("role", "name");
    }

    @Test
    void reportsBadCharactersInEachKeyPart() {
      ObjectNode job = minimal();
      with(job, "/role", "www data");
      with(job, "/name", "hello/world");

      assertThat(fields(job)).containsExactlyInAnyOrder("role", "name");
    }

    @Test
    void reportsABadEnvironmentOnceEvenThoughItIsAlsoNotWhitelisted() {
      assertThat(fields(with(minimal(), "/environment", "pr od"))).containsExactly("environment");
    }

    @Test
    void reportsAKeyPartLongerThan64Characters() {
      assertThat(fields(with(minimal(), "/name", "n".repeat(65)))).containsExactly("name");
      assertThat(fields(with(minimal(), "/role", "r".repeat(245)))).containsExactly("role");
      assertThat(valid(with(minimal(), "/name", "n".repeat(64))).key().name()).hasSize(64);
    }

    @ParameterizedTest
    @ValueSource(strings = {"production", "staging-1", "PROD", "dev"})
    void reportsAnEnvironmentOutsideTheWhitelist(String environment) {
      JobConfigParser.Result result = parse(with(minimal(), "/environment", environment));

      assertThat(fields(result)).containsExactly("environment");
      assertThat(result.errors().get(0).message()).contains(environment);
    }

    @Test
    void reportsAnotherCluster() {
      JobConfigParser.Result result = parse(with(minimal(), "/cluster", "elsewhere"));

      assertThat(fields(result)).containsExactly("cluster");
      assertThat(result.errors().get(0).message()).contains("elsewhere").contains("local");
    }
  }

  @Nested
  class Counts {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 4001})
    void reportsAnInstanceCountOutside1To4000(int instances) {
      assertThat(fields(with(minimal(), "/instances", instances))).containsExactly("instances");
    }

    @Test
    void acceptsTheMaximumInstanceCount() {
      assertThat(valid(with(minimal(), "/instances", 4000)).instances()).isEqualTo(4000);
    }

    @Test
    void reportsAMaxTaskFailuresBelowUnlimited() {
      assertThat(fields(with(minimal(), "/max_task_failures", -2)))
          .containsExactly("max_task_failures");
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "cpu | 0",
          "cpu | -0.5",
          "ram | 0",
          "ram | -256",
          "ram | \"0MB\"",
          "ram | \"0GB\"",
          "disk | 0",
          "disk | -1",
          "disk | \"0\"",
        })
    void reportsNonPositiveResources(String resource, String jsonValue) {
      JobConfigParser.Result result =
          parse(with(minimal(), "/task/resources/" + resource, json(jsonValue)));

      assertThat(fields(result)).containsExactly("task.resources." + resource);
      assertThat(result.errors().get(0).toString())
          .isEqualTo("task.resources." + resource + ": must be > 0");
    }

    @Test
    void reportsNegativeSizeStringsAsBadSizes() {
      ObjectNode job = minimal();
      with(job, "/task/resources/ram", "-256MB");
      with(job, "/task/resources/disk", "-1GB");

      assertThat(fields(job))
          .containsExactlyInAnyOrder("task.resources.ram", "task.resources.disk");
    }

    @Test
    void reportsAnAbsurdSizeInsteadOfOverflowing() {
      ObjectNode job = minimal();
      with(job, "/task/resources/ram", "9999999999999999TB");
      with(job, "/task/resources/disk", json("1e30"));

      JobConfigParser.Result result = parse(job);
      assertThat(fields(result))
          .containsExactlyInAnyOrder("task.resources.ram", "task.resources.disk");
      assertThat(result.errors().get(0).message()).startsWith("is larger than any machine");
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "cpu | 1e999 | is more than any machine has (at most 65536 cores)",
          "cpu | 65537 | is more than any machine has (at most 65536 cores)",
          "cpu | -1e999 | must be > 0",
          "ram | 1e999 | is larger than any machine (at most 1099511627776 MB)",
          "ram | -1e999 | must be > 0",
          "disk | 1e999 | is larger than any machine (at most 1099511627776 MB)",
          "disk | -1e999 | must be > 0",
        })
    void reportsNonFiniteAndAbsurdNumbersNamingTheField(
        String resource, String jsonValue, String message) {
      // 1e999 reads as an infinite double: it once failed the request (ram, disk) or was stored
      // (cpu), leaving a task PENDING for ever.
      JobConfigParser.Result result =
          parse(with(minimal(), "/task/resources/" + resource, json(jsonValue)));

      assertThat(result.errors())
          .containsExactly(new FieldError("task.resources." + resource, message));
    }

    @Test
    void acceptsTheLargestCpuCount() {
      assertThat(valid(with(minimal(), "/task/resources/cpu", 65536)).task().resources().cpu())
          .isEqualTo(65536.0);
    }

    @Test
    void reportsANonFiniteSlaPercentage() {
      ObjectNode job = with(minimal(), "/tier", "preferred");
      with(job, "/instances", 20);
      with(job, "/sla_policy", json("{\"percentage\": 1e999}"));

      assertThat(fields(job)).containsExactly("sla_policy.percentage");
    }

    @ParameterizedTest
    @ValueSource(strings = {"12XB", "lots", "MB", "1,5GB", "2 G B", ""})
    void reportsAnUnreadableSize(String size) {
      JobConfigParser.Result result = parse(with(minimal(), "/task/resources/ram", size));

      assertThat(fields(result)).containsExactly("task.resources.ram");
      assertThat(result.errors().get(0).message()).contains("512MB");
    }

    @Test
    void reportsMissingCpuRamAndDisk() {
      ObjectNode job = minimal();
      with(job, "/task/resources", json("{}"));

      assertThat(fields(job))
          .containsExactlyInAnyOrder(
              "task.resources.cpu", "task.resources.ram", "task.resources.disk");
    }

    @Test
    void reportsGpusOnAClusterThatDoesNotAllowThem() {
      JobConfigParser.Result result = parse(with(minimal(), "/task/resources/gpu", 1));

      assertThat(fields(result)).containsExactly("task.resources.gpu");
    }

    @Test
    void reportsANegativeGpuCount() {
      assertThat(fields(with(minimal(), "/task/resources/gpu", -1)))
          .containsExactly("task.resources.gpu");
    }

    @Test
    void reportsBadAndDuplicatePortNames() {
      assertThat(fields(with(minimal(), "/task/resources/ports", List.of("http", "http"))))
          .containsExactly("task.resources.ports");
      assertThat(fields(with(minimal(), "/task/resources/ports", List.of("a b"))))
          .containsExactly("task.resources.ports");
    }
  }

  @Nested
  class Structure {

    @Test
    void reportsUnknownFieldsAtEveryLevelInOneParse() {
      ObjectNode job = minimal();
      with(job, "/bogus", 1);
      with(job, "/task/bogus", 1);
      with(job, "/task/processes/0/bogus", 1);
      with(job, "/task/resources/bogus", 1);
      with(job, "/update_config", json("{\"batch_size\": 1, \"bogus\": 1}"));
      with(job, "/health_check", json("{\"bogus\": 1}"));
      with(job, "/partition_policy", json("{\"bogus\": 1}"));

      assertThat(fields(job))
          .containsExactlyInAnyOrder(
              "bogus",
              "task.bogus",
              "task.processes[0].bogus",
              "task.resources.bogus",
              "update_config.bogus",
              "health_check.bogus",
              "partition_policy.bogus");
    }

    @Test
    void anUnknownFieldNamesTheKnownOneItMayStandFor() {
      ObjectNode job = minimal();
      with(job, "/update_config", MAPPER.createObjectNode());
      with(job, "/update_config/batchsize", 2);
      with(job, "/task/processes/0/min_duration", 5);
      with(job, "/production", true);
      with(job, "/Instances", 2);
      assertThat(parse(job).errors())
          .containsExactlyInAnyOrder(
              new FieldError(
                  "update_config.batchsize", "is not a known field (did you mean batch_size?)"),
              new FieldError(
                  "task.processes[0].min_duration",
                  "is not a known field (did you mean min_duration_secs?)"),
              new FieldError(
                  "production",
                  "is not a known field (it follows from tier: tier preferred is production)"),
              new FieldError("Instances", "is not a known field (did you mean instances?)"));
    }

    @Test
    void reportsAnUnknownFieldWithItsMessage() {
      assertThat(parse(with(minimal(), "/task/resources/memory", "1GB")).errors())
          .containsExactly(new FieldError("task.resources.memory", "is not a known field"));
    }

    @Test
    void reportsUnknownFieldsInsideStrategiesTaskConstraintsAndContainers() {
      ObjectNode job = minimal();
      with(
          job,
          "/update_config",
          json("{\"strategy\": {\"queue\": {\"batch_size\": 1, \"bogus\": 1}}}"));
      with(job, "/task/processes/0/name", "setup");
      ((com.fasterxml.jackson.databind.node.ArrayNode) job.at("/task/processes"))
          .add(json("{\"name\": \"server\", \"cmdline\": \"./serve\"}"));
      with(job, "/task/constraints", json("[{\"order\": [\"setup\", \"server\"], \"bogus\": 1}]"));
      with(job, "/container", json("{\"mesos\": {\"bogus\": 1}}"));

      assertThat(fields(job))
          .containsExactlyInAnyOrder(
              "update_config.strategy.queue.bogus",
              "task.constraints[0].bogus",
              "container.mesos.bogus");
    }

    @Test
    void reportsAMissingTask() {
      assertThat(fields(without(minimal(), "/task"))).containsExactly("task");
    }

    @Test
    void reportsMissingProcesses() {
      assertThat(fields(without(minimal(), "/task/processes"))).containsExactly("task.processes");
    }

    @Test
    void reportsAnEmptyProcessList() {
      assertThat(fields(with(minimal(), "/task/processes", List.of())))
          .containsExactly("task.processes");
    }

    @Test
    void reportsMissingResources() {
      assertThat(fields(without(minimal(), "/task/resources"))).containsExactly("task.resources");
    }

    @Test
    void reportsAMissingCmdlineAndName() {
      ObjectNode job = minimal();
      with(job, "/task/processes", json("[{\"name\": \"a\"}, {\"cmdline\": \"./b\"}]"));

      assertThat(fields(job))
          .containsExactlyInAnyOrder("task.processes[0].cmdline", "task.processes[1].name");
    }

    @Test
    void reportsABlankCmdline() {
      assertThat(fields(with(minimal(), "/task/processes/0/cmdline", "  ")))
          .containsExactly("task.processes[0].cmdline");
    }

    @Test
    void reportsADuplicateProcessNameAtTheSecondProcess() {
      ObjectNode job = minimal();
      with(
          job,
          "/task/processes",
          json(
              """
              [{"name": "server", "cmdline": "./a"},
               {"name": "other", "cmdline": "./b"},
               {"name": "server", "cmdline": "./c"}]
              """));

      assertThat(fields(job)).containsExactly("task.processes[2].name");
    }

    @Test
    void reportsAnOrderNamingAnUnknownProcess() {
      JobConfigParser.Result result =
          parse(
              with(
                  minimal(),
                  "/task/constraints",
                  json("[{\"order\": [\"server\"]}, {\"order\": [\"setup\", \"server\"]}]")));

      assertThat(fields(result)).containsExactly("task.constraints[1].order");
      assertThat(result.errors().get(0).message()).contains("setup");
    }

    @Test
    void reportsAnOrderThatPutsAFinalProcessBeforeARegularOne() {
      // Final processes start once every regular one has ended: a regular process ordered after
      // one would wait for ever, and so would the task.
      ObjectNode job =
          with(
              minimal(),
              "/task/processes",
              json(
                  "[{\"name\": \"server\", \"cmdline\": \"x\"},"
                      + " {\"name\": \"cleanup\", \"cmdline\": \"y\", \"final\": true}]"));
      JobConfigParser.Result result =
          parse(with(job, "/task/constraints", json("[{\"order\": [\"cleanup\", \"server\"]}]")));

      assertThat(fields(result)).containsExactly("task.constraints[0].order");
      assertThat(result.errors().get(0).message())
          .isEqualTo(
              "orders final process 'cleanup' before regular process 'server' (final processes"
                  + " run after every regular one has ended)");
    }

    @Test
    void reportsOrdersThatFormACycle() {
      ObjectNode job =
          with(
              minimal(),
              "/task/processes",
              json(
                  "[{\"name\": \"a\", \"cmdline\": \"x\"}, {\"name\": \"b\", \"cmdline\": \"y\"},"
                      + " {\"name\": \"c\", \"cmdline\": \"z\"}]"));
      JobConfigParser.Result result =
          parse(
              with(
                  job,
                  "/task/constraints",
                  json("[{\"order\": [\"a\", \"b\"]}, {\"order\": [\"b\", \"c\", \"a\"]}]")));

      assertThat(fields(result)).containsExactly("task.constraints");
      assertThat(result.errors().get(0).message())
          .isEqualTo(
              "form a cycle: processes a, b, c each wait for another of them, so none could"
                  + " start");
    }

    @Test
    void reportsAnOrderConstraintWithoutOrder() {
      assertThat(fields(with(minimal(), "/task/constraints", json("[{}]"))))
          .containsExactly("task.constraints[0].order");
    }

    @Test
    void reportsANonObjectBody() {
      for (JsonNode body :
          List.of(json("[1, 2]"), json("\"job\""), json("42"), NullNode.instance)) {
        assertThat(fields(parse(body))).as("%s", body).containsExactly("(body)");
      }
      assertThat(fields(parse(null))).containsExactly("(body)");
    }
  }

  @Nested
  class Templates {

    @Test
    void reportsAnUnknownPlaceholderInACmdline() {
      JobConfigParser.Result result =
          parse(with(minimal(), "/task/processes/0/cmdline", "run {{foo}}"));

      assertThat(fields(result)).containsExactly("task.processes[0].cmdline");
      assertThat(result.errors().get(0).message()).contains("{{foo}}");
    }

    @Test
    void reportsUnknownPlaceholdersInEnvironmentAndHealthCheck() {
      ObjectNode job = minimal();
      with(job, "/task/processes/0/env", Map.of("PORT", "{{thermos.port[http]}}"));
      with(
          job,
          "/health_check",
          json("{\"type\": \"shell\", \"command\": \"check {{mesos.instance_id}}\"}"));

      assertThat(fields(job))
          .containsExactlyInAnyOrder("task.processes[0].env.PORT", "health_check.command");
    }

    @Test
    void reportsABadPortNameInAPlaceholder() {
      assertThat(fields(with(minimal(), "/task/processes/0/cmdline", "run {{thermos.ports[a b]}}")))
          .containsExactly("task.processes[0].cmdline");
    }

    @Test
    void namesThePlaceholderProblemByTheProcessIndexInTheFile() {
      ObjectNode job =
          with(
              minimal(),
              "/task/processes",
              json("[{\"cmdline\": \"./a\"}, {\"name\": \"b\", \"cmdline\": \"run {{foo}}\"}]"));

      assertThat(fields(job))
          .containsExactlyInAnyOrder("task.processes[0].name", "task.processes[1].cmdline");
    }

    @Test
    void reportsAnUnknownPlaceholderEvenWhenResourcesAreMissing() {
      ObjectNode job = minimal();
      without(job, "/task/resources");
      with(job, "/task/processes/0/cmdline", "run {{foo}}");

      assertThat(fields(job))
          .containsExactlyInAnyOrder("task.resources", "task.processes[0].cmdline");
    }

    @Test
    void reportsAnUnknownHealthCheckPlaceholderEvenWhenTheTaskIsMissing() {
      ObjectNode job = minimal();
      without(job, "/task");
      with(job, "/health_check", json("{\"type\": \"shell\", \"command\": \"check {{foo}}\"}"));

      assertThat(fields(job)).containsExactlyInAnyOrder("task", "health_check.command");
    }
  }

  @Nested
  class Placement {

    @ParameterizedTest
    @ValueSource(strings = {"limit:x", "limit:0", "limit:-1", "limit:", "", "!", " , "})
    void reportsABadConstraint(String dsl) {
      assertThat(fields(parse(with(minimal(), "/constraints", Map.of("host", dsl)))))
          .containsExactly("constraints.host");
    }

    @Test
    void reportsEveryBadConstraintAtOnce() {
      ObjectNode job =
          with(
              minimal(),
              "/constraints",
              json("{\"host\": \"limit:x\", \"rack\": \"\", \"zone\": 3, \"ok\": \"a\"}"));

      assertThat(fields(parse(job)))
          .containsExactlyInAnyOrder("constraints.host", "constraints.rack", "constraints.zone");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "other-role/web",
          "www-data",
          "!www-data/web",
          "www-data/a,www-data/b",
          "limit:1",
          "www-data/",
          "/web",
        })
    void reportsADedicatedConstraintThatBreaksAurorasRules(String dsl) {
      assertThat(fields(parse(with(minimal(), "/constraints", Map.of("dedicated", dsl)))))
          .containsExactly("constraints.dedicated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"www-data/web", "*/web"})
    void acceptsADedicatedConstraintForTheRoleOrEveryone(String dsl) {
      assertThat(
              valid(parse(with(minimal(), "/constraints", Map.of("dedicated", dsl))))
                  .task()
                  .constraints())
          .containsEntry("dedicated", new Constraint.Value("dedicated", false, List.of(dsl)));
    }

    @Test
    void acceptsPlacementConstraintsInTheApiForm() {
      assertThat(
              valid(
                      parse(
                          with(
                              minimal(),
                              "/constraints",
                              json("{\"rack\": \"a\", \"host\": \"limit:1\"}"))))
                  .task()
                  .constraints())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "rack", new Constraint.Value("rack", false, List.of("a")),
                  "host", new Constraint.Limit("host", 1)));
    }

    @Test
    void acceptsAnEmptySetOfPlacementConstraints() {
      assertThat(valid(with(minimal(), "/constraints", json("{}"))).task().constraints()).isEmpty();
    }

    @Test
    void reportsDockerOnAClusterThatOnlyAllowsMesos() {
      JobConfigParser.Result result =
          parse(with(minimal(), "/container", json("{\"docker\": {\"image\": \"nginx\"}}")));

      assertThat(fields(result)).containsExactly("container");
      assertThat(result.errors().get(0).message()).contains("DOCKER");
    }

    @Test
    void reportsAContainerWithTwoKinds() {
      assertThat(
              fields(
                  with(
                      minimal(),
                      "/container",
                      json("{\"docker\": {\"image\": \"nginx\"}, \"mesos\": {}}"))))
          .containsExactly("container");
    }

    @Test
    void reportsADockerContainerWithoutImage() {
      assertThat(
              fields(
                  JobConfigParser.parse(
                      with(minimal(), "/container", json("{\"docker\": {}}")),
                      DOCKER_ALLOWED,
                      Optional.empty())))
          .containsExactly("container.docker.image");
    }

    @Test
    void requiresProcessesForAMesosContainer() {
      // Aurora: an executor (here, the processes) is required unless the container is Docker.
      ObjectNode job = minimal();
      without(job, "/task/processes");
      with(job, "/container", json("{\"mesos\": {}}"));

      assertThat(fields(job)).containsExactly("task.processes");
    }
  }

  @Nested
  class Cron {

    @Test
    void reportsACronScheduleOnAService() {
      ObjectNode job = minimal();
      with(job, "/service", true);
      with(job, "/cron_schedule", "*/5 * * * *");

      assertThat(fields(job)).containsExactly("cron_schedule");
    }

    @ParameterizedTest
    @ValueSource(strings = {"* * * *", "60 * * * *", "* * * * 7", "0 0 1 * 1", "every day"})
    void reportsAnInvalidCronSchedule(String schedule) {
      assertThat(fields(with(minimal(), "/cron_schedule", schedule)))
          .containsExactly("cron_schedule");
    }

    @Test
    void treatsAnEmptyScheduleAsNoSchedule() {
      assertThat(valid(with(minimal(), "/cron_schedule", "")).cronSchedule()).isEmpty();
      assertThat(valid(with(minimal(), "/cron_schedule", null)).cronSchedule()).isEmpty();
    }

    @Test
    void rejectsTheRemovedRunOverlapPolicy() {
      JobConfigParser.Result result =
          parse(with(minimal(), "/cron_collision_policy", "RUN_OVERLAP"));

      assertThat(result.errors())
          .containsExactly(
              new FieldError(
                  "cron_collision_policy",
                  "The RUN_OVERLAP collision policy has been removed (AURORA-38)."));
    }

    @Test
    void reportsAnUnknownCollisionPolicy() {
      assertThat(fields(with(minimal(), "/cron_collision_policy", "SOMETIMES")))
          .containsExactly("cron_collision_policy");
    }
  }

  @Nested
  class Sla {

    private ObjectNode production(int instances, String policy) {
      ObjectNode job = minimal();
      with(job, "/tier", "preferred");
      with(job, "/instances", instances);
      with(job, "/sla_policy", json(policy));
      return job;
    }

    @Test
    void reportsAnSlaPolicyOutsideProductionTiers() {
      ObjectNode job = production(20, "{\"count\": 1, \"duration_secs\": 60}");
      with(job, "/tier", "preemptible");

      assertThat(fields(job)).containsExactly("sla_policy");
    }

    @Test
    void reportsACoordinatorPolicyOutsideProductionTiersToo() {
      ObjectNode job = production(1, "{\"coordinator_url\": \"http://c/\"}");
      with(job, "/tier", "revocable");

      assertThat(fields(job)).containsExactly("sla_policy");
    }

    @Test
    void reportsACountPolicyOnFewerThan20Instances() {
      assertThat(fields(production(19, "{\"count\": 1, \"duration_secs\": 60}")))
          .containsExactly("sla_policy");
    }

    @Test
    void reportsACountThatLeavesNoInstanceToTakeDown() {
      assertThat(fields(production(20, "{\"count\": 20, \"duration_secs\": 60}")))
          .containsExactly("sla_policy.count");
    }

    @Test
    void reportsAPercentageThatLeavesNoInstanceToTakeDown() {
      assertThat(fields(production(20, "{\"percentage\": 96, \"duration_secs\": 60}")))
          .containsExactly("sla_policy.percentage");
      assertThat(
              valid(production(20, "{\"percentage\": 95, \"duration_secs\": 60}"))
                  .task()
                  .slaPolicy())
          .contains(new SlaPolicy.Percentage(95, 60));
    }

    @Test
    void reportsADurationAboveTwoHours() {
      assertThat(fields(production(20, "{\"count\": 1, \"duration_secs\": 7201}")))
          .containsExactly("sla_policy.duration_secs");
    }

    @Test
    void reportsBothPercentageAndCount() {
      assertThat(fields(production(20, "{\"count\": 1, \"percentage\": 50}")))
          .containsExactly("sla_policy");
    }

    @Test
    void reportsACoordinatorThatIsNotAnHttpUrl() {
      assertThat(fields(production(1, "{\"coordinator_url\": \"coord:8080\"}")))
          .containsExactly("sla_policy.coordinator_url");
    }

    @Test
    void reportsAnUnknownSlaField() {
      assertThat(fields(production(20, "{\"count\": 1, \"duration_secs\": 60, \"bogus\": 1}")))
          .containsExactly("sla_policy.bogus");
    }
  }

  @Nested
  class Updates {

    @Test
    void reportsBadUpdateNumbers() {
      ObjectNode job =
          with(
              minimal(),
              "/update_config",
              json(
                  """
                  {"batch_size": 0, "watch_secs": -1, "max_per_shard_failures": -1,
                   "max_total_failures": -1, "pulse_interval_secs": 0,
                   "progress_deadline_secs": 0}
                  """));

      assertThat(fields(job))
          .containsExactlyInAnyOrder(
              "update_config.batch_size",
              "update_config.watch_secs",
              "update_config.max_per_shard_failures",
              "update_config.max_total_failures",
              "update_config.pulse_interval_secs",
              "update_config.progress_deadline_secs");
    }

    @Test
    void reportsAStrategyWithTwoKinds() {
      assertThat(
              fields(
                  with(
                      minimal(),
                      "/update_config",
                      json("{\"strategy\": {\"queue\": {}, \"batch\": {}}}"))))
          .containsExactly("update_config.strategy");
    }

    @Test
    void reportsAnUnknownStrategy() {
      assertThat(
              fields(with(minimal(), "/update_config", json("{\"strategy\": {\"rolling\": {}}}"))))
          .containsExactly("update_config.strategy.rolling");
    }

    @Test
    void reportsBadGroupSizes() {
      ObjectNode job =
          with(
              minimal(),
              "/update_config",
              json("{\"strategy\": {\"variable_batch\": {\"batch_sizes\": [1, 0]}}}"));

      assertThat(fields(job)).containsExactly("update_config.strategy.variable_batch.batch_sizes");
      assertThat(
              fields(
                  with(
                      minimal(),
                      "/update_config",
                      json("{\"strategy\": {\"batch\": {\"batch_size\": 0}}}"))))
          .containsExactly("update_config.strategy.batch.batch_size");
    }

    @Test
    void reportsBadHealthCheckSettings() {
      ObjectNode job =
          with(
              minimal(),
              "/health_check",
              json(
                  """
                  {"type": "tcp", "endpoint": "health", "interval_secs": 0, "timeout_secs": 0,
                   "initial_interval_secs": -1, "max_consecutive_failures": -1,
                   "min_consecutive_successes": 0}
                  """));

      assertThat(fields(job))
          .containsExactlyInAnyOrder(
              "health_check.type",
              "health_check.endpoint",
              "health_check.interval_secs",
              "health_check.timeout_secs",
              "health_check.initial_interval_secs",
              "health_check.max_consecutive_failures",
              "health_check.min_consecutive_successes");
    }

    @Test
    void reportsAShellHealthCheckWithoutCommand() {
      assertThat(fields(with(minimal(), "/health_check", json("{\"type\": \"shell\"}"))))
          .containsExactly("health_check.command");
    }

    @Test
    void reportsANegativePartitionDelay() {
      assertThat(fields(with(minimal(), "/partition_policy", json("{\"delay_secs\": -1}"))))
          .containsExactly("partition_policy.delay_secs");
    }
  }

  @Nested
  class Types {

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "/instances | \"two\" | instances",
          "/instances | 1.5 | instances",
          "/service | \"yes\" | service",
          "/priority | \"high\" | priority",
          "/max_task_failures | true | max_task_failures",
          "/contact | 5 | contact",
          "/tier | 1 | tier",
          "/metadata | [\"team\"] | metadata",
          "/metadata | {\"team\": {\"a\": 1}} | metadata.team",
          "/constraints | [\"host\"] | constraints",
          "/health_check | \"yes\" | health_check",
          "/update_config | 1 | update_config",
          "/partition_policy | true | partition_policy",
          "/sla_policy | \"95%\" | sla_policy",
          "/container | \"docker\" | container",
          "/cron_schedule | 5 | cron_schedule",
          "/task | \"hello\" | task",
          "/task/name | 1 | task.name",
          "/task/processes | {\"name\": \"x\"} | task.processes",
          "/task/processes | [\"server\"] | task.processes[0]",
          "/task/processes/0/max_failures | \"1\" | task.processes[0].max_failures",
          "/task/processes/0/daemon | 0 | task.processes[0].daemon",
          "/task/processes/0/cmdline | [\"ls\"] | task.processes[0].cmdline",
          "/task/resources | \"small\" | task.resources",
          "/task/resources/cpu | \"half\" | task.resources.cpu",
          "/task/resources/ram | true | task.resources.ram",
          "/task/resources/disk | [512] | task.resources.disk",
          "/task/resources/ports | \"http\" | task.resources.ports",
          "/task/resources/ports | [1] | task.resources.ports[0]",
          "/task/resources/gpu | 0.5 | task.resources.gpu",
          "/task/constraints | {\"order\": []} | task.constraints",
        })
    void reportsAValueOfTheWrongType(String pointer, String value, String field) {
      assertThat(fields(with(minimal(), pointer, json(value)))).containsExactly(field);
    }

    @Test
    void reportsWrongTypesInsideUpdateConfig() {
      ObjectNode job =
          with(
              minimal(),
              "/update_config",
              json(
                  """
                  {"watch_secs": "45", "rollback_on_failure": "yes", "batch_size": 1.5,
                   "pulse_interval_secs": "60"}
                  """));

      assertThat(fields(job))
          .containsExactlyInAnyOrder(
              "update_config.watch_secs",
              "update_config.rollback_on_failure",
              "update_config.batch_size",
              "update_config.pulse_interval_secs");
    }
  }

  @Nested
  class ManyProblems {

    @Test
    void reportsEveryProblemOfAFileInOneParse() {
      ObjectNode job = minimal();
      with(job, "/cluster", "elsewhere");
      with(job, "/environment", "production");
      with(job, "/instances", 0);
      with(job, "/service", true);
      with(job, "/cron_schedule", "*/5 * * * *");
      with(job, "/cron_collision_policy", "RUN_OVERLAP");
      with(job, "/colour", "blue");
      with(job, "/task/resources/cpu", 0);
      with(job, "/task/resources/ram", "12XB");
      with(job, "/task/resources/gpu", 1);
      with(job, "/task/processes/0/cmdline", "run {{foo}}");
      ((com.fasterxml.jackson.databind.node.ArrayNode) job.at("/task/processes"))
          .add(json("{\"name\": \"server\", \"cmdline\": \"./again\"}"));
      with(job, "/constraints", Map.of("dedicated", "other/web"));
      with(job, "/container", json("{\"docker\": {\"image\": \"nginx\"}}"));
      with(job, "/update_config", json("{\"watch_secs\": \"soon\"}"));

      JobConfigParser.Result result = parse(job);

      assertThat(fields(result))
          .containsExactlyInAnyOrder(
              "cluster",
              "environment",
              "instances",
              "cron_schedule",
              "cron_collision_policy",
              "colour",
              "task.resources.cpu",
              "task.resources.ram",
              "task.resources.gpu",
              "task.processes[0].cmdline",
              "task.processes[1].name",
              "constraints.dedicated",
              "container",
              "update_config.watch_secs");
      assertThat(result.errors()).allSatisfy(e -> assertThat(e.message()).isNotBlank());
    }
  }
}
