package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code borealis admin status} against a fake scheduler: the table, human units, JSON. */
class StatusCommandTest {

  private static final String STATUS =
      """
      {"version": "0.1.0", "answered_by": "pekko://borealis@10.0.0.2:2552",
       "started_at": "2026-01-01T00:00:00Z", "uptime_secs": 7384,
       "nodes": [
        {"address": "pekko://borealis@10.0.0.1:2552", "status": "Up", "roles": [],
         "oldest": true, "self": false, "reachable": true},
        {"address": "pekko://borealis@10.0.0.2:2552", "status": "Up", "roles": ["dc-a"],
         "oldest": false, "self": true, "reachable": true},
        {"address": "pekko://borealis@10.0.0.3:2552", "status": "Up", "roles": [],
         "oldest": false, "self": false, "reachable": false}],
       "backend": {"kind": "sim", "reachable": true, "address": "pekko://borealis@10.0.0.1:2552",
        "round_trip_ms": 2, "problem": null, "registered_here": false},
       "store": {"kind": "cassandra", "reachable": false, "address": null, "round_trip_ms": null,
        "problem": "its health check does not succeed", "registered_here": null},
       "agents": {"count": 3, "cpu_free": 2.5, "ram_mb_free": 3072, "cpu_total": 12.0,
        "ram_mb_total": 24576},
       "tasks": {"PENDING": 3, "RUNNING": 12, "LOST": 0},
       "pending": 3, "read_side": {"index": 1234, "caught_up": true, "events_read": 90, "lag_ms": 250}}
      """;

  @TempDir Path temp;
  FakeCluster cluster;

  @BeforeEach
  void setUp() throws IOException {
    cluster = new FakeCluster(temp);
    cluster.scheduler.json("GET /api/v1/admin/status", 200, STATUS);
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void printsNodesDependenciesAndTasksInHumanUnits() {
    FakeCluster.Result r = cluster.run("admin", "status", "fake");

    assertThat(r.code()).isZero();
    assertThat(r.out())
        .startsWith("Borealis 0.1.0, answered by pekko://borealis@10.0.0.2:2552, up 2h 3m\n")
        .contains("pekko://borealis@10.0.0.1:2552  Up      -      oldest: holds the singletons")
        .contains("dc-a   answered")
        .contains("UNREACHABLE")
        .contains("Backend    sim on pekko://borealis@10.0.0.1:2552, answers in 2 ms\n")
        .contains("Store      cassandra: DOES NOT ANSWER (its health check does not succeed)\n")
        .contains("Agents     3; free 2.5 of 12.0 cpu, 3.0 GiB of 24.0 GiB ram\n")
        .contains("Tasks      PENDING 3, RUNNING 12\n")
        .contains("Pending    3\n")
        .contains("Read side  index 1234, caught up, 250 ms behind the journal\n");
  }

  @Test
  void jsonOutputIsTheSchedulersReply() throws IOException {
    FakeCluster.Result r = cluster.run("admin", "status", "--cluster", "fake", "-o", "json");

    assertThat(r.code()).isZero();
    ObjectMapper json = new ObjectMapper();
    assertThat(json.readTree(r.out())).isEqualTo(json.readTree(STATUS));
  }
}
