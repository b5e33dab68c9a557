package io.borealis.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import io.borealis.task.TaskHistoryPruner.Ended;
import io.borealis.task.TaskHistoryPruner.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Aurora's history pruning rules: a count per job, a minimum retention, a maximum age. */
class TaskHistoryPrunerTest {

  private static final Instant NOW = Instant.parse("2024-05-03T12:00:00Z");
  private static final InstanceKey I0 = new JobKey("www-data", "prod", "hello").instance(0);
  private static final Settings THREE = new Settings(3, Duration.ofHours(1), Duration.ofDays(2));

  private static Ended ended(String id, Duration ago) {
    return new Ended(id, I0, NOW.minus(ago));
  }

  private static List<String> prune(Settings settings, Ended... ended) {
    return TaskHistoryPruner.toPrune(new ArrayList<>(List.of(ended)), NOW, settings).stream()
        .map(Ended::taskId)
        .toList();
  }

  @Test
  void withinTheCountNothingIsPruned() {
    assertThat(
            prune(
                THREE,
                ended("a", Duration.ofHours(30)),
                ended("b", Duration.ofHours(20)),
                ended("c", Duration.ofHours(10))))
        .isEmpty();
  }

  @Test
  void beyondTheCountTheLongestEndedGoFirst() {
    assertThat(
            prune(
                THREE,
                ended("newest", Duration.ofHours(2)),
                ended("oldest", Duration.ofHours(40)),
                ended("middle", Duration.ofHours(5)),
                ended("older", Duration.ofHours(20)),
                ended("old", Duration.ofHours(10))))
        .containsExactly("oldest", "older");
  }

  @Test
  void aTaskEndedLessThanTheMinimumRetentionAgoIsKeptWhateverTheCount() {
    // A crash loop: six tasks ended in the last hour, one before.
    assertThat(
            prune(
                THREE,
                ended("t1", Duration.ofMinutes(50)),
                ended("t2", Duration.ofMinutes(40)),
                ended("t3", Duration.ofMinutes(30)),
                ended("t4", Duration.ofMinutes(20)),
                ended("t5", Duration.ofMinutes(10)),
                ended("t6", Duration.ofMinutes(1)),
                ended("before", Duration.ofMinutes(61))))
        .containsExactly("before");
    // Exactly at the retention boundary it may go.
    assertThat(
            prune(
                new Settings(0, Duration.ofHours(1), Duration.ofDays(2)),
                ended("edge", Duration.ofHours(1)),
                ended("young", Duration.ofMinutes(59))))
        .containsExactly("edge");
  }

  @Test
  void aTaskEndedLongerThanTheMaximumAgeAgoIsPrunedWhateverTheCount() {
    assertThat(
            prune(
                THREE,
                ended("ancient", Duration.ofDays(3)),
                ended("edge", Duration.ofDays(2)),
                ended("recent", Duration.ofHours(47))))
        .containsExactly("ancient", "edge");
  }

  @Test
  void auroraDefaults() {
    assertThat(Settings.DEFAULT)
        .isEqualTo(new Settings(100, Duration.ofHours(1), Duration.ofDays(2)));
    List<Ended> many = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      many.add(ended("t" + i, Duration.ofHours(2).plusMinutes(i)));
    }
    List<Ended> pruned = TaskHistoryPruner.toPrune(many, NOW, Settings.DEFAULT);
    assertThat(pruned).hasSize(50);
    // The 50 that ended longest ago.
    assertThat(pruned).allMatch(e -> Integer.parseInt(e.taskId().substring(1)) >= 100);
  }
}
