package io.borealis.persistence;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The recent changes of the read side, in index order, for the event stream: a bounded buffer (so a
 * client that reconnects with the last position it saw resumes without losing or repeating
 * anything, as long as it was not away for too long) and the live subscribers.
 *
 * <p>{@link #append} is called by the view under its write lock, so changes arrive in index order
 * and a subscription taken under this object's lock sees each change exactly once: either from the
 * buffer or live. A subscriber that cannot keep up (its queue is full) is completed; it reconnects
 * and resumes from its last position.
 */
public final class ChangeLog {

  /** A subscription: what it missed and is still in the buffer, then everything live. */
  public record Subscription(boolean gap, Source<Change, NotUsed> changes) {}

  private record Subscriber(BoundedSourceQueue<Change> queue, List<Change.Topic> topics) {}

  private final int capacity;
  private final int subscriberBuffer;
  private final ArrayDeque<Change> recent = new ArrayDeque<>();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private boolean closed;

  private final String epoch;

  /**
   * {@code epoch} names this log's numbering: positions from another epoch (another node, or this
   * one before a restart) mean nothing here.
   */
  public ChangeLog(int capacity, int subscriberBuffer, String epoch) {
    this.capacity = capacity;
    this.subscriberBuffer = subscriberBuffer;
    this.epoch = epoch;
  }

  public String epoch() {
    return epoch;
  }

  /** Records a change and hands it to every subscriber that follows one of its topics. */
  synchronized void append(Change change) {
    recent.addLast(change);
    if (recent.size() > capacity) {
      recent.removeFirst();
    }
    for (Subscriber s : subscribers) {
      if (wants(s.topics(), change)) {
        QueueOfferResult result = s.queue().offer(change);
        if (!(result instanceof QueueOfferResult.Enqueued$)) {
          // Too slow, or gone: stop it; a client resumes from its last position.
          subscribers.remove(s);
          s.queue().complete();
        }
      }
    }
  }

  /**
   * Subscribes to the changes after {@code after} (every buffered one with a greater index, then
   * every new one) that match one of {@code topics}. {@code gap} says that changes after {@code
   * after} have already left the buffer, so the subscriber missed some and should read the state
   * afresh.
   */
  public synchronized Subscription subscribe(
      Optional<Long> after, List<Change.Topic> topics, Materializer materializer) {
    Pair<BoundedSourceQueue<Change>, Source<Change, NotUsed>> pair =
        Source.<Change>queue(subscriberBuffer).preMaterialize(materializer);
    BoundedSourceQueue<Change> queue = pair.first();
    boolean gap = false;
    if (after.isPresent()) {
      long from = after.get();
      Change oldest = recent.peekFirst();
      gap = oldest != null && oldest.index() > from + 1;
      List<Change> missed = new ArrayList<>();
      for (Iterator<Change> it = recent.descendingIterator(); it.hasNext(); ) {
        Change c = it.next();
        if (c.index() <= from) {
          break;
        }
        if (wants(topics, c)) {
          missed.add(c);
        }
      }
      for (int i = missed.size() - 1; i >= 0; i--) {
        if (!(queue.offer(missed.get(i)) instanceof QueueOfferResult.Enqueued$)) {
          // More missed than a subscriber may buffer: say so instead.
          gap = true;
          break;
        }
      }
    }
    if (closed) {
      queue.complete();
    } else {
      Subscriber subscriber = new Subscriber(queue, List.copyOf(topics));
      subscribers.add(subscriber);
    }
    return new Subscription(
        gap,
        pair.second()
            .watchTermination(
                (mat, done) -> {
                  done.whenComplete((d, e) -> unsubscribe(queue));
                  return mat;
                }));
  }

  private void unsubscribe(BoundedSourceQueue<Change> queue) {
    subscribers.removeIf(s -> s.queue() == queue);
  }

  /** Ends every stream (the node is shutting down); later subscriptions end at once. */
  public synchronized void close() {
    closed = true;
    for (Subscriber s : subscribers) {
      s.queue().complete();
    }
    subscribers.clear();
  }

  private static boolean wants(List<Change.Topic> topics, Change change) {
    if (topics.isEmpty()) {
      return true;
    }
    for (Change.Topic t : topics) {
      if (change.matches(t)) {
        return true;
      }
    }
    return false;
  }
}
