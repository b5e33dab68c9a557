package io.borealis.quota;

import static io.borealis.quota.Fixtures.API;
import static io.borealis.quota.Fixtures.ROLE;
import static io.borealis.quota.Fixtures.WEB;
import static io.borealis.quota.Fixtures.agg;
import static io.borealis.quota.Fixtures.dedicated;
import static io.borealis.quota.Fixtures.nonProd;
import static io.borealis.quota.Fixtures.prod;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.borealis.common.Rejection;
import io.borealis.common.SnapshotPolicy;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.JobConfiguration;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.quota.RoleUsage.ActiveTask;
import io.borealis.quota.RoleUsage.ActiveUpdate;
import io.borealis.quota.RoleUsage.Group;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The quota checks of aurora-semantics §3.5 and S13 of §9.3, through the service the job and update
 * facades call, against real quota entities and a role usage standing in for the read side.
 */
class QuotaServiceTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(
          EventSourcedBehaviorTestKit.config()
              .withFallback(ConfigFactory.load("application-test")));

  @AfterAll
  static void shutdownTestKit() {
    testKit.shutdownTestKit();
  }

  /** Each test its own role suffix, hence its own quota entities. */
  private static final AtomicInteger nextTest = new AtomicInteger();

  private final Map<String, ActorRef<QuotaEntity.Command>> entities = new ConcurrentHashMap<>();
  private volatile RoleUsage usage;
  private QuotaService quotas;
  private String suffix;

  @BeforeEach
  void setUp() {
    suffix = "-" + nextTest.getAndIncrement();
    usage = RoleUsage.empty(ROLE);
    QuotaEntity.Deps deps = new QuotaEntity.Deps(Clock.systemUTC(), SnapshotPolicy.every(100));
    quotas =
        new QuotaService(
            role ->
                entities.computeIfAbsent(
                    role, r -> testKit.spawn(QuotaEntity.create(r + suffix, deps))),
            role -> usage,
            Duration.ofSeconds(5),
            testKit.scheduler(),
            testKit.system().executionContext());
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a refusal");
  }

  private static JobConfiguration job(TaskConfig task, int instances) {
    return new JobConfiguration(
        task.job(),
        instances,
        task,
        UpdateSettings.DEFAULT,
        Optional.empty(),
        CronCollisionPolicy.KILL_EXISTING);
  }

  private void setQuota(ResourceAggregate quota) throws Exception {
    await(quotas.set(ROLE, quota, "admin"));
  }

  @Test
  void s13ProductionSharedCreateOverQuotaIsRefusedWithTheNumbers() throws Exception {
    setQuota(agg(4, 2048, 10_240));
    usage =
        new RoleUsage(
            ROLE, List.of(new ActiveTask(API, 0, prod(API, 1, 1536, 1024))), List.of(), List.of());

    Throwable refused = failure(quotas.checkCreate(job(prod(WEB, 1, 1024, 1024), 3)));

    assertThat(refused)
        .isInstanceOf(Rejection.Invalid.class)
        .hasMessage(
            "Insufficient resource quota: ram: needs 3.0 GiB more, quota 2.0 GiB, in use 1.5 GiB"
                + QuotaService.whatToDo(ROLE));
  }

  @Test
  void s13NonProductionCreateIsAlwaysAllowedEvenWithoutQuota() throws Exception {
    assertThat(await(quotas.checkCreate(job(nonProd(WEB, 100, 1 << 20, 1 << 20), 50)))).isNotNull();
  }

  @Test
  void productionDedicatedCreateIsNotHeldToQuota() throws Exception {
    assertThat(await(quotas.checkCreate(job(dedicated(prod(WEB, 100, 1 << 20, 1 << 20)), 50))))
        .isNotNull();
  }

  @Test
  void aProductionCreateThatFitsExactlyIsAllowed() throws Exception {
    setQuota(agg(3, 3072, 3072));
    assertThat(await(quotas.checkCreate(job(prod(WEB, 1, 1024, 1024), 3)))).isNotNull();
  }

  @Test
  void aCreateOfAJobThatStillRunsIsLeftToTheJobToRefuse() throws Exception {
    usage =
        new RoleUsage(
            ROLE, List.of(new ActiveTask(WEB, 0, prod(WEB, 1, 1, 1))), List.of(), List.of());
    // No quota at all, yet passed on: the job answers "already exists".
    assertThat(await(quotas.checkCreate(job(prod(WEB, 1, 1, 1), 1)))).isNotNull();
  }

  @Test
  void addingInstancesCountsTheTemplateTimesTheCount() throws Exception {
    setQuota(agg(4, 4096, 4096));
    TaskConfig web = prod(WEB, 1, 1024, 1024);
    usage =
        new RoleUsage(
            ROLE,
            List.of(new ActiveTask(WEB, 0, web), new ActiveTask(WEB, 1, web)),
            List.of(),
            List.of());
    assertThat(await(quotas.checkAdd(WEB, 0, 2))).isNotNull();
    assertThat(failure(quotas.checkAdd(WEB, 1, 3)))
        .isInstanceOf(Rejection.Invalid.class)
        .hasMessageStartingWith(
            "Insufficient resource quota: cpu: needs 3 CPU more, quota 4 CPU, in use 2 CPU;");
  }

  @Test
  void addingInstancesOfANonProductionTemplateIsAlwaysAllowed() throws Exception {
    usage =
        new RoleUsage(
            ROLE, List.of(new ActiveTask(WEB, 0, nonProd(WEB, 1, 1, 1))), List.of(), List.of());
    assertThat(await(quotas.checkAdd(WEB, 0, 1000))).isNotNull();
  }

  @Test
  void anUpdateIsCheckedAsIfItWereActive() throws Exception {
    // Two instances of 1 CPU; the update gives both 2 CPU: 2 x 2 = 4 CPU while it runs.
    TaskConfig old = prod(WEB, 1, 100, 100);
    TaskConfig bigger = prod(WEB, 2, 100, 100);
    usage =
        new RoleUsage(
            ROLE,
            List.of(new ActiveTask(WEB, 0, old), new ActiveTask(WEB, 1, old)),
            List.of(),
            List.of());
    setQuota(agg(3, 1000, 1000));
    var update =
        Optional.of(
            new ActiveUpdate(
                WEB,
                List.of(new Group(old, List.of(0, 1))),
                List.of(new Group(bigger, List.of(0, 1)))));

    assertThat(failure(quotas.checkUpdate(WEB, bigger, active -> update)))
        .isInstanceOf(Rejection.Invalid.class)
        .hasMessage(
            "Insufficient resource quota: cpu: needs 2 CPU more, quota 3 CPU, in use 2 CPU"
                + QuotaService.whatToDo(ROLE));
    setQuota(agg(4, 1000, 1000));
    assertThat(await(quotas.checkUpdate(WEB, bigger, active -> update))).isNotNull();
  }

  @Test
  void anUpdateSeesTheJobsActiveConfigurations() throws Exception {
    TaskConfig old = prod(WEB, 1, 100, 100);
    usage =
        new RoleUsage(
            ROLE,
            List.of(new ActiveTask(WEB, 0, old), new ActiveTask(API, 0, old)),
            List.of(),
            List.of());
    Map<Integer, TaskConfig>[] seen = new Map[1];
    await(
        quotas.checkUpdate(
            WEB,
            nonProd(WEB, 1, 1, 1),
            active -> {
              seen[0] = active;
              return Optional.empty();
            }));
    // A non-production target is not checked at all.
    assertThat(seen[0]).isNull();
    await(
        quotas.checkUpdate(
            WEB,
            old,
            active -> {
              seen[0] = active;
              return Optional.empty();
            }));
    assertThat(seen[0]).containsExactly(Map.entry(0, old));
  }

  @Test
  void settingAQuotaBelowTheProductionConsumptionIsAConflict() throws Exception {
    usage =
        new RoleUsage(
            ROLE, List.of(new ActiveTask(WEB, 0, prod(WEB, 2, 2048, 0))), List.of(), List.of());
    assertThat(failure(quotas.set(ROLE, agg(10, 1024, 0), "admin")))
        .isInstanceOf(Rejection.Conflict.class)
        .hasMessageContaining("ram: quota 1.0 GiB, in use 2.0 GiB");
    assertThat(await(quotas.get(ROLE)).quota()).isEqualTo(ResourceAggregate.ZERO);
  }

  @Test
  void nonProductionConsumptionDoesNotHoldTheQuotaUp() throws Exception {
    usage =
        new RoleUsage(
            ROLE,
            List.of(new ActiveTask(WEB, 0, nonProd(WEB, 50, 1 << 20, 0))),
            List.of(),
            List.of());
    assertThat(await(quotas.set(ROLE, agg(1, 1, 1), "admin")).quota()).isEqualTo(agg(1, 1, 1));
  }

  @Test
  void settingANegativeQuotaIsInvalid() {
    assertThat(failure(quotas.set(ROLE, agg(1, -1, 1), "admin")))
        .isInstanceOf(Rejection.Invalid.class)
        .hasMessage("ram_mb: must be >= 0");
  }

  @Test
  void getAnswersTheQuotaAndTheConsumptionOfEveryCategory() throws Exception {
    usage =
        new RoleUsage(
            ROLE,
            List.of(
                new ActiveTask(WEB, 0, prod(WEB, 1, 128, 256)),
                new ActiveTask(API, 0, nonProd(API, 2, 256, 512))),
            List.of(),
            List.of());
    setQuota(agg(10, 20_480, 102_400));
    QuotaService.QuotaInfo info = await(quotas.get(ROLE));
    assertThat(info.role()).isEqualTo(ROLE);
    assertThat(info.quota()).isEqualTo(agg(10, 20_480, 102_400));
    assertThat(info.consumption().prodShared()).isEqualTo(agg(1, 128, 256));
    assertThat(info.consumption().of(QuotaCategory.NON_PROD_SHARED)).isEqualTo(agg(2, 256, 512));
  }
}
