package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.Assignment;
import io.borealis.model.FieldError;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfigParser;
import io.borealis.model.JobConfiguration;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.ValidationSettings;
import io.borealis.task.ScheduledTask;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The response records written as JSON: configurations in the job-file schema (they parse back to
 * the same configuration; optional parts left out when unset) and problem bodies.
 */
class ResponseJsonTest {

  /** Docker allowed, so that every part of the schema can be rendered. */
  private static final ValidationSettings SETTINGS =
      new ValidationSettings(
          "local",
          Pattern.compile("^(prod|devel|test|staging\\d*)$"),
          4000,
          false,
          Set.of("MESOS", "DOCKER"),
          20,
          7200);

  static final String[] JOBS = {
    """
    {"role":"www-data","environment":"prod","name":"hello","instances":20,"service":true,"tier":"preferred",
     "contact":"ops@example.com","metadata":{"team":"web","a":"b"},
     "task":{"name":"hello","processes":[{"name":"setup","cmdline":"tar xzf app.tgz","env":{"X":"1"}},
       {"name":"server","cmdline":"python3 -m http.server {{thermos.ports[http]}}","final":false}],
       "constraints":[{"order":["setup","server"]}],
       "resources":{"cpu":0.5,"ram":"256MB","disk":"512MB","ports":["http","health"],"gpu":0}},
     "health_check":{"type":"shell","command":"true","initial_interval_secs":15},
     "update_config":{"pulse_interval_secs":30,"progress_deadline_secs":100,"strategy":{"variable_batch":{"batch_sizes":[1,2,5],"autopause_after_batch":true}}},
     "partition_policy":{"reschedule":true,"delay_secs":5},
     "sla_policy":{"percentage":95,"duration_secs":1800},
     "container":{"docker":{"image":"nginx:1.27","parameters":[{"name":"a","value":"b"}]}}}
    """,
    """
    {"role":"r","environment":"prod","name":"n","task":{"processes":[{"name":"p","cmdline":"x"}],"resources":{"cpu":1,"ram":"1GB","disk":10}},
     "cron_schedule":"*/5 * * * *","update_config":{"strategy":{"batch":{"batch_size":3,"autopause_after_batch":false}}},
     "tier":"preferred","instances":20,"sla_policy":{"coordinator_url":"http://x","status_key":"k"},"container":{"mesos":{"image":"img"}}}
    """,
    """
    {"role":"r","environment":"prod","name":"n","task":{"processes":[{"name":"p","cmdline":"x"}],"resources":{"cpu":1,"ram":"1GB","disk":10}},
     "health_check":{"type":"http","endpoint":"/h"},"tier":"preferred","instances":20,"sla_policy":{"count":2,"duration_secs":60},"container":{"mesos":{}}}
    """
  };

  @Test
  void aRenderedJobParsesBackToTheSameConfiguration() throws Exception {
    for (String job : JOBS) {
      JobConfiguration config = parse(job);
      String rendered = new String(Json.bytes(ConfigJson.job(config)), StandardCharsets.UTF_8);

      assertThat(parse(rendered)).isEqualTo(config);
    }
  }

  @Test
  void aJobIsRenderedInTheJobFileSchemaWithItsOptionalPartsLeftOutWhenUnset() throws Exception {
    String rendered =
        new String(Json.bytes(ConfigJson.job(parse(JOBS[1]))), StandardCharsets.UTF_8);

    assertThat(rendered)
        .isEqualTo(
            "{\"role\":\"r\",\"environment\":\"prod\",\"name\":\"n\",\"instances\":20,\"service\":false,\"tier\":\"preferred\",\"priority\":0,\"max_task_failures\":1,\"metadata\":{},\"task\":{\"name\":\"n\",\"processes\":[{\"name\":\"p\",\"cmdline\":\"x\",\"max_failures\":1,\"daemon\":false,\"ephemeral\":false,\"min_duration_secs\":5,\"final\":false}],\"constraints\":[],\"resources\":{\"cpu\":1.0,\"ram\":\"1024MB\",\"disk\":\"10MB\",\"ports\":[],\"gpu\":0}},\"partition_policy\":{\"reschedule\":true,\"delay_secs\":0},\"sla_policy\":{\"coordinator_url\":\"http://x\",\"status_key\":\"k\"},\"container\":{\"mesos\":{\"image\":\"img\"}},\"update_config\":{\"batch_size\":1,\"watch_secs\":45,\"max_per_shard_failures\":0,\"max_total_failures\":0,\"rollback_on_failure\":true,\"wait_for_batch_completion\":false,\"sla_aware\":false,\"strategy\":{\"batch\":{\"batch_size\":3,\"autopause_after_batch\":false}}},\"cron_schedule\":\"*/5 * * * *\",\"cron_collision_policy\":\"KILL_EXISTING\"}");
  }

