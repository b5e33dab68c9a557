package io.borealis.maintenance;

import static io.borealis.maintenance.Fixtures.T0;
import static io.borealis.maintenance.Fixtures.config;
import static io.borealis.maintenance.Fixtures.task;
import static io.borealis.model.ScheduleStatus.DRAINING;
import static io.borealis.model.ScheduleStatus.KILLING;
import static io.borealis.model.ScheduleStatus.RUNNING;
import static io.borealis.model.ScheduleStatus.STARTING;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.maintenance.DrainPlanner.AskCoordinator;
import io.borealis.maintenance.DrainPlanner.Drain;
import io.borealis.maintenance.DrainPlanner.MissingRequest;
import io.borealis.maintenance.DrainPlanner.Pass;
import io.borealis.maintenance.DrainPlanner.Step;
import io.borealis.maintenance.DrainPlanner.Wait;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.task.ScheduledTask;
import io.borealis.update.ObservedTask;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** One maintenance pass as data: emptiness, forced drains, the SLA decision and its countdown. */
class DrainPlannerTest {

  private static final JobKey WEB = new JobKey("www-data", "prod", "web");
  private static final JobKey BATCH = new JobKey("www-data", "devel", "batch");

  /** The SLA check applies from 3 active instances here (Aurora's default is 20). */
  private final DrainPlanner planner = new DrainPlanner(new DrainPlanner.Settings(3, false));

  private static final Instant LONG_AGO = T0.minusSeconds(3600);

  private static MaintenanceState slaDraining(String host, SlaPolicy policy, long timeoutSecs) {
    return MaintenanceState.EMPTY.draining(
        List.of(new DrainRequest(host, policy, timeoutSecs, T0)));
  }

  private static MaintenanceState forced(String... hosts) {
    return MaintenanceState.EMPTY.draining(
        List.of(hosts).stream().map(h -> DrainRequest.forced(h, T0)).toList());
  }

  /** Every instance's latest task, as the read side would tell the planner. */
  private static Function<JobKey, Map<Integer, ObservedTask>> jobs(List<ScheduledTask> tasks) {
    return job -> {
      Map<Integer, ObservedTask> view = new HashMap<>();
      tasks.stream()
          .filter(t -> t.instance().job().equals(job))
          .forEach(t -> view.put(t.instance().instanceId(), ObservedTask.of(t)));
      return view;
    };
  }

  private Pass plan(
      MaintenanceState state,
      List<ScheduledTask> onHosts,
      List<ScheduledTask> all,
      Instant now,
      boolean withSla) {
    return planner.plan(state, onHosts, jobs(all), now, withSla, new Random(7));
  }

  private static List<String> drained(Pass pass) {
    return pass.steps().stream()
        .filter(s -> s instanceof Drain)
        .map(s -> s.task().taskId())
        .sorted()
        .toList();
  }

  @Test
  void aDrainingHostWithoutActiveTasksIsDrained() {
    MaintenanceState state = forced("h1", "h2").drained(List.of("h2"));
    ScheduledTask elsewhere = task(config(WEB, true, Optional.empty()), 0, "h9", RUNNING, T0);

    Pass pass = plan(state, List.of(elsewhere), List.of(elsewhere), T0, true);

    assertThat(pass.drained()).containsExactly("h1");
    assertThat(pass.steps()).isEmpty();
  }

  @Test
  void aForcedDrainTakesEveryTaskOfTheHostAtOnceButNotThoseAlreadyGoingDown() {
    TaskConfig web = config(WEB, true, Optional.of(new SlaPolicy.Count(5, 60)));
    List<ScheduledTask> tasks =
        List.of(
            task(web, 0, "h1", RUNNING, LONG_AGO),
            task(web, 1, "h1", STARTING, LONG_AGO),
            task(web, 2, "h1", DRAINING, LONG_AGO),
            task(web, 3, "h1", KILLING, LONG_AGO));

    // The drained check (no SLA) forces them too: the request has no time to wait.
    Pass pass = plan(forced("h1"), tasks, tasks, T0, false);

    assertThat(pass.drained()).isEmpty();
    assertThat(pass.steps()).allMatch(s -> s instanceof Drain d && d.forced());
    assertThat(drained(pass)).containsExactly("web-0-h1", "web-1-h1");
  }

