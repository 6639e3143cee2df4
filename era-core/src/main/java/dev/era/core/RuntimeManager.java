package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.DeploymentId;
import dev.era.api.EraException;
import dev.era.api.InvalidSpecException;
import dev.era.api.NotFoundException;
import dev.era.api.RuntimePlugin;
import dev.era.core.spi.StateStore;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The core's front door (ADR-001's Runtime Manager): picks the engine a spec names, checks
 * tenants, and hands lifecycle work to the {@link LifecycleController}. Build one with
 * {@link #start}; it recovers every stored deployment before it returns.
 */
public final class RuntimeManager implements DeploymentService, AutoCloseable {
    private final StateStore store;
    private final Map<String, RuntimePlugin> engines;
    private final Layout layout;
    private final Clock clock;
    private final Scheduler scheduler;
    private final EventHub hub;
    private final LifecycleController controller;
    private final Reconciler reconciler;

    private RuntimeManager(StateStore store, Map<String, RuntimePlugin> engines, Path dataDir, Clock clock,
                           Scheduler scheduler, Duration reconcileEvery, FaultPoints faults) {
        this.store = store;
        this.engines = new TreeMap<>(engines);
        this.layout = new Layout(dataDir);
        this.clock = clock;
        this.scheduler = scheduler;
        this.hub = new EventHub(store);
        this.controller = new LifecycleController(store, engines, layout, clock, scheduler, hub, faults);
        this.reconciler = new Reconciler(controller, scheduler, reconcileEvery);
    }

    /**
     * Recovers every stored deployment (reattaching running work) and starts the reconciler.
     *
     * @param engines engines by name, usually from {@link #loadEngines()}
     */
    public static RuntimeManager start(StateStore store, Map<String, RuntimePlugin> engines, Path dataDir,
                                       Clock clock, Scheduler scheduler, Duration reconcileEvery) {
        return start(store, engines, dataDir, clock, scheduler, reconcileEvery, FaultPoints.NONE);
    }

    /** As above, with the phase boundaries reported to {@code faults} (tests kill the daemon there). */
    public static RuntimeManager start(StateStore store, Map<String, RuntimePlugin> engines, Path dataDir,
                                       Clock clock, Scheduler scheduler, Duration reconcileEvery, FaultPoints faults) {
        RuntimeManager m = new RuntimeManager(store, engines, dataDir, clock, scheduler, reconcileEvery, faults);
        m.controller.recover();
        m.reconciler.start();
        return m;
    }

    /** The engines on the class path, found with {@link java.util.ServiceLoader}. */
    public static Map<String, RuntimePlugin> loadEngines() {
        Map<String, RuntimePlugin> out = new TreeMap<>();
        for (RuntimePlugin p : java.util.ServiceLoader.load(RuntimePlugin.class)) {
            out.put(p.name(), p);
        }
        return out;
    }

    LifecycleController controller() {
        return controller;
    }

    Layout layout() {
        return layout;
    }

    /** The engines by name (sandboxes pick theirs by capability and use its optional interfaces). */
    Map<String, RuntimePlugin> engines() {
        return engines;
    }

    /** Gives a deployment to another tenant: a warm-pool sandbox to the tenant that claimed it. */
    Deployment reassign(DeploymentId id, String tenant) {
        Deployment d = controller.find(id).orElseThrow(() -> new NotFoundException("no deployment " + id));
        return waitFor(controller.reassign(id, tenant), Duration.ofSeconds(30), d);
    }

    @Override
    public List<PluginInfo> plugins() {
        return engines.values().stream().map(p -> new PluginInfo(p.name(), p.capabilities())).toList();
    }

    @Override
    public Deployment deploy(Caller caller, AppSpec spec) {
        return deploy(caller.tenant(), spec, DeploymentId.random());
    }

    /** Deploys under an id chosen by the caller: a sandbox's deployment carries the sandbox's number. */
    Deployment deploy(String tenant, AppSpec spec, DeploymentId id) {
        RuntimePlugin engine = engines.get(spec.engine());
        if (engine == null) {
            throw new InvalidSpecException("engine", "unknown engine '" + spec.engine() + "'; available engines: "
                    + String.join(", ", engines.keySet()), Map.of("available", List.copyOf(engines.keySet())));
        }
        engine.validate(spec);
        store.findByName(tenant, spec.name()).ifPresent(existing -> {
            throw new ConflictException("a deployment named '" + spec.name() + "' already exists (" + existing.id()
                    + ", " + existing.state() + "); choose another name or remove it with `era rm " + spec.name() + "`",
                    Map.of("name", spec.name(), "existing", existing.id().value()));
        });
        var now = clock.instant();
        Deployment d = new Deployment(id, tenant, spec.name(), 1, spec,
                LifecycleState.VALIDATING, Action.VALIDATE.name(), Deployment.NO_HANDLE, 0, Health.UNKNOWN, 0, -1,
                "", now, now);
        return controller.create(d);
    }

    @Override
    public Deployment await(Caller caller, String ref, Duration timeout) {
        Deployment d = get(caller, ref);
        return waitFor(controller.settled(d.id()), timeout, d);
    }

    @Override
    public List<Deployment> list(Caller caller) {
        // tenants starting with '_' are the daemon's own (the sandbox warm pool): not a user's work
        return controller.deployments().stream().filter(d -> caller.sees(d.tenant()) && !d.tenant().startsWith("_"))
                .sorted(Comparator.comparing(Deployment::createdAt).thenComparing(d -> d.id().value())).toList();
    }

    @Override
    public Deployment get(Caller caller, String ref) {
        if (ref == null || ref.isBlank()) {
            throw new BadRequestException("name a deployment by its name or id");
        }
        if (DeploymentId.looksLikeId(ref)) {
            var byId = controller.find(new DeploymentId(ref)).filter(d -> caller.sees(d.tenant()));
            if (byId.isPresent()) {
                return byId.get();
            }
        }
        return controller.deployments().stream()
                .filter(d -> d.name().equals(ref) && (d.tenant().equals(caller.tenant())))
                .findFirst()
                .or(() -> caller.admin() ? controller.deployments().stream().filter(d -> d.name().equals(ref))
                        .findFirst() : java.util.Optional.empty())
                .orElseThrow(() -> new NotFoundException("no deployment named or with id '" + SpecCodec.clip(ref)
                        + "'; `era ps` lists them", Map.of("ref", SpecCodec.clip(ref))));
    }

    @Override
    public DeploymentStatus status(Caller caller, String ref, int logLines) {
        Deployment d = get(caller, ref);
        AppStatus observed = d.engineHandle()
                .map(h -> controller.engine(d).status(h))
                .orElse(new AppStatus.Gone(d.state() == LifecycleState.RUNNING ? "no handle" : "not running"));
        return new DeploymentStatus(d, observed, LogFiles.tail(layout.logFile(d.id()), clamp(logLines)),
                controller.drift(d.id()));
    }

    @Override
    public Deployment stop(Caller caller, String ref) {
        return request(get(caller, ref), LifecycleEvent.STOP_REQUESTED);
    }

    @Override
    public Deployment start(Caller caller, String ref) {
        return request(get(caller, ref), LifecycleEvent.START_REQUESTED);
    }

    @Override
    public Deployment update(Caller caller, String ref, AppSpec spec) {
        Deployment d = get(caller, ref);
        if (!spec.name().equals(d.name())) {
            throw new InvalidSpecException("name", "the spec is named '" + SpecCodec.clip(spec.name())
                    + "' but updates deployment '" + d.name() + "'; a new name is a new deployment (`era deploy`)");
        }
        if (!spec.engine().equals(d.spec().engine())) {
            throw new InvalidSpecException("engine", "deployment " + d.name() + " runs on engine '" + d.spec().engine()
                    + "'; an update cannot move it to '" + SpecCodec.clip(spec.engine())
                    + "' (remove it and deploy again)");
        }
        if (spec.port() != d.spec().port()) {
            throw new InvalidSpecException("port", "deployment " + d.name() + " serves on port " + d.spec().port()
                    + "; an update cannot move it to " + spec.port() + " (remove it and deploy again)");
        }
        RuntimePlugin engine = engines.get(spec.engine());
        if (engine == null) {
            throw new InvalidSpecException("engine", "unknown engine '" + spec.engine() + "'; available engines: "
                    + String.join(", ", engines.keySet()));
        }
        engine.validate(spec);
        return waitFor(controller.update(d.id(), spec), Duration.ofSeconds(30), d);
    }

    @Override
    public Deployment rollback(Caller caller, String ref, int version) {
        Deployment d = get(caller, ref);
        if (version < 0) {
            throw new BadRequestException("version must be a version number (or 0 for the one before the current),"
                    + " got " + version);
        }
        int to = version;
        if (to == 0) {
            to = controller.versions(d.id()).stream().mapToInt(SpecVersion::version).filter(v -> v < d.version())
                    .max().orElseThrow(() -> new ConflictException("deployment " + d.name() + " runs version "
                            + d.version() + ", which has no earlier version to roll back to",
                            Map.of("version", d.version())));
        }
        return waitFor(controller.rollback(d.id(), to), Duration.ofSeconds(30), d);
    }

    @Override
    public List<SpecVersion> versions(Caller caller, String ref) {
        return controller.versions(get(caller, ref).id());
    }

    @Override
    public Deployment delete(Caller caller, String ref) {
        return request(get(caller, ref), LifecycleEvent.DELETE_REQUESTED);
    }

    /** Freezes (or, where the engine cannot freeze, stops) a running deployment, keeping its files. */
    public Deployment suspend(Caller caller, String ref) {
        return request(get(caller, ref), LifecycleEvent.SUSPEND_REQUESTED);
    }

    public Deployment resume(Caller caller, String ref) {
        return request(get(caller, ref), LifecycleEvent.RESUME_REQUESTED);
    }

    private Deployment request(Deployment d, LifecycleEvent e) {
        return waitFor(controller.request(d.id(), e), Duration.ofSeconds(30), d);
    }

    @Override
    public List<Event> events(Caller caller, long afterSeq, int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new BadRequestException("limit must be between 1 and 10000, got " + limit);
        }
        return store.events(afterSeq, limit).stream().filter(e -> caller.sees(e.tenant())).toList();
    }

    @Override
    public long lastEventSeq() {
        return store.lastSeq();
    }

    @Override
    public Subscription followEvents(Caller caller, long afterSeq, Consumer<Event> sink) {
        return hub.follow(afterSeq, e -> e.tenant().isEmpty() || caller.sees(e.tenant()), sink);
    }

    @Override
    public List<String> logs(Caller caller, String ref, int lines) {
        return LogFiles.tail(layout.logFile(get(caller, ref).id()), clamp(lines));
    }

    @Override
    public Subscription followLogs(Caller caller, String ref, int lines, Consumer<String> sink) {
        Deployment d = get(caller, ref);
        Path file = layout.logFile(d.id());
        AsyncSink<String> async = new AsyncSink<>(sink, 100_000);
        long from = LogFiles.Follower.size(file);
        LogFiles.tail(file, clamp(lines)).forEach(async);
        LogFiles.Follower follower = new LogFiles.Follower(file, from, async);
        var poller = new java.util.concurrent.atomic.AtomicReference<Scheduler.Cancellable>();
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            if (async.closed()) {
                return;
            }
            try {
                follower.poll();
            } catch (IOException e) {
                async.close();
                return;
            }
            poller.set(scheduler.schedule(Duration.ofMillis(100), tick[0]));
        };
        poller.set(scheduler.schedule(Duration.ofMillis(100), tick[0]));
        return () -> {
            async.close();
            var p = poller.get();
            if (p != null) {
                p.cancel();
            }
        };
    }

    private static int clamp(int lines) {
        if (lines < 0 || lines > 100_000) {
            throw new BadRequestException("lines must be between 0 and 100000, got " + lines);
        }
        return lines;
    }

    private Deployment waitFor(CompletableFuture<Deployment> f, Duration timeout, Deployment d) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return controller.find(d.id()).orElse(d);
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof EraException ee) {
                throw ee;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return controller.find(d.id()).orElse(d);
        }
    }

    @Override
    public void close() {
        reconciler.close();
        controller.close();
    }
}
