package io.borealis.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobEvent;
import io.borealis.model.CronCollisionPolicy;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import io.borealis.model.UpdateSettings;
import io.borealis.persistence.ReadView.Envelope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The index on a journal several nodes share ({@link Positions}), with time and the journal's
 * streams played by the test: how far the view is complete (the least of its tags), reads that wait
 * for a write's mark until the view holds it, long-polls that wait for a change rather than for
 * time, a node alone answering its own writes at once, and event ids resumed on another node.
 */
class ReadViewPositionsTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Duration DELAY = Duration.ofSeconds(1);
  private static final List<String> TAGS = List.of("t0", "t1");
  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /** A clock the test moves. */
  static final class ManualClock extends Clock {
    Instant now = T0;

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** A timer that never fires: the waits here end by what the view is fed. */
  static final class NoTimer extends ScheduledThreadPoolExecutor {
    NoTimer() {
      super(0);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return null;
    }
  }

  private final ManualClock clock = new ManualClock();
  private final List<Long> catchUps = new ArrayList<>();
  private final NoTimer timer = new NoTimer();

  private ReadView node(String epoch) {
    ReadView view = new ReadView(new ChangeLog(100, 100, epoch));
    view.usePositions(new Positions(TAGS, clock), catchUps::add);
    return view;
  }

  private static long at(long millis) {
    return Positions.of(T0.plusMillis(millis));
  }

  /** A version-1 UUID at a position, as Cassandra's journal makes them. */
  static UUID uuid(long position) {
    long ts = position / 2 + 0x01b21dd213814000L;
    long msb =
        ((ts & 0xFFFFFFFFL) << 32)
            | (((ts >>> 32) & 0xFFFFL) << 16)
            | 0x1000L
            | ((ts >>> 48) & 0xFFF);
    return new UUID(msb, 0x8000000000000001L);
  }

  private static JobEvent.JobCreated created(String name) {
    JobKey key = new JobKey("www-data", "prod", name);
    JobConfiguration config =
        new JobConfiguration(
            key,
            1,
            TaskConfig.simple(key, true, Resources.of(1, 128, 128, "http")),
            UpdateSettings.DEFAULT,
            Optional.empty(),
            CronCollisionPolicy.CANCEL_NEW);
    return new JobEvent.JobCreated(key, config, List.of(0), "s1", T0, "alice");
  }

  /** The journal stream of {@code tag} delivers job {@code name}'s creation at {@code position}. */
  private static void deliver(ReadView view, String tag, String name, long position) {
    view.applyAll(
        tag,
        "uuid:" + uuid(position),
        List.of(new Envelope("job|www-data/prod/" + name, 1, created(name), position)));
  }

  private static boolean holds(ReadView view, String name) {
    return view.summary(new JobKey("www-data", "prod", name)).isPresent();
  }

  @Test
  void positionsAreTheJournalsTimeAndSurviveAnOffsetsText() {
    long p = at(1234);
    assertThat(Positions.of(uuid(p))).isEqualTo(p);
    assertThat(Positions.of(Optional.of("uuid:" + uuid(p)))).contains(p);
    assertThat(Positions.instant(p)).isEqualTo(T0.plusMillis(1234));
    assertThat(Positions.of(Optional.of("seq:17"))).isEmpty();
    assertThat(p % 2).isZero();
  }

  @Test
  void theViewIsCompleteOnlyAsFarAsItsLeastTag() {
    ReadView view = node("a");
    deliver(view, "t0", "one", at(100));
    // t1 said nothing yet: the view may lack its events before 100.
    assertThat(view.complete()).isZero();
    assertThat(view.index()).isZero();

    view.completeThrough("t1", at(500));
    assertThat(view.complete()).isEqualTo(at(100));
    assertThat(view.index()).isEqualTo(at(100));

    deliver(view, "t1", "two", at(700));
    view.completeThrough("t0", at(900));
    assertThat(view.complete()).isEqualTo(at(700));
    // The index is the latest event within what is complete, not the time.
    assertThat(view.index()).isEqualTo(at(700));
  }

  @Test
  void aReadWithAnotherNodesWriteMarkWaitsUntilTheViewHoldsTheWrite() {
    ReadView writer = node("a");
    ReadView reader = node("b");
    clock.advance(Duration.ofMillis(200));
    writer.persisted("job|www-data/prod/new", 1, List.of(created("new")));
    long mark = writer.writeIndex();
    assertThat(mark % 2).isOne();
    assertThat(mark).isGreaterThan(Positions.of(clock.instant()));

    CompletableFuture<Long> read =
        reader.awaitIndex(mark, Duration.ofSeconds(5), timer).toCompletableFuture();
    assertThat(read).isNotDone();
    // It asked for a catch-up through the mark.
    assertThat(catchUps).containsExactly(mark);

    // The journal stored the event at 200 ms; t0's stream brings it, t1 is idle.
    deliver(reader, "t0", "new", at(200));
    assertThat(read).isNotDone();
    clock.advance(Duration.ofSeconds(2));
    reader.completeThrough("t1", Positions.of(clock.instant()) - 2 * DELAY.toNanos() / 100);
    assertThat(read).isNotDone();
    reader.completeThrough("t0", Positions.of(clock.instant()) - 2 * DELAY.toNanos() / 100);

    assertThat(read).isCompleted();
    assertThat(holds(reader, "new")).isTrue();
    // Its index is past the mark it waited for, and a long-poll with it waits for a change.
    assertThat(read.join()).isGreaterThan(mark);
    assertThat(reader.awaitIndex(read.join(), Duration.ofSeconds(5), timer).toCompletableFuture())
        .isNotDone();
  }

  @Test
  void aLongPollWaitsForAChangeNotForTime() {
    ReadView view = node("a");
    deliver(view, "t0", "one", at(100));
    view.completeThrough("t1", at(300));
    long seen = view.index();

    CompletableFuture<Long> poll =
        view.awaitIndex(seen, Duration.ofSeconds(30), timer).toCompletableFuture();
    // Time passes, the tags are queried again: nothing changed.
    view.completeThrough("t0", at(5000));
    view.completeThrough("t1", at(5000));
    assertThat(poll).isNotDone();

    // A change: the poll answers once the view is complete past the one it saw.
    deliver(view, "t1", "two", at(5200));
    assertThat(poll).isCompletedWithValue(at(5000));
    view.completeThrough("t0", at(6000));
    assertThat(view.index()).isEqualTo(at(5200));
  }

  @Test
  void aNodeAloneAnswersItsOwnWritesAtOnce() {
    ReadView view = node("a");
    view.sole(true);
    clock.advance(Duration.ofMillis(10));
    view.persisted("job|www-data/prod/first", 1, List.of(created("first")));
    long first = view.writeIndex();
    // Until the view is complete through the moment it became alone, another node's writes may
    // still be on their way.
    assertThat(view.awaitIndex(first, Duration.ofSeconds(5), timer).toCompletableFuture())
        .isNotDone();
    view.completeThrough("t0", at(10));
    view.completeThrough("t1", at(10));

    clock.advance(Duration.ofMillis(10));
    view.persisted("job|www-data/prod/second", 1, List.of(created("second")));
    long second = view.writeIndex();
    CompletableFuture<Long> read =
        view.awaitIndex(second, Duration.ofSeconds(5), timer).toCompletableFuture();

    assertThat(read).isCompleted();
    assertThat(read.join()).isGreaterThan(second);
    assertThat(view.index()).isGreaterThan(second);
    // And a long-poll with that index waits for the next change.
    CompletableFuture<Long> poll =
        view.awaitIndex(view.index(), Duration.ofSeconds(5), timer).toCompletableFuture();
    assertThat(poll).isNotDone();
    view.persisted("job|www-data/prod/third", 1, List.of(created("third")));
    assertThat(poll).isCompleted();
  }

  @Test
  void aNodeThatIsNotAloneWaitsForItsStreamsEvenForItsOwnWrites() {
    ReadView view = node("a");
    view.sole(false);
    view.completeThrough("t0", at(0));
    view.completeThrough("t1", at(0));
    clock.advance(Duration.ofMillis(10));
    view.persisted("job|www-data/prod/mine", 1, List.of(created("mine")));
    long mark = view.writeIndex();

    CompletableFuture<Long> read =
        view.awaitIndex(mark, Duration.ofSeconds(5), timer).toCompletableFuture();
    assertThat(read).isNotDone();
    clock.advance(Duration.ofSeconds(2));
    view.completeThrough("t0", at(1000));
    view.completeThrough("t1", at(1000));
    assertThat(read).isCompleted();
  }

  @Test
  void anEventIdResumesOnAnotherNodeWithoutLosingAChange() throws Exception {
    Materializer materializer = Materializer.createMaterializer(KIT.system());
    ReadView one = node("one");
    ReadView two = node("two");
    for (ReadView v : List.of(one, two)) {
      v.completeThrough("t0", at(0));
      v.completeThrough("t1", at(0));
    }
    // Node one: "a" and "b" written here (fed at once), "c" from elsewhere by its stream.
    one.persisted("job|www-data/prod/a", 1, List.of(created("a")));
    one.persisted("job|www-data/prod/b", 1, List.of(created("b")));
    deliver(one, "t0", "a", at(100));
    deliver(one, "t1", "b", at(150));
    // The client saw every change of node one so far; the last id it has is b's.
    List<Change> seenOnOne =
        one.changes()
            .subscribe(Optional.of(new ChangeLog.Resume.After(0)), List.of(), materializer)
            .changes()
            .takeWithin(Duration.ofMillis(300))
            .runWith(Sink.seq(), materializer)
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    assertThat(seenOnOne).hasSize(2);
    String lastId = ChangeLog.id("one", seenOnOne.get(1));

    // Node two follows the same journal: a, b, then c (written after) and d.
    deliver(two, "t0", "a", at(100));
    deliver(two, "t1", "b", at(150));
    deliver(two, "t0", "c", at(200));
    deliver(two, "t1", "d", at(250));

    ChangeLog.Resume resume = two.changes().resume(lastId);
    assertThat(resume).isInstanceOf(ChangeLog.Resume.Through.class);
    ChangeLog.Subscription s =
        two.changes().subscribe(Optional.of(resume), List.of(), materializer);
    List<Change> resumed =
        s.changes()
            .takeWithin(Duration.ofMillis(300))
            .runWith(Sink.seq(), materializer)
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);

    assertThat(s.gap()).isFalse();
    List<String> jobs = resumed.stream().map(c -> c.job().name()).toList();
    // Nothing after what the client saw is lost (what it saw may come again).
    assertThat(jobs).contains("c", "d");
    // And its own node's id resumes exactly after the change.
    assertThat(one.changes().resume(lastId)).isEqualTo(new ChangeLog.Resume.After(2));
  }

  @Test
  void anIdOlderThanWhatTheNodeStillHoldsIsAGap() {
    Materializer materializer = Materializer.createMaterializer(KIT.system());
    ReadView view = node("two");
    view.restore(
        new ViewSnapshot(
            ViewSnapshot.FORMAT,
            at(5000),
            java.util.Map.of("t0", "uuid:" + uuid(at(4000)), "t1", "uuid:" + uuid(at(4500))),
            java.util.Map.of(),
            List.of()));

    assertThat(view.complete()).isEqualTo(at(4000));
    assertThat(view.index()).isGreaterThanOrEqualTo(at(5000));
    // t1's events up to 4500 are in the snapshot, not in the log: an id before that is a gap.
    for (long mark : List.of(at(3000), at(4200))) {
      ChangeLog.Resume resume = view.changes().resume("one.7." + mark);
      assertThat(view.changes().subscribe(Optional.of(resume), List.of(), materializer).gap())
          .isTrue();
    }
    ChangeLog.Resume later = view.changes().resume("one.7." + at(4500));
    assertThat(view.changes().subscribe(Optional.of(later), List.of(), materializer).gap())
        .isFalse();
    assertThat(view.changes().resume("one.7")).isEqualTo(new ChangeLog.Resume.Unknown());
  }
}