  @Test
  void aSmallOrNonProductionJobPassesItsSlaAtOnce() {
    TaskConfig batch = config(BATCH, false, Optional.empty());
    List<ScheduledTask> tasks =
        List.of(
            task(batch, 0, "h1", RUNNING, T0),
            task(batch, 1, "h1", RUNNING, T0),
            task(batch, 2, "h1", RUNNING, T0),
            task(batch, 3, "h2", RUNNING, T0));
    MaintenanceState state = slaDraining("h1", new SlaPolicy.Count(3, 600), 3600);

    Pass pass = plan(state, tasks.subList(0, 3), tasks, T0.plusSeconds(5), true);

    assertThat(pass.steps()).allMatch(s -> s instanceof Drain d && !d.forced());
    assertThat(pass.steps()).hasSize(3);
  }

  @Test
  void aCountPolicyLetsOneInstanceDownAtATime() {
    // Count(2 of 3): with one instance down, two others must stay RUNNING.
    TaskConfig web = config(WEB, true, Optional.empty());
    List<ScheduledTask> tasks =
        List.of(
            task(web, 0, "h1", RUNNING, LONG_AGO),
            task(web, 1, "h1", RUNNING, LONG_AGO),
            task(web, 2, "h2", RUNNING, LONG_AGO));
    MaintenanceState state = slaDraining("h1", new SlaPolicy.Count(2, 60), 3600);

    Pass pass = plan(state, tasks.subList(0, 2), tasks, T0.plusSeconds(10), true);

    assertThat(pass.steps()).hasSize(2);
    assertThat(pass.steps().stream().filter(s -> s instanceof Drain d && !d.forced())).hasSize(1);
    assertThat(pass.steps().stream().filter(s -> s instanceof Wait)).hasSize(1);
    Step waiting = pass.steps().stream().filter(s -> s instanceof Wait).findFirst().orElseThrow();
    assertThat(pass.countdowns())
        .containsExactly(Map.entry(DrainPlanner.countdownName(waiting.task()), 3590_000L));
  }

  @Test
  void onlyInstancesRunningForTheWholeDurationCount() {
    TaskConfig web = config(WEB, true, Optional.empty());
    Instant now = T0.plusSeconds(10);
    List<ScheduledTask> tasks =
        List.of(
            task(web, 0, "h1", RUNNING, LONG_AGO),
            task(web, 1, "h2", RUNNING, now.minusSeconds(30)),
            task(web, 2, "h2", RUNNING, now.minusSeconds(30)));
    MaintenanceState state = slaDraining("h1", new SlaPolicy.Count(2, 60), 3600);

    Pass pass = plan(state, tasks.subList(0, 1), tasks, now, true);
    assertThat(pass.steps()).singleElement().isInstanceOf(Wait.class);

    Pass later = plan(state, tasks.subList(0, 1), tasks, now.plusSeconds(30), true);
    assertThat(later.steps()).singleElement().isInstanceOf(Drain.class);
  }

  @Test
  void aPercentagePolicyCountsTheInstancesThisPassDrains() {
    TaskConfig web = config(WEB, true, Optional.empty());
    List<ScheduledTask> tasks =
        List.of(
            task(web, 0, "h1", RUNNING, LONG_AGO),
            task(web, 1, "h1", RUNNING, LONG_AGO),
            task(web, 2, "h2", RUNNING, LONG_AGO),
            task(web, 3, "h2", RUNNING, LONG_AGO));
    // 75 % of 4 must run: one may go down (3 of 4 left), not a second.
    MaintenanceState state = slaDraining("h1", new SlaPolicy.Percentage(75, 0), 3600);

    Pass pass = plan(state, tasks.subList(0, 2), tasks, T0, true);

    assertThat(pass.steps().stream().filter(s -> s instanceof Drain)).hasSize(1);
    assertThat(pass.steps().stream().filter(s -> s instanceof Wait)).hasSize(1);
  }

