package io.borealis.persistence;

import com.typesafe.config.Config;
import io.borealis.common.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Takes backups (Aurora's {@code performBackup}, on demand and every {@code interval}) into a
 * {@link BackupStore} and lists them. The jobs and tasks are one atomic snapshot of the read view;
 * the quotas and maintenance modes are asked for right after it. Counts {@code
 * scheduler_backup_success} and {@code scheduler_backup_failed}.
 */
public final class Backups {

  public static final String SUCCESS = "scheduler_backup_success";
  public static final String FAILED = "scheduler_backup_failed";

  /** {@code borealis.backup}. */
  public record Settings(Path directory, Duration interval, int keep) {
    public static Settings from(Config config) {
      Config b = config.getConfig("borealis.backup");
      Path dataDir = Path.of(config.getString("borealis.store.data-dir"));
      return new Settings(
          dataDir.resolve(b.getString("directory")), b.getDuration("interval"), b.getInt("keep"));
    }
  }

  private final ReadView view;
  private final BackupStore store;
  private final Supplier<CompletionStage<Backup.Others>> others;
  private final Clock clock;
  private final Metrics metrics;

  public Backups(
      ReadView view,
      BackupStore store,
      Supplier<CompletionStage<Backup.Others>> others,
      Clock clock,
      Metrics metrics) {
    this.view = view;
    this.store = store;
    this.others = others;
    this.clock = clock;
    this.metrics = metrics;
    // Both at 0 from the start: an alert on the growth of scheduler_backup_failed must see the
    // first failure, which it would not if the series only appeared with it.
    metrics.counter(SUCCESS);
    metrics.counter(FAILED);
  }

  public BackupStore store() {
    return store;
  }

  /** Takes a backup now; completes with its listing line once it is written. */
  public CompletionStage<Backup.Summary> takeNow() {
    ViewSnapshot snapshot = view.snapshot();
    Instant at = clock.instant();
    CompletionStage<Backup.Others> rest;
    try {
      rest = others.get();
    } catch (RuntimeException e) {
      rest = CompletableFuture.failedFuture(e);
    }
    return rest.thenApply(
            o -> {
              Backup backup =
                  new Backup(
                      Backup.FORMAT,
                      store.newId(at),
                      at,
                      snapshot.index(),
                      snapshot.jobs(),
                      o.quotas(),
                      o.maintenance());
              try {
                store.write(backup);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return backup.summary();
            })
        .whenComplete(
            (summary, error) -> metrics.counter(error == null ? SUCCESS : FAILED).increment());
  }

  /** The backups kept, oldest first. */
  public List<Backup.Summary> list() {
    return store.list();
  }
}
