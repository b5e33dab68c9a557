package io.borealis.quota;

import static io.borealis.quota.Fixtures.agg;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A role's quota entity: reply, event and state of each command, and recovery. */
class QuotaEntityTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(
          EventSourcedBehaviorTestKit.config()
              .withFallback(ConfigFactory.load("application-test")));

  @AfterAll
  static void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  private static final AtomicInteger nextRole = new AtomicInteger();

  private String role;
  private EventSourcedBehaviorTestKit<QuotaEntity.Command, QuotaEntity.Event, QuotaEntity.State>
      quota;

  @BeforeEach
  void setUp() {
    role = "role" + nextRole.getAndIncrement();
    quota =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            QuotaEntity.create(
                role,
                new QuotaEntity.Deps(Clock.fixed(NOW, ZoneOffset.UTC), SnapshotPolicy.every(100))));
  }

  @Test
  void aRoleWithoutQuotaHasZeros() {
    var result = quota.<ResourceAggregate>runCommand(QuotaEntity.GetQuota::new);
    assertThat(result.reply()).isEqualTo(ResourceAggregate.ZERO);
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void settingAQuotaPersistsItWithWhoAndWhenAndRepliesWithIt() {
    var result =
        quota.<StatusReply<ResourceAggregate>>runCommand(
            r -> new QuotaEntity.SetQuota(agg(10, 20_480, 102_400), "bob", r));
    assertThat(result.reply().getValue()).isEqualTo(agg(10, 20_480, 102_400));
    assertThat(result.event())
        .isEqualTo(
            new QuotaEntity.QuotaSet(
                role, agg(10, 20_480, 102_400), ResourceAggregate.ZERO, "bob", NOW));
    assertThat(result.state()).isEqualTo(new QuotaEntity.State(agg(10, 20_480, 102_400)));
  }

  @Test
  void aNegativeFieldIsRefusedNamingItAndNothingIsPersisted() {
    var result =
        quota.<StatusReply<ResourceAggregate>>runCommand(
            r -> new QuotaEntity.SetQuota(agg(-1, 1024, -2), "bob", r));
    assertThat(result.reply().isError()).isTrue();
    assertThat(result.reply().getError())
        .isInstanceOf(Rejection.Invalid.class)
        .hasMessage("cpu: must be >= 0; disk_mb: must be >= 0");
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.state().quota()).isEqualTo(ResourceAggregate.ZERO);
  }

  @Test
  void settingTheSameQuotaAgainPersistsNothing() {
    quota.<StatusReply<ResourceAggregate>>runCommand(
        r -> new QuotaEntity.SetQuota(agg(1, 2, 3), "bob", r));
    var again =
        quota.<StatusReply<ResourceAggregate>>runCommand(
            r -> new QuotaEntity.SetQuota(agg(1, 2, 3), "alice", r));
    assertThat(again.reply().getValue()).isEqualTo(agg(1, 2, 3));
    assertThat(again.hasNoEvents()).isTrue();
  }

  @Test
  void theQuotaSurvivesARestart() {
    quota.<StatusReply<ResourceAggregate>>runCommand(
        r -> new QuotaEntity.SetQuota(agg(1, 2, 3), "bob", r));
    quota.<StatusReply<ResourceAggregate>>runCommand(
        r -> new QuotaEntity.SetQuota(agg(4, 5, 6), "bob", r));
    var restarted = quota.restart();
    assertThat(restarted.state()).isEqualTo(new QuotaEntity.State(agg(4, 5, 6)));
    assertThat(quota.<ResourceAggregate>runCommand(QuotaEntity.GetQuota::new).reply())
        .isEqualTo(agg(4, 5, 6));
  }
}
