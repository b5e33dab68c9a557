package io.borealis.persistence;

import com.typesafe.config.Config;
import io.borealis.common.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Feeds the {@link ReadView} from the journal: first every event stored so far (after which the
 * view is "caught up" and the node may serve reads), then, without end, every new one. The stream
 * restarts with backoff after a failure, resuming from the last offset it applied; the view skips
 * anything it has already seen.
 */
public final class ReadSide {

  private ReadSide() {}

  /** Starts feeding {@code view}; completes when the view has caught up with the journal. */
  public static CompletionStage<Done> start(ActorSystem<?> system, ReadView view) {
    Config config = system.settings().config();
    String pluginId = config.getString("borealis.store.read-journal");
    Config rs = config.getConfig("borealis.read-side");
    int batchSize = rs.getInt("batch-size");
    Duration window = rs.getDuration("batch-window");
    RestartSettings restart =
        RestartSettings.create(
            rs.getDuration("restart-min-backoff"), rs.getDuration("restart-max-backoff"), 0.2);

    ReadJournal journal =
        PersistenceQuery.get(system.classicSystem()).getReadJournalFor(ReadJournal.class, pluginId);
    CurrentEventsByTagQuery current = (CurrentEventsByTagQuery) journal;
    EventsByTagQuery live = (EventsByTagQuery) journal;
    AtomicReference<Offset> offset = new AtomicReference<>(NoOffset.getInstance());

    Source<Done, NotUsed> replay =
        RestartSource.onFailuresWithBackoff(
            restart,
            () ->
                applying(
                    current.currentEventsByTag(Tags.VIEW, offset.get()),
                    view,
                    offset,
                    batchSize,
                    window));
    return replay
        .runWith(Sink.ignore(), system)
        .thenApply(
            done -> {
              view.markCaughtUp();
              UniqueKillSwitch tail =
                  RestartSource.withBackoff(
                          restart,
                          () ->
                              applying(
                                  live.eventsByTag(Tags.VIEW, offset.get()),
                                  view,
                                  offset,
                                  batchSize,
                                  window))
                      .viaMat(KillSwitches.single(), Keep.right())
                      .toMat(Sink.ignore(), Keep.left())
                      .run(system);
              CoordinatedShutdown.get(system)
                  .addTask(
                      CoordinatedShutdown.PhaseServiceStop(),
                      "stop-read-side",
                      () -> {
                        tail.shutdown();
                        return java.util.concurrent.CompletableFuture.completedFuture(
                            Done.getInstance());
                      });
              return Done.getInstance();
            });
  }

  private static Source<Done, NotUsed> applying(
      Source<EventEnvelope, NotUsed> events,
      ReadView view,
      AtomicReference<Offset> offset,
      int batchSize,
      Duration window) {
    return events
        .groupedWithin(batchSize, window)
        .map(
            batch -> {
              List<ReadView.Envelope> envelopes = new ArrayList<>(batch.size());
              for (EventEnvelope e : batch) {
                envelopes.add(new ReadView.Envelope(e.persistenceId(), e.sequenceNr(), e.event()));
              }
              view.applyAll(envelopes);
              offset.set(batch.get(batch.size() - 1).offset());
              return Done.getInstance();
            });
  }
}
