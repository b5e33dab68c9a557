package io.borealis.node;

import io.borealis.model.InstanceKey;
import io.borealis.persistence.ReadView;
import io.borealis.task.TaskHistoryPruner;
import io.borealis.task.TaskInstanceEntity;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;

/**
 * Prunes ended tasks from job histories: every interval it asks the view which tasks the rules of
 * {@link TaskHistoryPruner} drop, and tells their instances to prune them. Idempotent: an instance
 * ignores tasks it no longer has, so a round that overlaps the last one does no harm.
 */
final class HistoryPruning {

  private HistoryPruning() {}

  static Cancellable start(
      ActorSystem<?> system,
      ReadView view,
      TaskHistoryPruner.Settings settings,
      Duration interval,
      Clock clock,
      Function<InstanceKey, RecipientRef<TaskInstanceEntity.Command>> instances) {
    return system
        .scheduler()
        .scheduleWithFixedDelay(
            interval,
            interval,
            () -> {
              Map<InstanceKey, List<String>> due = view.historyToPrune(settings, clock.instant());
              due.forEach(
                  (instance, taskIds) ->
                      instances
                          .apply(instance)
                          .tell(new TaskInstanceEntity.Prune(taskIds, system.ignoreRef())));
            },
            system.executionContext());
  }
}