  @Test
  void theTasksOwnPolicyWinsOverTheRequestsDefault() {
    // The request would let one go; the job's own Count(3 of 3) (lowered to 2) lets none.
    TaskConfig web = config(WEB, true, Optional.of(new SlaPolicy.Count(3, 0)));
    List<ScheduledTask> tasks =
        List.of(
            task(web, 0, "h1", RUNNING, LONG_AGO),
            task(web, 1, "h2", DRAINING, LONG_AGO),
            task(web, 2, "h2", RUNNING, LONG_AGO));
    MaintenanceState state = slaDraining("h1", new SlaPolicy.Percentage(10, 0), 3600);

    Pass pass = plan(state, tasks.subList(0, 1), tasks, T0, true);

    assertThat(pass.steps()).singleElement().isInstanceOf(Wait.class);
  }

  @Test
  void pastTheTimeoutEveryTaskIsForcedWhateverItsSla() {
    TaskConfig web = config(WEB, true, Optional.empty());
    List<ScheduledTask> tasks =
        List.of(
            task(web, 0, "h1", RUNNING, LONG_AGO),
            task(web, 1, "h1", RUNNING, LONG_AGO),
            task(web, 2, "h1", RUNNING, LONG_AGO));
    // None has run for two hours, so the SLA lets none go.
    MaintenanceState state = slaDraining("h1", new SlaPolicy.Count(3, 7200), 600);

    Pass before = plan(state, tasks, tasks, T0.plusSeconds(599), true);
    assertThat(before.steps()).allMatch(s -> s instanceof Wait);
    assertThat(before.countdowns().values()).containsOnly(1000L);

    Pass after = plan(state, tasks, tasks, T0.plusSeconds(600), false);
    assertThat(after.steps()).hasSize(3).allMatch(s -> s instanceof Drain d && d.forced());
    assertThat(after.countdowns()).isEmpty();
  }

  @Test
  void theFrequentCheckNeverAsksTheSla() {
    TaskConfig batch = config(BATCH, false, Optional.empty());
    List<ScheduledTask> tasks = List.of(task(batch, 0, "h1", RUNNING, LONG_AGO));
    MaintenanceState state = slaDraining("h1", new SlaPolicy.Count(1, 0), 600);

    Pass pass = plan(state, tasks, tasks, T0, false);

    assertThat(pass.steps()).isEmpty();
    assertThat(pass.countdowns())
        .containsOnlyKeys("maintenance_countdown_ms_www-data/devel/batch/0");
  }

  @Test
  void aCoordinatorPolicyIsAskedNotComputed() {
    SlaPolicy.Coordinator coordinator = new SlaPolicy.Coordinator("http://c/", "drain");
    TaskConfig web = config(WEB, true, Optional.of(coordinator));
    List<ScheduledTask> tasks = List.of(task(web, 0, "h1", RUNNING, LONG_AGO));

    Pass pass = plan(slaDraining("h1", new SlaPolicy.Count(1, 0), 600), tasks, tasks, T0, true);

    assertThat(pass.steps())
        .singleElement()
        .isEqualTo(new AskCoordinator(tasks.get(0), "h1", coordinator));
  }

  @Test
  void aDrainingHostWithoutARequestIsSkippedAndCounted() {
    MaintenanceState state =
        new MaintenanceState(
            Map.of(
                "h1", new MaintenanceState.Host("h1", MaintenanceMode.DRAINING, Optional.empty())));
    List<ScheduledTask> tasks =
        List.of(task(config(WEB, true, Optional.empty()), 0, "h1", RUNNING, LONG_AGO));

    Pass pass = plan(state, tasks, tasks, T0, true);

    assertThat(pass.steps()).singleElement().isInstanceOf(MissingRequest.class);
    assertThat(pass.drained()).isEmpty();
  }

  @Test
  void aTaskFoundOnADrainedHostIsDrainedAtOnce() {
    MaintenanceState state = forced("h1").drained(List.of("h1"));
    List<ScheduledTask> tasks =
        List.of(task(config(WEB, true, Optional.empty()), 0, "h1", STARTING, T0));

    Pass pass = plan(state, tasks, tasks, T0, false);

    assertThat(pass.steps()).singleElement().isEqualTo(new Drain(tasks.get(0), "h1", true));
    assertThat(pass.drained()).isEmpty();
  }
}
