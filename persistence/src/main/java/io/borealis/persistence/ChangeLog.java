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
 * The recent changes of the read side, in the order they were applied, for the event stream: a
 * bounded buffer (so a client that reconnects with the last id it saw resumes without losing
 * anything, as long as it was not away for too long) and the live subscribers.
 *
 * <p>{@link #append} is called by the view under its write lock, so changes arrive in order and a
 * subscription taken under this object's lock sees each change exactly once: either from the buffer
 * or live. A subscriber that cannot keep up (its queue is full) is completed; it reconnects and
 * resumes from its last id.
 *
 * <p>An id names the change's place in this log ({@code EPOCH.INDEX}); where the view keeps journal
 * positions ({@link Positions}) it also carries the change's mark ({@code EPOCH.INDEX.MARK}). On
 * the node that gave it (same epoch) a client resumes exactly after that change. On another node it
 * resumes after the mark: it gets every change whose journal position is past the mark or not known
 * yet, so it misses nothing, and may see again a change it saw on the other node that was applied
 * there before the view was complete through it.
 */
public final class ChangeLog {

  /** A subscription: what it missed and is still in the buffer, then everything live. */
  public record Subscription(boolean gap, Source<Change, NotUsed> changes) {}

  /** Where a client resumes. */
  public sealed interface Resume {
    /** After the change with this index of this log. */
    record After(long index) implements Resume {}

    /** After every change up to this journal position (an id of another node). */
    record Through(long position) implements Resume {}

    /** Nowhere this log can tell: the client reads the state afresh. */
    record Unknown() implements Resume {}
  }

  /**
   * A change in the buffer, with its journal position once known (-1 before) and a position it is
   * known not to lie after.
   */
  static final class Entry {
    final Change change;
    long position;
    final long bound;

    Entry(Change change, long position, long bound) {
      this.change = change;
      this.position = position;
      this.bound = bound;
    }
  }

  private record Subscriber(
      BoundedSourceQueue<Change> queue, List<Change.Topic> topics, long skipThrough) {}

  private final int capacity;
  private final int subscriberBuffer;
  private final ArrayDeque<Entry> recent = new ArrayDeque<>();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private boolean closed;

  private final String epoch;

  /** The index of the last change appended. */
  private long last;

  /** Where journal positions are kept: how far the view is complete now. */
  private long mark = -1;

  /** Changes at journal positions up to here may have left the buffer (or never been in it). */
  private long floor;

  /**
   * {@code epoch} names this log's numbering: indexes from another epoch (another node, or this one
   * before a restart) mean nothing here.
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
    append(change, -1, Long.MAX_VALUE);
  }

  /**
   * As {@link #append(Change)}, for a change at journal position {@code position} (-1: not known
   * yet, then it is at most {@code bound}).
   */
  synchronized Entry append(Change change, long position, long bound) {
    Entry entry = new Entry(change, position, bound);
    recent.addLast(entry);
    last = change.index();
    if (recent.size() > capacity) {
      Entry gone = recent.removeFirst();
      floor = Math.max(floor, gone.position >= 0 ? gone.position : gone.bound);
    }
    for (Subscriber s : subscribers) {
      if (wants(s.topics(), change) && (position < 0 || position > s.skipThrough())) {
        QueueOfferResult result = s.queue().offer(change);
        if (!(result instanceof QueueOfferResult.Enqueued$)) {
          // Too slow, or gone: stop it; a client resumes from its last position.
          subscribers.remove(s);
          s.queue().complete();
        }
      }
    }
    return entry;
  }

  /** The journal position of a change appended before it was known. */
  synchronized void place(Entry entry, long position) {
    entry.position = position;
  }

  /** The view is complete through journal position {@code mark}. */
  synchronized void mark(long mark) {
    this.mark = Math.max(this.mark, mark);
  }

  /**
   * This log may lack changes at journal positions up to {@code floor} (the view was restored from
   * a snapshot holding events up to there).
   */
  synchronized void floor(long floor) {
    this.floor = Math.max(this.floor, floor);
  }

  /** The view's completeness now, for a change's mark: -1 where positions are not kept. */
  synchronized long mark() {
    return mark;
  }

  /** The id of {@code change} in a log of {@code epoch}. */
  public static String id(String epoch, Change change) {
    return id(epoch, change.index(), change.mark());
  }

  private static String id(String epoch, long index, long mark) {
    return epoch + "." + index + (mark >= 0 ? "." + mark : "");
  }

  /** An id to resume from after reading the state now (the {@code reset} event's). */
  public synchronized String idNow() {
    return id(epoch, last, mark);
  }

  /** Where a client that last saw the event with id {@code id} resumes. */
  public synchronized Resume resume(String id) {
    String[] parts = id.split("\\.", -1);
    try {
      if (parts.length >= 2 && parts[0].equals(epoch)) {
        long index = Long.parseLong(parts[1]);
        return index >= 0 && index <= last ? new Resume.After(index) : new Resume.Unknown();
      }
      if (parts.length == 3 && mark >= 0) {
        long position = Long.parseLong(parts[2]);
        return position >= 0 ? new Resume.Through(position) : new Resume.Unknown();
      }
    } catch (NumberFormatException e) {
      // not one of ours
    }
    return new Resume.Unknown();
  }

  /**
   * Subscribes to the changes after {@code after} (every buffered one after it, then every new one)
   * that match one of {@code topics}. {@code gap} says that changes after {@code after} have
   * already left the buffer (or {@code after} is unknown), so the subscriber missed some and should
   * read the state afresh.
   */
  public synchronized Subscription subscribe(
      Optional<Resume> after, List<Change.Topic> topics, Materializer materializer) {
    Pair<BoundedSourceQueue<Change>, Source<Change, NotUsed>> pair =
        Source.<Change>queue(subscriberBuffer).preMaterialize(materializer);
    BoundedSourceQueue<Change> queue = pair.first();
    boolean gap = false;
    long skipThrough = -1;
    if (after.isPresent()) {
      List<Change> missed = new ArrayList<>();
      if (after.get() instanceof Resume.After a) {
        long from = a.index();
        Entry oldest = recent.peekFirst();
        gap = oldest != null && oldest.change.index() > from + 1;
        for (Iterator<Entry> it = recent.descendingIterator(); it.hasNext(); ) {
          Change c = it.next().change;
          if (c.index() <= from) {
            break;
          }
          if (wants(topics, c)) {
            missed.add(c);
          }
        }
      } else if (after.get() instanceof Resume.Through t) {
        skipThrough = t.position();
        gap = t.position() < floor;
        for (Iterator<Entry> it = recent.descendingIterator(); it.hasNext(); ) {
          Entry e = it.next();
          if ((e.position < 0 || e.position > skipThrough) && wants(topics, e.change)) {
            missed.add(e.change);
          }
        }
      } else {
        gap = true;
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
      Subscriber subscriber = new Subscriber(queue, List.copyOf(topics), skipThrough);
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
