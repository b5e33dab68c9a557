package io.borealis.task;

import com.typesafe.config.Config;
import io.borealis.model.InstanceKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which ended tasks of a job leave its history, by Aurora's {@code TaskHistoryPruner} rules: a task
 * ended longer than {@code maxAge} ago goes; of the rest, a job keeps at most {@code maxPerJob},
 * dropping the longest-ended first, but never one that ended less than {@code minRetention} ago (so
 * a crash loop stays inspectable). Pure: the caller supplies the ended tasks and the time.
 *
 * <p>The latest task of an instance is never offered here (Borealis keeps it, so an instance always
 * shows how it ended; in Aurora a job without tasks is gone, in Borealis it stays).
 */
public final class TaskHistoryPruner {

  /**
   * Aurora's {@code -history_max_per_job_threshold}, {@code -history_min_retention_threshold} and
   * {@code -history_prune_threshold}, read from {@code borealis.task.history}.
   */
  public record Settings(int maxPerJob, Duration minRetention, Duration maxAge) {

    public Settings {
      if (maxPerJob < 0 || minRetention.isNegative() || maxAge.isNegative()) {
        throw new IllegalArgumentException("history limits must not be negative");
      }
    }

    public static Settings from(Config config) {
      Config c = config.getConfig("borealis.task.history");
      return new Settings(
          c.getInt("max-per-job"), c.getDuration("min-retention"), c.getDuration("max-age"));
    }

    /** Aurora's defaults: 100 per job, kept at least 1 hour, at most 2 days. */
    public static final Settings DEFAULT =
        new Settings(100, Duration.ofHours(1), Duration.ofDays(2));
  }

  /** An ended task of the job: which instance it belongs to and when it ended. */
  public record Ended(String taskId, InstanceKey instance, Instant endedAt) {}

  private TaskHistoryPruner() {}

  /** The tasks among {@code ended} (all ended tasks of one job) to prune at {@code now}. */
  public static List<Ended> toPrune(List<Ended> ended, Instant now, Settings settings) {
    Instant expired = now.minus(settings.maxAge());
    Instant retained = now.minus(settings.minRetention());
    List<Ended> prune = new ArrayList<>();
    List<Ended> kept = new ArrayList<>();
    for (Ended e : ended) {
      if (!e.endedAt().isAfter(expired)) {
        prune.add(e);
      } else {
        kept.add(e);
      }
    }
    int excess = kept.size() - settings.maxPerJob();
    if (excess > 0) {
      kept.sort(Comparator.comparing(Ended::endedAt).thenComparing(Ended::taskId));
      for (Ended e : kept) {
        if (excess == 0 || e.endedAt().isAfter(retained)) {
          break;
        }
        prune.add(e);
        excess--;
      }
    }
    return prune;
  }
}
