package io.borealis.node;

import com.typesafe.config.Config;
import io.borealis.backend.FleetControl;
import io.borealis.backend.ResourceBackend;
import io.borealis.backend.TaskRef;
import io.borealis.common.Metrics;
import io.borealis.common.SnapshotPolicy;
import io.borealis.common.Tags;
import io.borealis.host.BackendHost;
import io.borealis.host.Reconciler;
import io.borealis.http.Api;
import io.borealis.http.ApiContext;
import io.borealis.http.HttpSettings;
import io.borealis.http.SandboxPeers;
import io.borealis.job.JobEntity;
import io.borealis.job.JobService;
import io.borealis.maintenance.MaintenanceEntity;
import io.borealis.maintenance.MaintenanceService;
import io.borealis.maintenance.MaintenanceSettings;
import io.borealis.model.Assignment;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.ValidationSettings;
import io.borealis.persistence.Backup;
import io.borealis.persistence.BackupStore;
import io.borealis.persistence.Backups;
import io.borealis.persistence.QueryService;
import io.borealis.persistence.ReadSide;
import io.borealis.persistence.ReadView;
import io.borealis.persistence.StagedRecovery;
import io.borealis.persistence.StoreHealth;
import io.borealis.placement.PlacedTask;
import io.borealis.placement.PlacedTasksSource;
import io.borealis.placement.PlacementEngine;
import io.borealis.placement.PlacementSettings;
import io.borealis.quota.QuotaEntity;
import io.borealis.quota.QuotaService;
import io.borealis.quota.ResourceAggregate;
import io.borealis.task.InstanceChanges;
import io.borealis.task.LocalInstanceChanges;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskHistoryPruner;
import io.borealis.task.TaskInstanceEntity;
import io.borealis.task.TaskSettings;
import io.borealis.update.JobUpdateEntity;
import io.borealis.update.UpdateEngine;
import io.borealis.update.UpdateKey;
import io.borealis.update.UpdateService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.Materializer;

/**
 * The root of a node's supervisor tree. It joins the cluster (a cluster of one when no seed nodes
 * are configured), starts the sharded entities, the placement and resource-backend singletons and
 * the read side, then serves HTTP and unbinds it gracefully on shutdown. Each singleton restarts
 * with back-off on failure, so one broken component never takes the node down.
 */
final class Guardian {

  /** What the node learns once it serves. */
  record Started(ServerBinding binding, ReadView view) {}

  private Guardian() {}

