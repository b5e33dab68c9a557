package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code borealis admin backup ...} and {@code borealis admin recovery ...} against a fake
 * scheduler: what they send and print.
 */
class BackupCommandsTest {

  private static final String BACKUPS = "/api/v1/admin/backups";
  private static final String RECOVERY = "/api/v1/admin/recovery";

  @TempDir Path temp;
  FakeCluster cluster;
  FakeScheduler fake;

  @BeforeEach
  void setUp() throws IOException {
    cluster = new FakeCluster(temp);
    fake = cluster.scheduler;
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void backupNowTakesOneAndSaysWhichAndHowBig() {
    fake.json(
        "POST " + BACKUPS,
        201,
        "{\"id\": \"20260102-030405-678\", \"created_at\": \"2026-01-02T03:04:05.678Z\","
            + " \"jobs\": 3, \"tasks\": 12}");

    FakeCluster.Result r = cluster.run("admin", "backup", "now", "fake");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Backup 20260102-030405-678 taken: 3 jobs, 12 tasks.");
    assertThat(fake.requests("POST " + BACKUPS)).singleElement();
  }

  @Test
  void backupListShowsATable() {
    fake.json(
        "GET " + BACKUPS,
        200,
        "{\"items\": [{\"id\": \"b2\", \"created_at\": \"2026-01-02T04:00:00Z\", \"jobs\": 3,"
            + " \"tasks\": 12}, {\"id\": \"b1\", \"created_at\": \"2026-01-02T03:00:00Z\","
            + " \"jobs\": 1, \"tasks\": 2}]}");

    FakeCluster.Result r = cluster.run("admin", "backup", "list", "fake");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("ID", "CREATED", "JOBS", "TASKS", "b2", "b1");
    assertThat(r.out().indexOf("b2")).isLessThan(r.out().indexOf("b1"));
  }

  @Test
  void recoveryStagesQueriesDeletesCommitsAndUnloads() {
    fake.json(
        "POST " + RECOVERY + "/stage", 200, "{\"backup_id\": \"b1\", \"jobs\": 1, \"tasks\": 2}");
    fake.json(
        "GET " + RECOVERY + "?job=www-data%2Fprod%2Fweb&status=RUNNING",
        200,
        "{\"backup_id\": \"b1\", \"jobs\": [\"www-data/prod/web\"], \"tasks\": [{\"task_id\":"
            + " \"t-1\", \"job_key\": \"www-data/prod/web\", \"instance_id\": 0, \"status\":"
            + " \"RUNNING\"}]}");
    fake.json("POST " + RECOVERY + "/delete", 200, "{\"deleted\": [\"t-1\"]}");
    fake.json(
        "POST " + RECOVERY + "/commit", 200, "{\"backup_id\": \"b1\", \"jobs\": 1, \"tasks\": 1}");
    fake.json("POST " + RECOVERY + "/unload", 200, "{\"backup_id\": \"b1\"}");

    // The cluster as Aurora's admin client took it, before the backup id.
    FakeCluster.Result staged = cluster.run("admin", "recovery", "stage", "fake", "b1");
    assertThat(staged.code()).isZero();
    assertThat(staged.out()).contains("Backup b1 staged: 1 jobs, 2 tasks.");
    assertThat(fake.requests("POST " + RECOVERY + "/stage"))
        .singleElement()
        .satisfies(q -> assertThat(q.body()).isEqualTo("{\"backup_id\":\"b1\"}"));

    FakeCluster.Result query =
        cluster.run(
            "admin",
            "recovery",
            "query",
            "--job",
            "www-data/prod/web",
            "--status",
            "RUNNING",
            "--cluster",
            "fake");
    assertThat(query.code()).as(query.err()).isZero();
    assertThat(query.out()).contains("1 jobs, 1 matching tasks", "t-1", "RUNNING");

    FakeCluster.Result deleted =
        cluster.run("admin", "recovery", "delete", "t-1", "t-2", "--cluster", "fake");
    assertThat(deleted.code()).isZero();
    assertThat(deleted.out()).contains("Deleted 1 tasks from the staged copy.");
    assertThat(fake.requests("POST " + RECOVERY + "/delete"))
        .singleElement()
        .satisfies(q -> assertThat(q.body()).isEqualTo("{\"task_ids\":[\"t-1\",\"t-2\"]}"));

    FakeCluster.Result committed = cluster.run("admin", "recovery", "commit", "fake");
    assertThat(committed.code()).isZero();
    assertThat(committed.out()).contains("Backup b1 committed");

    FakeCluster.Result unloaded = cluster.run("admin", "recovery", "unload", "--cluster", "fake");
    assertThat(unloaded.code()).isZero();
    assertThat(unloaded.out()).contains("Backup b1 unloaded.");
  }

  @Test
  void aDeleteWithoutTasksOrJobIsAUsageErrorAndAConflictExitsOne() {
    assertThat(cluster.run("admin", "recovery", "delete", "--cluster", "fake").code()).isEqualTo(2);
    assertThat(fake.requests).isEmpty();
    fake.json(
        "POST " + RECOVERY + "/commit",
        409,
        "{\"title\": \"Conflict\", \"status\": 409, \"detail\": \"no backup is staged\"}");
    FakeCluster.Result r = cluster.run("admin", "recovery", "commit", "--cluster", "fake");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("no backup is staged");
  }
}
