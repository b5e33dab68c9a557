package io.borealis.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.borealis.CborSerializable;
import io.borealis.common.Tags;
import io.borealis.job.JobEvent;
import io.borealis.model.Assignment;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.task.InstanceEvent;
import io.borealis.task.ScheduledTask;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read side on the embedded store (an H2 file in a temporary directory), over several tags: it
 * snapshots the view, and a read side started later on the same journal resumes from the snapshot
 * and each tag's offset: the events after the snapshot are read and applied once, those before it
 * are not read again, and live events keep coming.
 */
class ReadSideTest {

  private static final Tags TAGS = new Tags(4);
  private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  /** Persists what it is told, tagged as the job and instance entities tag their events. */
  record Write(List<CborSerializable> events, ActorRef<Done> replyTo) {}

  static final class Writer extends EventSourcedBehavior<Write, CborSerializable, Long> {
    private final Set<String> tags;

    Writer(PersistenceId id) {
      super(id);
      this.tags = TAGS.tagsFor(id.id());
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public CommandHandler<Write, CborSerializable, Long> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Write.class,
              w -> Effect().persist(w.events()).thenRun(s -> w.replyTo().tell(Done.getInstance())))
          .build();
    }

    @Override
    public EventHandler<Long, CborSerializable> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s + 1);
    }

    @Override
    public Set<String> tagsFor(CborSerializable event) {
      return tags;
    }
  }

  /** A store that can stop saving, as if the node died after its last snapshot. */
  static final class Freezable implements SnapshotStore {
    final FileSnapshotStore store;
    volatile boolean frozen;
    int saves;

    Freezable(Path dir) {
      this.store = new FileSnapshotStore(dir);
    }

    @Override
    public synchronized void save(ViewSnapshot snapshot) throws IOException {
      if (!frozen) {
        saves++;
        store.save(snapshot);
      }
    }

    @Override
    public Optional<ViewSnapshot> load() throws IOException {
      return store.load();
    }

    @Override
    public String describe() {
      return store.describe();
    }
  }

  private static Config config(Path dir) {
    return ConfigFactory.parseString(
            """
            pekko.loglevel = WARNING
            jdbc-read-journal.refresh-interval = 20ms
            """)
        .withValue("borealis.store.data-dir", ConfigValueFactory.fromAnyRef(dir.toString()))
        .withFallback(EmbeddedStore.prepare(dir))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private static ReadSide.Settings settings(Path dir) {
    return new ReadSide.Settings(
        50,
        Duration.ofMillis(10),
        Duration.ofMillis(100),
        Duration.ofSeconds(1),
        TAGS,
        true,
        Long.MAX_VALUE,
        Duration.ofHours(1),
        dir.resolve("read-side"));
  }

  private int clock;

  private Instant now() {
    return T0.plusSeconds(clock++);
  }

  /** A job with {@code n} instances, each with a task that was assigned; returns the count. */
  private int createJob(ActorTestKit kit, String name, int n) {
    JobKey key = new JobKey("www-data", "prod", name);
    TaskConfig config = TaskConfig.simple(key, true, Resources.of(1, 64, 64));
    JobConfiguration job =
        new JobConfiguration(
            key,
            n,
            config,
            UpdateSettings.DEFAULT,
            Optional.empty(),
            CronCollisionPolicy.CANCEL_NEW);
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(i);
    }
    int events = 0;
    events +=
        write(
            kit,
            PersistenceId.of("job", key.toString()),
            new JobEvent.JobCreated(key, job, ids, "s1", now(), "alice"));
    for (int i = 0; i < n; i++) {
      InstanceKey instance = key.instance(i);
      String task = name + "-" + i;
      events +=
          write(
              kit,
              PersistenceId.of("instance", instance.toString()),
              new InstanceEvent.TaskCreated(
                  instance,
                  ScheduledTask.created(
                      task,
                      instance,
                      config,
                      0,
                      Optional.empty(),
                      ScheduleStatus.PENDING,
                      now(),
                      Optional.empty()),
                  "s1"),
              new InstanceEvent.TaskAssigned(
                  instance, task, new Assignment("a" + i, "host-" + i, Map.of()), now()));
    }
    return events;
  }

  /** Moves every task of a job on: one event per instance. */
  private int start(ActorTestKit kit, String name, int n) {
    JobKey key = new JobKey("www-data", "prod", name);
    for (int i = 0; i < n; i++) {
      InstanceKey instance = key.instance(i);
      write(
          kit,
          PersistenceId.of("instance", instance.toString()),
          new InstanceEvent.TaskStateChanged(
              instance,
              name + "-" + i,
              ScheduleStatus.ASSIGNED,
              ScheduleStatus.STARTING,
              now(),
              Optional.empty(),
              0));
    }
    return n;
  }

  private static int write(ActorTestKit kit, PersistenceId id, CborSerializable... events) {
    ActorRef<Write> writer = kit.spawn(Behaviors.writer(id));
    TestProbe<Done> done = kit.createTestProbe();
    writer.tell(new Write(List.of(events), done.getRef()));
    done.expectMessage(Duration.ofSeconds(10), Done.getInstance());
    kit.stop(writer);
    return events.length;
  }

  /** Behaviours of the test. */
  static final class Behaviors {
    static Behavior<Write> writer(PersistenceId id) {
      return new Writer(id);
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the condition was not met in 20 s");
      }
      Thread.sleep(20);
    }
  }

  private static List<Object> answers(ReadView view) {
    List<Object> all = new ArrayList<>();
    all.add(view.index());
    all.add(view.jobs(Optional.empty(), Optional.empty()));
    all.add(view.tasks(ReadView.TaskQuery.forJob(new JobKey("www-data", "prod", "a"))));
    all.add(view.tasks(ReadView.TaskQuery.forJob(new JobKey("www-data", "prod", "b"))));
    all.add(view.tasks(ReadView.TaskQuery.forJob(new JobKey("www-data", "prod", "c"))));
    return all;
  }

  @Test
  void aRestartedReadSideResumesFromItsSnapshotAndEachTagsOffset(@TempDir Path dir)
      throws Exception {
    Freezable store = new Freezable(dir.resolve("read-side"));
    ActorTestKit first = ActorTestKit.create("first", config(dir));
    ReadView view = new ReadView();
    List<Object> before;
    int beforeSnapshot;
    int afterSnapshot;
    try {
      ReadSide readSide = ReadSide.create(first.system(), view, settings(dir), Optional.of(store));
      readSide.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(view.isCaughtUp()).isTrue();

      beforeSnapshot = createJob(first, "a", 6) + createJob(first, "b", 4);
      await(() -> view.index() == beforeSnapshot);
      readSide.snapshot();
      assertThat(store.saves).isEqualTo(1);
      // The node dies after this snapshot: what follows is only in the journal.
      store.frozen = true;
      afterSnapshot = start(first, "a", 6) + createJob(first, "c", 3);
      await(() -> view.index() == beforeSnapshot + afterSnapshot);
      before = answers(view);
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("second", config(dir));
    try {
      ReadView again = new ReadView();
      ReadSide readSide =
          ReadSide.create(second.system(), again, settings(dir), Optional.of(store));
      // Restored before it reads anything.
      assertThat(again.index()).isEqualTo(beforeSnapshot);
      assertThat(again.task("b-3")).isPresent();

      readSide.start().toCompletableFuture().get(30, TimeUnit.SECONDS);

      // Only the events after the snapshot were read, and each applied once.
      assertThat(readSide.eventsRead()).isEqualTo(afterSnapshot);
      assertThat(answers(again)).isEqualTo(before);
      assertThat(again.task("a-5").orElseThrow().status()).isEqualTo(ScheduleStatus.STARTING);

      // And the live streams go on from there.
      int later = start(second, "c", 3);
      await(() -> again.index() == beforeSnapshot + afterSnapshot + later);
      assertThat(again.task("c-2").orElseThrow().status()).isEqualTo(ScheduleStatus.STARTING);
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void aDamagedSnapshotMeansAFullReplay(@TempDir Path dir) throws Exception {
    ActorTestKit kit = ActorTestKit.create("damaged", config(dir));
    try {
      int events = createJob(kit, "a", 3);
      Path file = dir.resolve("read-side").resolve(FileSnapshotStore.FILE);
      java.nio.file.Files.createDirectories(file.getParent());
      java.nio.file.Files.writeString(file, "garbage");

      ReadView view = new ReadView();
      ReadSide readSide = ReadSide.create(kit.system(), view);
      readSide.start().toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertThat(view.index()).isEqualTo(events);
      assertThat(readSide.eventsRead()).isEqualTo(events);
      assertThat(view.task("a-2")).isPresent();
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void anEventWhoseEarlierOneIsMissingMakesTheReadSideReadItsEntityById(@TempDir Path dir)
      throws Exception {
    ActorTestKit kit = ActorTestKit.create("gap", config(dir));
    try {
      createJob(kit, "a", 1);
      start(kit, "a", 1);
      // A view that has the job and the task's creation only (its assignment's tag row is late,
      // say), and a read side that never started its streams: only a fetch by id can fill it.
      ReadView view = new ReadView();
      ReadSide readSide = ReadSide.create(kit.system(), view, settings(dir), Optional.empty());
      InstanceKey i0 = new JobKey("www-data", "prod", "a").instance(0);
      String pid = PersistenceId.of("instance", i0.toString()).id();
      ReadView.Envelope job =
          new ReadView.Envelope(
              PersistenceId.of("job", "www-data/prod/a").id(),
              1,
              new JobEvent.JobCreated(
                  i0.job(),
                  new JobConfiguration(
                      i0.job(),
                      1,
                      TaskConfig.simple(i0.job(), true, Resources.of(1, 64, 64)),
                      UpdateSettings.DEFAULT,
                      Optional.empty(),
                      CronCollisionPolicy.CANCEL_NEW),
                  List.of(0),
                  "s1",
                  T0,
                  "alice"));
      ReadView.Envelope created =
          new ReadView.Envelope(
              pid,
              1,
              new InstanceEvent.TaskCreated(
                  i0,
                  ScheduledTask.created(
                      "a-0",
                      i0,
                      TaskConfig.simple(i0.job(), true, Resources.of(1, 64, 64)),
                      0,
                      Optional.empty(),
                      ScheduleStatus.PENDING,
                      T0,
                      Optional.empty()),
                  "s1"));
      view.applyAll(List.of(job, created));

      // The third event comes first from a tag query.
      view.applyAll(
          List.of(
              new ReadView.Envelope(
                  pid,
                  3,
                  new InstanceEvent.TaskStateChanged(
                      i0,
                      "a-0",
                      ScheduleStatus.ASSIGNED,
                      ScheduleStatus.STARTING,
                      T0,
                      Optional.empty(),
                      0))));

      // The count moves when the fetch's stream completes, just after the view has the events.
      await(() -> view.lastApplied(pid) == 3 && readSide.gapsFilled() > 0);
      ScheduledTask task = view.task("a-0").orElseThrow();
      assertThat(task.status()).isEqualTo(ScheduleStatus.STARTING);
      assertThat(task.assignment()).isPresent();
      assertThat(readSide.gapsFilled()).isEqualTo(1);
    } finally {
      kit.shutdownTestKit();
    }
  }
}