  static Behavior<Void> create(CompletableFuture<Started> started) {
    return Behaviors.setup(
        context -> {
          ActorSystem<?> system = context.getSystem();
          // The logger is taken here: the context must not be touched from future callbacks.
          org.slf4j.Logger log = context.getLog();
          Config config = system.settings().config();
          Cluster cluster = Cluster.get(system);
          // Seed nodes, or cluster bootstrap (Bootstrap, started by Node), join on their own.
          if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()
              && !Bootstrap.Settings.from(config).enabled()) {
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
          }

          Clock clock = Clock.systemUTC();
          ReadView view = new ReadView(config.getInt("borealis.update.history.max-per-job"));
          // The view's snapshot is loaded before any entity can feed the view.
          ReadSide readSide = ReadSide.create(system, view);
          // Aurora's task_store_<STATUS>: what the view holds, read when the metrics are read.
          for (io.borealis.model.ScheduleStatus status :
              io.borealis.model.ScheduleStatus.values()) {
            Metrics.of(system).gauge("task_store_" + status.name(), () -> view.tasksIn(status));
          }
          // Events the view found missing and read by their entity's id (a tag row written late).
          Metrics.of(system).counter("read_side_gaps_filled", readSide::gapsFilled);
          // Finished updates leave the view by count as they end, and by age on this timer.
          Metrics.of(system).counter("job_updates_pruned", view::updatesPruned);
          Duration updatesMaxAge = config.getDuration("borealis.update.history.max-age");
          Duration pruneUpdatesEvery = config.getDuration("borealis.update.history.prune-interval");
          system
              .scheduler()
              .scheduleWithFixedDelay(
                  Duration.ZERO,
                  pruneUpdatesEvery,
                  () -> view.pruneUpdatesEndedBefore(clock.instant().minus(updatesMaxAge)),
                  system.executionContext());
          // The rest of the operators' alert set exists from the start on every node, at 0 until
          // its cause happens here (the entities and singletons that count them start later).
          for (String name :
              List.of(
                  TaskInstanceEntity.TIMED_OUT_TASKS,
                  TaskInstanceEntity.TASK_KILL_RETRIES,
                  "scheduler_resource_offers")) {
            Metrics.of(system).counter(name);
          }
          Tags tags = ReadSide.Settings.from(config).tags();
          Backends.Assembled backend =
              Backends.named(config.getString("borealis.backend.kind"))
                  .assemble()
                  .apply(new Backends.Setup(config, clock));
          ResourceBackend.Factory backendFactory = backend.factory();
          // The spread local backend's agent for this machine, whatever node the singleton is on.
          SandboxPeers sandboxPeers = backend.nodeAgents().start(context);
          ClusterSingleton singletons = ClusterSingleton.get(system);
          AtomicReference<ActorRef<ResourceBackend.Command>> backendRef = new AtomicReference<>();
          AtomicReference<ActorRef<PlacementEngine.Command>> placementRef = new AtomicReference<>();
          Duration askTimeout = config.getDuration("borealis.job.ask-timeout");

          // The two singletons need each other's proxy; each behavior reads it when it starts.
          placementRef.set(
              singletons.init(
                  SingletonActor.of(
                      supervised(
                          Behaviors.setup(
                              c ->
                                  PlacementEngine.create(
                                      awaitSet(backendRef),
                                      TaskInstanceEntity.assignees(
                                          TaskInstanceEntity.refs(system), system.scheduler()),
                                      TaskInstanceEntity.preemptees(
                                          TaskInstanceEntity.refs(system), system.scheduler()),
                                      PlacementSettings.from(config),
                                      io.borealis.placement.PreemptionSettings.from(config),
                                      new Random(),
                                      clock,
                                      placedTasks(view, system)))),
                      "placement")));
          // Set below, once the reconciler's proxy exists; read when the backend takes over.
          AtomicReference<ActorRef<Reconciler.Command>> reconcilerRef = new AtomicReference<>();
          boolean takeoverRecovery = config.getBoolean("borealis.cluster.takeover-recovery");
          backendRef.set(
              singletons.init(
                  SingletonActor.of(
                      supervised(
                          Behaviors.setup(
                              c -> {
                                log.info(
                                    "The resource backend singleton starts on this node ({})",
                                    cluster.selfMember().address());
                                if (takeoverRecovery) {
                                  takeover(
                                      system,
                                      cluster,
                                      view,
                                      () -> awaitSet(reconcilerRef),
                                      config,
                                      askTimeout,
                                      log);
                                }
                                return BackendHost.create(
                                    backendFactory,
                                    awaitSet(placementRef),
                                    TaskInstanceEntity.refs(system),
                                    view,
                                    askTimeout,
                                    config.getInt("borealis.backend-host.max-statuses-in-flight"));
                              })),
                      "resource-backend")));

          // Reconciliation runs beside the backend, one per cluster; the tasks on agents come
          // from this node's view.
          Reconciler.Settings reconciliation = Reconciler.Settings.from(config);
          ActorRef<Reconciler.Command> reconciler =
              singletons.init(
                  SingletonActor.of(
                      supervised(
                          Behaviors.setup(
                              c ->
                                  Reconciler.create(
                                      backendRef.get(), () -> onAgents(view), reconciliation))),
                      "reconciler"));
          reconcilerRef.set(reconciler);
          // Instances are not remembered by sharding: when a member leaves or is downed, the
          // instances that lived on it start again elsewhere only with their next message, and
          // their timers (a throttle's release, a transient timeout, a pending task's placement)
          // wait until then. One node (the oldest) wakes the live instances when one is removed.
          if (takeoverRecovery) {
            singletons.init(
                SingletonActor.of(
                    supervised(
                        Behaviors.<ClusterEvent.MemberRemoved>setup(
                            c -> {
                              cluster
                                  .subscriptions()
                                  .tell(
                                      Subscribe.create(
                                          c.getSelf(), ClusterEvent.MemberRemoved.class));
                              return Behaviors.receiveMessage(
                                  removed -> {
                                    whenCaughtUp(
                                        view,
                                        system,
                                        () -> {
                                          log.info(
                                              "Member {} was removed: waking the live instances",
                                              removed.member().address());
                                          InstanceWaking.start(
                                              system,
                                              view.liveInstances(),
                                              TaskInstanceEntity.refs(system),
                                              config.getInt("borealis.task.wake-parallelism"),
                                              askTimeout);
                                        });
                                    return Behaviors.same();
                                  });
                            })),
                    "instance-waker"));
          }

          TaskSettings taskSettings = TaskSettings.from(config);
          InstanceChanges instanceChanges = new LocalInstanceChanges();
          boolean remember = config.getBoolean("pekko.cluster.sharding.remember-entities");
          // Instances are woken from the view after a restart (InstanceWaking), not remembered.
          boolean rememberInstances =
              remember && config.getBoolean("borealis.task.remember-instances");
          ValidationSettings validation = ValidationSettings.from(config);
          TaskInstanceEntity.init(
              system,
              new TaskInstanceEntity.Deps(
                  clock,
                  UUID::randomUUID,
                  new Random(),
                  taskSettings,
                  placementRef.get(),
                  backendRef.get(),
                  view,
                  tags,
                  instanceChanges),
              rememberInstances);
          JobEntity.init(
              system,
              new JobEntity.Deps(
                  clock,
                  TaskInstanceEntity.refs(system),
                  askTimeout,
                  validation.maxTasksPerJob(),
                  SnapshotPolicy.from(config, "job"),
                  taskSettings.idlePassivation(),
                  view,
                  tags,
                  (job, id) ->
                      AskPattern.ask(
                          JobUpdateEntity.refs(system).apply(new UpdateKey(job, id)),
                          JobUpdateEntity.IsActive::new,
                          askTimeout,
                          system.scheduler())),
              remember);
          Config updates = config.getConfig("borealis.update");
          JobUpdateEntity.init(
              system,
              new JobUpdateEntity.Deps(
                  clock,
                  new UpdateEngine(
                      new UpdateEngine.Settings(
                          updates.getInt("min-required-instances-for-sla"),
                          updates.getBoolean("sla-aware-kill-non-production"),
                          updates.getDuration("sla-aware-kill-retry-min-delay"),
                          updates.getDuration("sla-aware-kill-retry-max-delay"))),
                  TaskInstanceEntity.refs(system),
                  JobEntity.refs(system),
                  JobUpdateEntity.refs(system),
                  instanceChanges,
                  new HttpSlaCoordinator(
                      config.getString("borealis.validation.cluster-name"),
                      updates.getDuration("sla-coordinator-timeout"),
                      Metrics.of(system)),
                  askTimeout,
                  SnapshotPolicy.from(config, "job-update"),
                  taskSettings.idlePassivation(),
                  view,
                  tags),
              remember);

          QuotaEntity.init(
              system, new QuotaEntity.Deps(clock, SnapshotPolicy.from(config, "quota")));

          // Host maintenance: one entity for the cluster, beside placement, which it tells the
          // hosts' modes; it reads tasks from this node's view and drains them through their
          // instances.
          ActorRef<MaintenanceEntity.Command> maintenance =
              singletons.init(
                  SingletonActor.of(
                      supervised(
                          MaintenanceEntity.create(
                              MaintenanceEntity.PERSISTENCE_ID,
                              new MaintenanceEntity.Deps(
                                  clock,
                                  new Random(),
                                  MaintenanceSettings.from(config),
                                  placementRef.get(),
                                  TaskInstanceEntity.refs(system),
                                  new ViewHostTasks(view),
                                  new HttpSlaCoordinator(
                                      config.getString("borealis.validation.cluster-name"),
                                      updates.getDuration("sla-coordinator-timeout"),
                                      Metrics.of(system)),
                                  Metrics.of(system)))),
                      "maintenance"));

          HttpSettings http = HttpSettings.from(config);
          // Production quota: checked where creates, adds and update starts pass, against what
          // the view shows each role to consume.
          QuotaService quotas =
              new QuotaService(system, http.askTimeout(), new ViewRoleUsage(view));
          Optional<FleetControl> fleet =
              backend.fleet().of(backendRef.get(), system, http.askTimeout());
          ScheduledExecutorService timer =
              Executors.newSingleThreadScheduledExecutor(
                  r -> {
                    Thread t = new Thread(r, "borealis-http-timer");
                    t.setDaemon(true);
                    return t;
                  });
          MaintenanceService maintenanceService =
              new MaintenanceService(system, maintenance, http.askTimeout());
          UpdateService updateService =
              new UpdateService(system, http.askTimeout(), Optional.of(quotas));
          Backups.Settings backupSettings = Backups.Settings.from(config);
          BackupStore backupStore =
              new BackupStore(backupSettings.directory(), backupSettings.keep());
          Backups backups =
              new Backups(
                  view,
                  backupStore,
                  () -> others(view, quotas, maintenanceService),
                  clock,
                  Metrics.of(system));
          StagedRecovery recovery =
              new StagedRecovery(
                  backupStore,
                  new RecoveryCommit(
                      system,
                      view,
                      updateService,
                      quotas,
                      maintenanceService,
                      reconciler::tell,
                      askTimeout));
          // Ready when this node is up in the cluster and its store answers (Cassandra's health
          // check; the embedded store always does).
          StoreHealth.Check storeHealthy = StoreHealth.start(system, Duration.ofSeconds(1));
          // framework_registered is 0 on every node until the backend starts on this one.
          io.borealis.host.BackendPresence.of(system);
          ClusterNodeStatus nodeStatus =
              ClusterNodeStatus.start(
                  system,
                  backendRef.get(),
                  storeHealthy,
                  readSide,
                  config.getString("borealis.backend.kind"),
                  clock.instant(),
                  Duration.ofSeconds(1));
          ApiContext api =
              new ApiContext(
                      new JobService(
                          system,
                          http.askTimeout(),
                          Optional.of(quotas),
                          Optional.of(placementRef.get())),
                      updateService,
                      view,
                      fleet,
                      // Sandboxes are served from this node when its backend keeps them here.
                      backend.sandboxes(),
                      validation,
                      http,
                      timer,
                      () ->
                          cluster.selfMember().status() == MemberStatus.up()
                              && storeHealthy.getAsBoolean())
                  .withQuotas(quotas)
                  .withMaintenance(maintenanceService)
                  .withReconciliation(reconciler::tell)
                  .withBackups(new ApiContext.BackupAdmin(backups, recovery));
          Api handler =
              new Api(api, Materializer.createMaterializer(system), nodeStatus, sandboxPeers);
          // HTTPS when a keystore is set (borealis.http.tls).
          Optional<org.apache.pekko.http.javadsl.HttpsConnectionContext> tls =
              io.borealis.http.Tls.server(config);
          // Open event streams end first, so unbinding does not wait for them.
          org.apache.pekko.actor.CoordinatedShutdown.get(system)
              .addTask(
                  org.apache.pekko.actor.CoordinatedShutdown.PhaseBeforeServiceUnbind(),
                  "close-event-streams",
                  () -> {
                    view.changes().close();
                    return CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
                  });

          readSide
              .start()
              .thenCompose(
                  done ->
                      tls.map(
                              https ->
                                  Http.get(system)
                                      .newServerAt(http.host(), http.port())
                                      .enableHttps(https))
                          .orElseGet(() -> Http.get(system).newServerAt(http.host(), http.port()))
                          .bind(handler::handle))
              .whenComplete(
                  (binding, error) -> {
                    if (error != null) {
                      // The caller reports it (in one line when the port is taken); the trace is
                      // for DEBUG.
                      log.debug("The node could not start serving", error);
                      started.completeExceptionally(
                          bindException(error)
                              .<Throwable>map(
                                  e -> Node.StartFailure.cannotBind(http.host(), http.port(), e))
                              .orElse(error));
                      system.terminate();
                      return;
                    }
                    binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system);
                    // The view is complete now: job histories can be pruned by it.
                    HistoryPruning.start(
                        system,
                        view,
                        TaskHistoryPruner.Settings.from(config),
                        config.getDuration("borealis.task.history.prune-interval"),
                        clock,
                        TaskInstanceEntity.refs(system));
                    periodicBackups(system, backups, backupSettings.interval(), log);
                    if (!rememberInstances) {
                      InstanceWaking.start(
                          system,
                          view.liveInstances(),
                          TaskInstanceEntity.refs(system),
                          config.getInt("borealis.task.wake-parallelism"),
                          askTimeout);
                    }
                    log.info(
                        "Borealis serves on {}://{}:{}/",
                        tls.isPresent() ? "https" : "http",
                        http.host(),
                        binding.localAddress().getPort());
                    started.complete(new Started(binding, view));
                  });
          return Behaviors.empty();
        });
  }

  /**
   * When the backend singleton starts on this node while other members are up, it took over from a
   * node that left or crashed: once the view has caught up, the live instances are woken (those
   * that lived on a crashed node resume their timers and register PENDING tasks with the new
   * placement engine) and the backend is asked at once about every task on an agent (a task the old
   * holder's backend ran and this one does not know comes back LOST and is replaced), instead of at
   * the reconciler's first periodic run. A node that starts a cluster alone does neither.
   */
  private static void takeover(
      ActorSystem<?> system,
      Cluster cluster,
      ReadView view,
      java.util.function.Supplier<ActorRef<Reconciler.Command>> reconciler,
      Config config,
      Duration askTimeout,
      org.slf4j.Logger log) {
    long othersUp =
        java.util.stream.StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
            .filter(m -> !m.equals(cluster.selfMember()) && m.status() == MemberStatus.up())
            .count();
    if (othersUp == 0) {
      return;
    }
    whenCaughtUp(
        view,
        system,
        () -> {
          List<io.borealis.model.InstanceKey> live = view.liveInstances();
          log.info(
              "The backend singleton took over here ({} other members up): waking {} live"
                  + " instances and reconciling the tasks on agents",
              othersUp,
              live.size());
          reconciler.get().tell(new Reconciler.Trigger(Reconciler.Kind.EXPLICIT, Optional.empty()));
          InstanceWaking.start(
              system,
              live,
              TaskInstanceEntity.refs(system),
              config.getInt("borealis.task.wake-parallelism"),
              askTimeout);
          // Placement moved with the backend and starts with no pending tasks. A PENDING task
          // whose instance is already awake told the old engine (perhaps in the seconds it was
          // dead) and would tell the new one only on its 30 s refresh: ask each to tell it now,
          // and again over the next seconds, as the view learns what other nodes wrote during
          // the hand-over (a task told twice is placed once).
          refreshPending(view, system);
          for (int seconds : new int[] {2, 5, 9}) {
            system
                .scheduler()
                .scheduleOnce(
                    Duration.ofSeconds(seconds),
                    () -> refreshPending(view, system),
                    system.executionContext());
          }
        });
  }

  /** Asks the instance of every PENDING task in the view to register it with placement again. */
  private static void refreshPending(QueryService view, ActorSystem<?> system) {
    var instances = TaskInstanceEntity.refs(system);
    view.tasks(
            new QueryService.TaskQuery(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                java.util.Set.of(),
                java.util.Set.of(ScheduleStatus.PENDING),
                java.util.Set.of(),
                java.util.Set.of(),
                0,
                0,
                Integer.MAX_VALUE))
        .items()
        .forEach(
            t ->
                instances
                    .apply(t.instance())
                    .tell(new TaskInstanceEntity.RefreshPending(t.taskId())));
  }

  /** Runs {@code action} once the view has read the store up to now (polling every 200 ms). */
  private static void whenCaughtUp(QueryService view, ActorSystem<?> system, Runnable action) {
    if (!view.isCaughtUp()) {
      system
          .scheduler()
          .scheduleOnce(
              Duration.ofMillis(200),
              () -> whenCaughtUp(view, system, action),
              system.executionContext());
      return;
    }
    action.run();
  }

  /**
   * Takes a backup every {@code interval} (none when it is zero), the first one interval from now.
   */
  private static void periodicBackups(
      ActorSystem<?> system, Backups backups, Duration interval, org.slf4j.Logger log) {
    if (interval.isZero() || interval.isNegative()) {
      return;
    }
    system
        .scheduler()
        .scheduleAtFixedRate(
            interval,
            interval,
            () ->
                backups
                    .takeNow()
                    .whenComplete(
                        (summary, error) -> {
                          if (error != null) {
                            log.warn("The periodic backup failed", error);
                          } else {
                            log.info(
                                "Backup {} taken: {} jobs, {} tasks",
                                summary.id(),
                                summary.jobs(),
                                summary.tasks());
                          }
                        }),
            system.executionContext());
  }

  /**
   * What a backup holds besides jobs and tasks: the quota of every role that has jobs, and the
   * hosts in maintenance.
   */
  private static java.util.concurrent.CompletionStage<Backup.Others> others(
      ReadView view, QuotaService quotas, MaintenanceService maintenance) {
    List<CompletableFuture<QuotaService.QuotaInfo>> asked = new ArrayList<>();
    for (QueryService.RoleSummary role : view.roles()) {
      asked.add(quotas.get(role.role()).toCompletableFuture());
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .thenCombine(
            maintenance.status(),
            (x, hosts) -> {
              java.util.Map<String, ResourceAggregate> byRole = new java.util.TreeMap<>();
              for (CompletableFuture<QuotaService.QuotaInfo> q : asked) {
                QuotaService.QuotaInfo info = q.join();
                if (!info.quota().equals(ResourceAggregate.ZERO)) {
                  byRole.put(info.role(), info.quota());
                }
              }
              java.util.Map<String, io.borealis.model.MaintenanceMode> modes =
                  new java.util.TreeMap<>();
              hosts.items().forEach(h -> modes.put(h.host(), h.mode()));
              return new Backup.Others(byRole, modes);
            });
  }

  /** The tasks the view has on agents (SLAVE_ASSIGNED statuses), for explicit reconciliation. */
  private static List<TaskRef> onAgents(ReadView view) {
    return view
        .tasks(QueryService.TaskQuery.inStatuses(ScheduleStatus.SLAVE_ASSIGNED))
        .items()
        .stream()
        .map(t -> new TaskRef(t.taskId(), t.instance(), t.assignment().map(Assignment::agentId)))
        .toList();
  }

  /**
   * The tasks holding resources (SLAVE_ASSIGNED states) as the read side holds them once it has
   * read the store, for a starting placement engine. They may lag the instances by the read side's
   * delay: a task that ended a moment ago may still be listed (the engine drops those it heard
   * gone; the rest leave when their instance reports them gone, or count against limits until
   * then).
   */
  private static PlacedTasksSource placedTasks(QueryService view, ActorSystem<?> system) {
    return () -> {
      CompletableFuture<List<PlacedTask>> result = new CompletableFuture<>();
      readWhenCaughtUp(view, system, result);
      return result;
    };
  }

  private static void readWhenCaughtUp(
      QueryService view, ActorSystem<?> system, CompletableFuture<List<PlacedTask>> result) {
    if (!view.isCaughtUp()) {
      system
          .scheduler()
          .scheduleOnce(
              Duration.ofMillis(200),
              () -> readWhenCaughtUp(view, system, result),
              system.executionContext());
      return;
    }
    try {
      List<PlacedTask> tasks = new ArrayList<>();
      QueryService.TaskQuery onAgents =
          QueryService.TaskQuery.inStatuses(ScheduleStatus.SLAVE_ASSIGNED);
      for (ScheduledTask t : view.tasks(onAgents).items()) {
        t.assignment()
            .ifPresent(
                a ->
                    tasks.add(
                        new PlacedTask(
                            t.taskId(), t.instance(), t.config(), a.agentId(), a.host())));
      }
      result.complete(tasks);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  /**
   * The value once the guardian has set it. A singleton may start on another thread before the
   * guardian, a statement later, stores the other singleton's proxy: that gap is microseconds.
   */
  private static <T> T awaitSet(AtomicReference<T> ref) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    T value;
    while ((value = ref.get()) == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the node's singletons were not wired in time");
      }
      Thread.onSpinWait();
    }
    return value;
  }

  private static Optional<java.net.BindException> bindException(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException b) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }

  private static <T> Behavior<T> supervised(Behavior<T> behavior) {
    return Behaviors.supervise(behavior).onFailure(io.borealis.common.Supervision.SERVICE);
  }
}
