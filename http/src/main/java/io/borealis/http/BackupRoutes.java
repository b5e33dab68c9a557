package io.borealis.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.borealis.model.JobKey;
import io.borealis.persistence.Backup;
import io.borealis.persistence.BackupStore;
import io.borealis.persistence.StagedRecovery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Backups and the staged restore (Aurora's {@code performBackup}, {@code listBackups}, {@code
 * stageRecovery}, {@code queryRecovery}, {@code deleteRecoveryTasks}, {@code commitRecovery} and
 * {@code unloadRecovery}). A 404 names an unknown backup, a 409 an operation that does not fit the
 * stage (nothing staged, or a backup staged already).
 */
final class BackupRoutes extends ApiDirectives {

  /** What staging, committing or dropping a restore needs. */
  private static final String RECOVERY = "admin:recovery";

  /** Task ids one deletion may name. */
  static final int MAX_TASK_IDS = 10_000;

  /** A backup as listed. */
  record BackupView(String id, Instant createdAt, int jobs, int tasks) {}

  /** The backups, newest first. */
  record BackupList(List<BackupView> items) {}

  /** The staged copy after a stage or a commit: which backup, how many jobs and tasks. */
  record StageView(String backupId, int jobs, int tasks) {}

  /** A query of the staged copy: its jobs and the matching tasks. */
  record StagedView(String backupId, List<String> jobs, List<Views.TaskView> tasks) {}

  /** The tasks a deletion took out of the staged copy. */
  record DeletedView(List<String> deleted) {}

  /** The backup that was unloaded. */
  record UnloadedView(String backupId) {}

  BackupRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.post("/api/v1/admin/backups", path -> noFields(this::backupNow))
            .needs("admin:backup"),
        Endpoint.get("/api/v1/admin/backups", path -> input(Set.of(), this::list)),
        Endpoint.post("/api/v1/admin/recovery/stage", path -> input(Set.of(), this::stage))
            .needs(RECOVERY),
        Endpoint.get(
            "/api/v1/admin/recovery",
            path -> input(Set.of("job", "status", "task_id"), this::query)),
        Endpoint.post("/api/v1/admin/recovery/delete", path -> input(Set.of(), this::delete))
            .needs(RECOVERY),
        Endpoint.post("/api/v1/admin/recovery/commit", path -> noFields(this::commit))
            .needs(RECOVERY),
        Endpoint.post("/api/v1/admin/recovery/unload", path -> noFields(this::unload))
            .needs(RECOVERY));
  }

  /** An operation whose body is empty or {@code {}}. */
  private Route noFields(Function<ApiContext.BackupAdmin, Route> inner) {
    return input(
        Set.of(),
        in ->
            fields(
                in,
                true,
                body -> {
                  body.done();
                  return admin(inner);
                }));
  }

  private Route backupNow(ApiContext.BackupAdmin admin) {
    return onSuccess(admin.backups().takeNow(), s -> complete(json(StatusCodes.CREATED, view(s))));
  }

  private Route list(Input in) {
    in.checked();
    return admin(
        admin ->
            ok(
                new BackupList(
                    admin.backups().list().stream()
                        .sorted(Comparator.comparing(Backup.Summary::id).reversed())
                        .map(BackupRoutes::view)
                        .toList())));
  }

  private Route stage(Input in) {
    return fields(
        in,
        false,
        body -> {
          Optional<String> id = body.string("backup_id");
          if (!body.has("backup_id")) {
            body.error("backup_id", "is required");
          } else if (id.isPresent() && id.get().isBlank()) {
            body.error("backup_id", "must not be blank");
          }
          body.done();
          return admin(
              admin -> {
                try {
                  Backup.Summary s = admin.recovery().stage(id.orElseThrow());
                  return ok(new StageView(s.id(), s.jobs(), s.tasks()));
                } catch (BackupStore.UnreadableBackup e) {
                  // Another release's format, or damaged: the id names nothing this node can load.
                  throw new BadRequest(
                      List.of(new io.borealis.model.FieldError("backup_id", e.getMessage())));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
        });
  }

  private Route query(Input in) {
    Optional<JobKey> job = job(in, in.query("job"));
    StagedRecovery.Filter filter =
        new StagedRecovery.Filter(job, in.statuses("status"), in.strings("task_id"));
    in.checked();
    return admin(
        admin -> {
          StagedRecovery.Staged staged = admin.recovery().query(filter);
          return ok(
              new StagedView(
                  staged.backupId(),
                  staged.jobs().stream().map(JobKey::toString).toList(),
                  staged.tasks().stream().map(t -> Views.task(t, false)).toList()));
        });
  }

  private Route delete(Input in) {
    return fields(
        in,
        false,
        body -> {
          Set<String> ids = taskIds(body);
          Optional<JobKey> job = job(in, body.string("job"));
          if (!body.has("task_ids") && !body.has("job")) {
            body.error("task_ids", "is required (or job)");
          }
          body.done();
          return admin(
              admin ->
                  ok(
                      new DeletedView(
                          admin.recovery().delete(new StagedRecovery.Filter(job, Set.of(), ids)))));
        });
  }

  private Route commit(ApiContext.BackupAdmin admin) {
    return acting(
        as ->
            onSuccess(
                as.commitRecovery(admin.recovery()),
                s -> ok(new StageView(s.id(), s.jobs(), s.tasks()))));
  }

  private Route unload(ApiContext.BackupAdmin admin) {
    String id =
        admin
            .recovery()
            .staged()
            .map(Backup::id)
            .orElseThrow(() -> new StagedRecovery.WrongStage("no backup is staged"));
    admin.recovery().unload();
    return ok(new UnloadedView(id));
  }

  /** The optional {@code task_ids}: a list of task ids (repeats count once). */
  private static Set<String> taskIds(JsonFields body) {
    Set<String> ids = new LinkedHashSet<>();
    Optional<JsonNode> node = body.any("task_ids");
    if (node.isEmpty()) {
      return ids;
    }
    if (!node.get().isArray() || node.get().isEmpty() || node.get().size() > MAX_TASK_IDS) {
      body.error("task_ids", "must be a list of 1 to " + MAX_TASK_IDS + " task ids");
      return ids;
    }
    int i = 0;
    for (JsonNode t : node.get()) {
      if (!t.isTextual() || t.asText().isBlank()) {
        body.error("task_ids[" + i + "]", "must be a non-blank task id");
      } else {
        ids.add(t.asText());
      }
      i++;
    }
    return ids;
  }

  /** A job key given as {@code role/env/name}; a problem noted when it is not one. */
  private static Optional<JobKey> job(Input in, Optional<String> text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JobKey.parse(text.get()));
    } catch (IllegalArgumentException e) {
      in.problem("job", "must be a job key role/env/name: " + e.getMessage());
      return Optional.empty();
    }
  }

  private Route admin(Function<ApiContext.BackupAdmin, Route> inner) {
    if (ctx.backups().isEmpty()) {
      return complete(Problems.unavailable("This node does not serve backups."));
    }
    return inner.apply(ctx.backups().get());
  }

  private static BackupView view(Backup.Summary s) {
    return new BackupView(s.id(), s.createdAt(), s.jobs(), s.tasks());
  }
}
