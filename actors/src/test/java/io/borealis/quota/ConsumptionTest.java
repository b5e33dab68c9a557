package io.borealis.quota;

import static io.borealis.quota.Fixtures.API;
import static io.borealis.quota.Fixtures.BATCH;
import static io.borealis.quota.Fixtures.ROLE;
import static io.borealis.quota.Fixtures.WEB;
import static io.borealis.quota.Fixtures.agg;
import static io.borealis.quota.Fixtures.dedicated;
import static io.borealis.quota.Fixtures.nonProd;
import static io.borealis.quota.Fixtures.prod;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.quota.RoleUsage.ActiveTask;
import io.borealis.quota.RoleUsage.ActiveUpdate;
import io.borealis.quota.RoleUsage.CronJob;
import io.borealis.quota.RoleUsage.Group;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The consumption rules of aurora-semantics §3.5, one bullet at a time. */
class ConsumptionTest {

  private static List<ActiveTask> tasks(JobKey job, TaskConfig config, int... instances) {
    List<ActiveTask> tasks = new ArrayList<>();
    for (int i : instances) {
      tasks.add(new ActiveTask(job, i, config));
    }
    return tasks;
  }

  private static RoleUsage usage(
      List<ActiveTask> tasks, List<ActiveUpdate> updates, List<CronJob> cron) {
    return new RoleUsage(ROLE, tasks, updates, cron);
  }

  @Test
  void aRoleWithNothingConsumesNothingInEveryCategory() {
    Consumption c = Consumption.of(RoleUsage.empty(ROLE));
    assertThat(c.byCategory())
        .hasSize(4)
        .allSatisfy((k, v) -> assertThat(v).isEqualTo(agg(0, 0, 0)));
  }

  @Test
  void aJobWithoutAnUpdateCountsTheSumOfItsActiveTasks() {
    TaskConfig web = prod(WEB, 1.5, 1024, 2048);
    Consumption c = Consumption.of(usage(tasks(WEB, web, 0, 1, 2), List.of(), List.of()));
    assertThat(c.prodShared()).isEqualTo(agg(4.5, 3072, 6144));
  }

  @Test
  void eachTaskCountsInTheCategoryOfItsOwnConfiguration() {
    List<ActiveTask> all = new ArrayList<>();
    all.addAll(tasks(WEB, prod(WEB, 1, 100, 10), 0, 1));
    all.addAll(tasks(API, dedicated(prod(API, 2, 200, 20)), 0));
    all.addAll(tasks(BATCH, nonProd(BATCH, 4, 400, 40), 0, 1, 2));
    all.add(new ActiveTask(BATCH, 3, dedicated(nonProd(BATCH, 8, 800, 80))));
    Consumption c = Consumption.of(usage(all, List.of(), List.of()));
    assertThat(c.of(QuotaCategory.PROD_SHARED)).isEqualTo(agg(2, 200, 20));
    assertThat(c.of(QuotaCategory.PROD_DEDICATED)).isEqualTo(agg(2, 200, 20));
    assertThat(c.of(QuotaCategory.NON_PROD_SHARED)).isEqualTo(agg(12, 1200, 120));
    assertThat(c.of(QuotaCategory.NON_PROD_DEDICATED)).isEqualTo(agg(8, 800, 80));
  }

  @Test
  void portsGpusAndExecutorOverheadAreNotCounted() {
    TaskConfig withPorts =
        Fixtures.withResources(
            prod(WEB, 1, 128, 256), new Resources(1, 128, 256, List.of("http", "admin"), 2));
    Consumption c = Consumption.of(usage(tasks(WEB, withPorts, 0), List.of(), List.of()));
    // 1 CPU and 128 MiB exactly: no Thermos overhead (0.25 CPU, 128 MB) added.
    assertThat(c.prodShared()).isEqualTo(agg(1, 128, 256));
  }

