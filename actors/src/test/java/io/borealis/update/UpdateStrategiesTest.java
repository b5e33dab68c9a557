package io.borealis.update;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobDiff;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.model.UpdateStrategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Instance ordering and the strategies of aurora-semantics §4.4, with its worked examples. */
class UpdateStrategiesTest {

  private static final JobKey JOB = new JobKey("role", "env", "job1");
  private static final TaskConfig OLD = TaskConfig.simple(JOB, true, Resources.of(1, 1024, 1024));
  private static final TaskConfig NEW = OLD.withMaxTaskFailures(-1);

  private static List<Integer> range(int from, int toInclusive) {
    return IntStream.rangeClosed(from, toInclusive).boxed().toList();
  }

  /** The groups a strategy produces when each group completes before the next is asked for. */
  private static List<List<Integer>> groups(
      UpdateStrategy strategy, boolean rollback, List<Integer> order) {
    List<Integer> idle = new ArrayList<>(order);
    List<List<Integer>> groups = new ArrayList<>();
    int total = idle.size();
    while (!idle.isEmpty()) {
      List<Integer> group = UpdateStrategies.nextGroup(strategy, rollback, idle, 0, total);
      assertThat(group).isNotEmpty();
      groups.add(group);
      idle.removeAll(group);
    }
    return groups;
  }

  private static List<Integer> reversed(List<Integer> ids) {
    List<Integer> r = new ArrayList<>(ids);
    Collections.reverse(r);
    return r;
  }

  @Test
  void forwardCreatesThenUpdatesThenKillsAndRollbackIsTheExactReverse() {
    // current {0,2,4,5,6}, desired {0,1,2,3}: §4.4's example.
    Map<Integer, TaskConfig> active = Map.of(0, OLD, 2, OLD, 4, OLD, 5, OLD, 6, OLD);
    JobConfiguration proposed = job(4);
    UpdateInstructions instructions = UpdateInstructions.of(active, proposed, Set.of());

    assertThat(instructions.forwardOrder()).containsExactly(1, 3, 0, 2, 4, 5, 6);
    assertThat(reversed(instructions.forwardOrder())).containsExactly(6, 5, 4, 2, 0, 3, 1);
    assertThat(instructions.initialState())
        .containsExactly(new JobDiff.Group(OLD, List.of(0, 2, 4, 5, 6)));
    assertThat(instructions.desiredState()).hasValue(new JobDiff.Group(NEW, List.of(0, 1, 2, 3)));
    assertThat(instructions.desiredConfig(5)).isEmpty();
    assertThat(instructions.initialConfig(1)).isEmpty();
    assertThat(instructions.initialConfig(4)).hasValue(OLD);
  }

  @Test
  void aScopeLimitsTheInstanceSetAndUnchangedInstancesStayOut() {
    Map<Integer, TaskConfig> active = Map.of(0, OLD, 1, NEW, 2, OLD, 3, OLD);
    UpdateInstructions scoped = UpdateInstructions.of(active, job(4), Set.of(1, 2));
    // 1 already runs NEW: unchanged; 0 and 3 are outside the scope.
    assertThat(scoped.instances()).containsExactly(2);
    UpdateInstructions all = UpdateInstructions.of(active, job(4), Set.of());
    assertThat(all.instances()).containsExactly(0, 2, 3);
    assertThat(UpdateInstructions.of(Map.of(0, NEW), job(1), Set.of()).isNoOp()).isTrue();
  }

  @Test
  void variableBatchesForwardFollowTheWorkedExamples() {
    assertThat(groups(varBatch(1, 2, 3), false, range(0, 5)))
        .containsExactly(List.of(0), List.of(1, 2), List.of(3, 4, 5));
    assertThat(groups(varBatch(3, 2, 1), false, range(0, 5)))
        .containsExactly(List.of(0, 1, 2), List.of(3, 4), List.of(5));
    assertThat(groups(varBatch(1, 3, 2, 4), false, range(0, 9)))
        .containsExactly(List.of(0), List.of(1, 2, 3), List.of(4, 5), List.of(6, 7, 8, 9));
    assertThat(groups(varBatch(1, 2), false, range(0, 9)))
        .containsExactly(
            List.of(0), List.of(1, 2), List.of(3, 4), List.of(5, 6), List.of(7, 8), List.of(9));
  }

  @Test
  void variableBatchesBackwardFollowTheWorkedExamples() {
    assertThat(groups(varBatch(1, 2, 3), true, reversed(range(0, 5))))
        .containsExactly(List.of(5, 4, 3), List.of(2, 1), List.of(0));
    assertThat(groups(varBatch(1, 2, 3), true, reversed(range(0, 2))))
        .containsExactly(List.of(2, 1), List.of(0));
    assertThat(groups(varBatch(1, 2), true, reversed(range(0, 6))))
        .containsExactly(List.of(6, 5), List.of(4, 3), List.of(2, 1), List.of(0));
  }

  @Test
  void queueKeepsItsSizeInFlightAndRefills() {
    UpdateStrategy queue = new UpdateStrategy.Queue(3);
    assertThat(UpdateStrategies.nextGroup(queue, false, range(0, 9), 0, 10))
        .containsExactly(0, 1, 2);
    assertThat(UpdateStrategies.nextGroup(queue, false, range(3, 9), 2, 10)).containsExactly(3);
    assertThat(UpdateStrategies.nextGroup(queue, false, range(3, 9), 3, 10)).isEmpty();
    assertThat(UpdateStrategies.nextGroup(queue, false, range(9, 9), 0, 10)).containsExactly(9);
  }

  @Test
  void batchesWaitForTheWholeGroupToFinish() {
    UpdateStrategy batch = new UpdateStrategy.Batch(2, false);
    assertThat(UpdateStrategies.nextGroup(batch, false, range(0, 4), 0, 5)).containsExactly(0, 1);
    assertThat(UpdateStrategies.nextGroup(batch, false, range(2, 4), 1, 5)).isEmpty();
    assertThat(groups(batch, false, range(0, 4)))
        .containsExactly(List.of(0, 1), List.of(2, 3), List.of(4));
    assertThat(UpdateStrategies.nextGroup(varBatch(2), false, range(0, 4), 1, 5)).isEmpty();
  }

  @Test
  void groupSizesBelowOneAreAProblemAndOnlyBatchesAutoPause() {
    assertThat(UpdateStrategies.problem(new UpdateStrategy.Queue(0))).isPresent();
    assertThat(UpdateStrategies.problem(new UpdateStrategy.Batch(0, false))).isPresent();
    assertThat(UpdateStrategies.problem(varBatch(1, 0))).isPresent();
    assertThat(UpdateStrategies.problem(new UpdateStrategy.VariableBatch(List.of(), false)))
        .isPresent();
    assertThat(UpdateStrategies.problem(varBatch(1, 2))).isEmpty();
    assertThat(UpdateStrategies.autoPauses(new UpdateStrategy.Batch(2, true))).isTrue();
    assertThat(UpdateStrategies.autoPauses(new UpdateStrategy.VariableBatch(List.of(1), true)))
        .isTrue();
    assertThat(UpdateStrategies.autoPauses(new UpdateStrategy.Queue(2))).isFalse();
  }

  private static UpdateStrategy varBatch(Integer... sizes) {
    return new UpdateStrategy.VariableBatch(List.of(sizes), false);
  }

  private static JobConfiguration job(int instances) {
    return new JobConfiguration(
        JOB,
        instances,
        NEW,
        UpdateSettings.DEFAULT,
        Optional.empty(),
        io.borealis.model.CronCollisionPolicy.KILL_EXISTING);
  }
}
