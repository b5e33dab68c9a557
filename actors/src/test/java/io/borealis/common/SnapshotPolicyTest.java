package io.borealis.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.borealis.quota.QuotaEntity;
import io.borealis.quota.ResourceAggregate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.testkit.JournalOperation;
import org.apache.pekko.persistence.testkit.ProcessingResult;
import org.apache.pekko.persistence.testkit.ProcessingSuccess$;
import org.apache.pekko.persistence.testkit.ReadEvents;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.SnapshotTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Snapshot policies (issue 11): each entity type's is read from {@code borealis.snapshots}, and an
 * entity with more events than the policy's interval recovers from its newest snapshot, replaying
 * only the events after it.
 */
class SnapshotPolicyTest {

  static final List<String> ENTITIES =
      List.of("task-instance", "job", "job-update", "quota", "maintenance");

  private static final ActorTestKit testKit =
      ActorTestKit.create(
          EventSourcedBehaviorTestKit.config()
              .withFallback(ConfigFactory.load("application-test")));

  @AfterAll
  static void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyEntityTypeHasAPolicyOfItsOwnInConfig() {
    Config config =
        ConfigFactory.parseString("borealis.snapshots.job { every-events = 7, keep-snapshots = 3 }")
            .withFallback(ConfigFactory.load());
    for (String entity : ENTITIES) {
      assertThat(SnapshotPolicy.from(ConfigFactory.load(), entity))
          .as(entity)
          .isEqualTo(new SnapshotPolicy(100, 2));
    }
    assertThat(SnapshotPolicy.from(config, "job")).isEqualTo(new SnapshotPolicy(7, 3));
    assertThat(SnapshotPolicy.from(config, "quota")).isEqualTo(new SnapshotPolicy(100, 2));
  }

  @Test
  void refusesAnIntervalOrACountBelowOne() {
    assertThatThrownBy(() -> new SnapshotPolicy(0, 2)).hasMessageContaining("every-events");
    assertThatThrownBy(() -> new SnapshotPolicy(10, 0)).hasMessageContaining("keep-snapshots");
  }

  @Test
  void recoversFromTheNewestSnapshotReplayingOnlyTheEventsAfterIt() {
    var quota =
        EventSourcedBehaviorTestKit
            .<QuotaEntity.Command, QuotaEntity.Event, QuotaEntity.State>create(
                testKit.system(),
                QuotaEntity.create(
                    "snapshots",
                    new QuotaEntity.Deps(
                        Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
                        new SnapshotPolicy(3, 2))));
    // Ten events: snapshots after the 3rd, 6th and 9th; the newest two are kept.
    for (int i = 1; i <= 10; i++) {
      int ram = i * 100;
      quota.<StatusReply<ResourceAggregate>>runCommand(
          r -> new QuotaEntity.SetQuota(new ResourceAggregate(1, ram, 1), "ops", r));
    }
    SnapshotTestKit snapshots = quota.snapshotTestKit().orElseThrow();
    testKit
        .createTestProbe()
        .awaitAssert(
            () -> {
              List<Long> kept = new ArrayList<>();
              snapshots
                  .persistedInStorage("quota|snapshots")
                  .forEach(s -> kept.add(s.first().sequenceNr()));
              assertThat(kept).containsExactly(6L, 9L);
              return null;
            });

    // Recovery reads the journal only after the newest snapshot: the 10th event.
    List<Object> replayed = new ArrayList<>();
    quota
        .persistenceTestKit()
        .withPolicy(
            (String persistenceId, JournalOperation operation) -> {
              if (operation instanceof ReadEvents read) {
                replayed.addAll(read.getBatch());
              }
              return (ProcessingResult) ProcessingSuccess$.MODULE$;
            });
    var restarted = quota.restart();
    quota.persistenceTestKit().resetPolicy();

    assertThat(restarted.state().quota()).isEqualTo(new ResourceAggregate(1, 1000, 1));
    assertThat(replayed).extracting(r -> ((PersistentRepr) r).sequenceNr()).containsExactly(10L);
  }
}
