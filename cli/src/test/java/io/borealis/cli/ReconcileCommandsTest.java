package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code borealis admin reconcile} against a fake scheduler: what it sends and prints. */
class ReconcileCommandsTest {

  private static final String RECONCILE = "POST /api/v1/admin/reconcile";

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
  void anExplicitRunIsAskedForWithItsBatchSize() {
    fake.json(RECONCILE, 202, "{\"kind\": \"explicit\", \"batch_size\": 50}");

    FakeCluster.Result r = run("admin", "reconcile", "fake", "--batch-size", "50");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Explicit reconciliation started on cluster fake");
    assertThat(fake.requests(RECONCILE))
        .singleElement()
        .satisfies(
            q -> assertThat(q.body()).isEqualTo("{\"kind\":\"explicit\",\"batch_size\":50}"));
  }

  @Test
  void anImplicitRunIsAskedFor() {
    fake.json(RECONCILE, 202, "{\"kind\": \"implicit\"}");

    FakeCluster.Result r = run("admin", "reconcile", "fake", "--implicit", "-o", "json");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("\"kind\" : \"implicit\"");
    assertThat(fake.requests(RECONCILE))
        .singleElement()
        .satisfies(q -> assertThat(q.body()).isEqualTo("{\"kind\":\"implicit\"}"));
  }

  @Test
  void aBatchSizeBelowOneOrWithImplicitIsAUsageErrorAndSendsNothing() {
    assertThat(run("admin", "reconcile", "fake", "--batch-size", "0").code()).isEqualTo(2);
    FakeCluster.Result both = run("admin", "reconcile", "fake", "--implicit", "--batch-size", "5");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("explicit reconciliation only");
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void aRefusalExitsOne() {
    fake.json(
        RECONCILE,
        400,
        "{\"title\": \"Bad Request\", \"status\": 400, \"detail\": \"bad\", \"errors\": []}");

    assertThat(run("admin", "reconcile", "fake").code()).isEqualTo(1);
  }

  private FakeCluster.Result run(String... args) {
    return cluster.run(args);
  }
}