  @Test
  void aProblemListsEveryBadField() {
    Problems.Problem problem =
        new Problems.Problem(
            "about:blank",
            "Bad Request",
            400,
            "Invalid request: 2 problems",
            List.of(new FieldError("a", "b"), new FieldError("c", "d")));

    assertThat(new String(Json.bytes(problem), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"Invalid request: 2 problems\",\"errors\":[{\"field\":\"a\",\"message\":\"b\"},{\"field\":\"c\",\"message\":\"d\"}]}");
    assertThat(
            new String(
                Json.bytes(new Problems.Problem("about:blank", "Not Found", 404, "x", List.of())),
                StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"x\"}");
  }

  @Test
  void aTaskShowsUnsetFieldsAsNullAndItsEventsOnlyWhenAsked() throws Exception {
    JobConfiguration config = parse(JOBS[1]);
    ScheduledTask task =
        ScheduledTask.created(
                "t-1",
                new InstanceKey(config.key(), 0),
                config.task(),
                0,
                Optional.empty(),
                ScheduleStatus.PENDING,
                Instant.parse("2025-01-02T03:04:05Z"),
                Optional.empty())
            .assigned(
                new Assignment("agent-1", "host-1", Map.of("http", 31001, "admin", 31000)),
                Instant.parse("2025-01-02T03:04:06Z"));

    assertThat(text(Views.task(task, false)))
        .isEqualTo(
            "{\"task_id\":\"t-1\",\"job_key\":\"r/prod/n\",\"instance_id\":0,"
                + "\"status\":\"ASSIGNED\",\"host\":\"host-1\",\"agent_id\":\"agent-1\","
                + "\"assigned_ports\":{\"admin\":31000,\"http\":31001},\"failure_count\":0,"
                + "\"ancestor_id\":null,\"reason\":null,"
                + "\"updated_at\":\"2025-01-02T03:04:06Z\"}");
    assertThat(Json.MAPPER.readTree(text(Views.task(task, true))).path("events"))
        .hasSize(2)
        .allSatisfy(e -> assertThat(e.has("message")).isTrue());
  }

  @Test
  void aJobShowsItsSummaryFieldsAtTheTopWithNullsForWhatItHasNot() throws Exception {
    JobConfiguration config = parse(JOBS[1]);
    Views.JobView job =
        new Views.JobView(
            new Views.JobSummaryView(
                "r/prod/n",
                "r",
                "prod",
                "n",
                20,
                new Views.StatsView(1, 2, 3, 4),
                null,
                null,
                null),
            null,
            ConfigJson.job(config),
            List.of());

    assertThat(text(job))
        .startsWith(
            "{\"job_key\":\"r/prod/n\",\"role\":\"r\",\"environment\":\"prod\",\"name\":\"n\","
                + "\"instances\":20,\"stats\":{\"pending\":1,\"active\":2,\"finished\":3,"
                + "\"failed\":4},\"cron_schedule\":null,\"next_cron_run\":null,"
                + "\"active_update\":null,\"created_at\":null,\"config\":{\"role\":\"r\"")
        .endsWith("\"active_groups\":[]}");
  }

  private static String text(Object response) {
    return new String(Json.bytes(response), StandardCharsets.UTF_8);
  }

  private static JobConfiguration parse(String json) throws Exception {
    JobConfigParser.Result r =
        JobConfigParser.parse(Json.MAPPER.readTree(json), SETTINGS, Optional.empty());
    assertThat(r.errors()).isEmpty();
    return r.get();
  }
}