  @Test
  void anActiveUpdateCountsItsInstancesAsTheLargerOfBeforeAndAfterPerResource() {
    TaskConfig old = prod(WEB, 1, 1024, 100);
    TaskConfig next = prod(WEB, 0.5, 2048, 100);
    // Instances 0-3 run the old config; the update replaces 0 and 1 and adds 4.
    List<ActiveTask> active = new ArrayList<>(tasks(WEB, old, 0, 1, 2, 3));
    active.add(new ActiveTask(WEB, 4, next));
    ActiveUpdate update =
        new ActiveUpdate(
            WEB,
            List.of(new Group(old, List.of(0, 1))),
            List.of(new Group(next, List.of(0, 1, 4))));
    Consumption c = Consumption.of(usage(active, List.of(update), List.of()));
    // Outside the update: instances 2 and 3 (2 CPU, 2048 MiB, 200 MiB).
    // The update: initial 2 x old = (2, 2048, 200), desired 3 x next = (1.5, 6144, 300);
    // per resource the larger: (2, 6144, 300).
    assertThat(c.prodShared()).isEqualTo(agg(4, 8192, 500));
  }

  @Test
  void anUpdateThatLeavesProductionCountsItsInitialSideAsProductionAndItsDesiredAsNot() {
    TaskConfig old = prod(WEB, 2, 2048, 100);
    TaskConfig next = nonProd(WEB, 1, 1024, 100);
    ActiveUpdate update =
        new ActiveUpdate(
            WEB, List.of(new Group(old, List.of(0, 1))), List.of(new Group(next, List.of(0, 1))));
    Consumption c =
        Consumption.of(
            usage(
                List.of(new ActiveTask(WEB, 0, next), new ActiveTask(WEB, 1, old)),
                List.of(update),
                List.of()));
    assertThat(c.prodShared()).isEqualTo(agg(4, 4096, 200));
    assertThat(c.of(QuotaCategory.NON_PROD_SHARED)).isEqualTo(agg(2, 2048, 200));
  }

  @Test
  void anUpdateOfAnotherJobDoesNotHideThisJobsTasks() {
    TaskConfig web = prod(WEB, 1, 100, 10);
    ActiveUpdate apiUpdate =
        new ActiveUpdate(API, List.of(), List.of(new Group(prod(API, 1, 100, 10), List.of(0))));
    Consumption c = Consumption.of(usage(tasks(WEB, web, 0, 1), List.of(apiUpdate), List.of()));
    assertThat(c.prodShared()).isEqualTo(agg(3, 300, 30));
  }

  @Test
  void aCronJobCountsItsTemplateTimesItsInstancesWhenNothingRuns() {
    CronJob nightly = new CronJob(BATCH, prod(BATCH, 1, 512, 1024), 3);
    Consumption c = Consumption.of(usage(List.of(), List.of(), List.of(nightly)));
    assertThat(c.prodShared()).isEqualTo(agg(3, 1536, 3072));
  }

  @Test
  void aCronJobCountsItsActiveTasksWhenThoseAreMore() {
    // A run still stopping while the next starts: four active tasks of a three-instance template.
    TaskConfig template = prod(BATCH, 1, 512, 1024);
    CronJob nightly = new CronJob(BATCH, template, 3);
    Consumption c =
        Consumption.of(usage(tasks(BATCH, template, 0, 1, 2, 3), List.of(), List.of(nightly)));
    assertThat(c.prodShared()).isEqualTo(agg(4, 2048, 4096));
  }

  @Test
  void aNonProductionCronJobDoesNotCountAgainstQuota() {
    CronJob nightly = new CronJob(BATCH, nonProd(BATCH, 1, 512, 1024), 3);
    Consumption c = Consumption.of(usage(List.of(), List.of(), List.of(nightly)));
    assertThat(c.prodShared()).isEqualTo(agg(0, 0, 0));
    assertThat(c.of(QuotaCategory.NON_PROD_SHARED)).isEqualTo(agg(3, 1536, 3072));
  }

  @Test
  void withUpdateReplacesTheJobsActiveUpdate() {
    TaskConfig old = prod(WEB, 1, 100, 10);
    TaskConfig next = prod(WEB, 3, 100, 10);
    RoleUsage before =
        usage(
            tasks(WEB, old, 0),
            List.of(new ActiveUpdate(WEB, List.of(new Group(old, List.of(0))), List.of())),
            List.of());
    RoleUsage after =
        before.withUpdate(
            new ActiveUpdate(
                WEB, List.of(new Group(old, List.of(0))), List.of(new Group(next, List.of(0)))));
    assertThat(after.updates()).hasSize(1);
    assertThat(Consumption.of(after).prodShared()).isEqualTo(agg(3, 100, 10));
  }
}
