package io.borealis.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.borealis.persistence.cassandra.CassandraLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short form of the durability test: a node killed with SIGKILL five times under a workload
 * keeps every acknowledged change, never runs two tasks for one instance and never shows a status
 * going backwards. The store is {@code -Dborealis.durability.store} (default {@code embedded});
 * {@code cassandra} runs on {@code -Dborealis.durability.cassandra=host:port}, or on a Cassandra
 * the test starts (the {@code cassandra-durability} execution of this module's build). The seed is
 * {@code -Dborealis.durability.seed} (default: the time), printed for a replay. The long form is
 * {@code loadtest/run durability}.
 */
class DurabilityTest {

  @Test
  void nothingAcknowledgedIsLostAcrossFiveKills(@TempDir Path temp) throws Exception {
    String store = System.getProperty("borealis.durability.store", "embedded");
    String cassandra = System.getProperty("borealis.durability.cassandra");
    long seed = Long.getLong("borealis.durability.seed", System.currentTimeMillis());
    if (store.equals("cassandra") && cassandra == null) {
      try {
        cassandra = Durability.ownCassandra();
      } catch (CassandraLauncher.LaunchFailure e) {
        assumeTrue(false, "the Cassandra variant is skipped: Cassandra cannot run here: " + e);
      }
    }

    DurabilityRun.Result result =
        new DurabilityRun(
                new DurabilityRun.Settings(
                    seed,
                    5,
                    4,
                    Duration.ofMillis(500),
                    Duration.ofMillis(2000),
                    Durability.storeArgs(store, cassandra),
                    Durability.NODE_SETTINGS + Durability.storeSettings(store, seed),
                    temp,
                    Duration.ofSeconds(30),
                    // Quicker starts on a busy machine: the test counts restarts, not speed.
                    List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    false))
            .run();

    String replay =
        "seed " + seed + " (-Dborealis.durability.seed=" + seed + "): " + result.report();
    assertThat(result.trials()).as(replay).hasSize(5);
    assertThat(result.acked()).as(replay).isGreaterThan(20);
    assertThat(result.tasksObserved()).as(replay).isGreaterThan(0);
    assertThat(result.lost()).as(replay).isZero();
    assertThat(result.duplicates()).as(replay).isZero();
    assertThat(result.regressions()).as(replay).isZero();
  }
}
