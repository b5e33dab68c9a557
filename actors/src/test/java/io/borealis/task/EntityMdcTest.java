package io.borealis.task;

import io.borealis.model.ScheduleStatus;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The ids an instance's log lines carry in their MDC (what a JSON log line shows): the instance
 * always, the task's id while it handles a command about one task.
 */
class EntityMdcTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aCommandAboutATaskIsLoggedWithTheTaskIdAndTheInstance() {
    ActorRef<TaskInstanceEntity.Command> entity =
        testKit.spawn(
            TaskInstanceEntity.withMdc(
                "www-data/prod/hello/0",
                Behaviors.setup(
                    ctx ->
                        Behaviors.receive(TaskInstanceEntity.Command.class)
                            .onAnyMessage(
                                m -> {
                                  ctx.getLog().info("handled {}", m.getClass().getSimpleName());
                                  return Behaviors.same();
                                })
                            .build())));

    LoggingTestKit.info("handled TransientTimeout")
        .withMdc(Map.of("instance", "www-data/prod/hello/0", "task_id", "task-1"))
        .expect(
            testKit.system(),
            () -> {
              entity.tell(
                  new TaskInstanceEntity.TransientTimeout("task-1", ScheduleStatus.ASSIGNED));
              return null;
            });
  }
}
