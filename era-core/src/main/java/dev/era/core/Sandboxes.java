package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.BadRequestException;
import dev.era.api.Capability;
import dev.era.api.ConflictException;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EraException;
import dev.era.api.FileAccess;
import dev.era.api.HealthCheck;
import dev.era.api.IllegalTransitionException;
import dev.era.api.Isolation;
import dev.era.api.NotFoundException;
import dev.era.api.RestartPolicy;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import dev.era.core.spi.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The sandboxes this daemon knows, and their lifecycle on top of deployments: a sandbox's
 * deployment does the work (one lifecycle, one store); this class maps states, keeps the
 * sandbox records, waits for the deployment where a sandbox call must, and suspends idle sandboxes.
 */
final class Sandboxes {
    private static final Logger LOG = LoggerFactory.getLogger(Sandboxes.class);
    private static final Duration LIFECYCLE_WAIT = Duration.ofSeconds(60);

    final RuntimeManager manager;
    final StateStore store;
    final Clock clock;
    final Scheduler scheduler;
    final SandboxConfig config;
    private final Map<String, SandboxEntry> entries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Sandboxes(RuntimeManager manager, StateStore store, Clock clock, Scheduler scheduler, SandboxConfig config) {
        this.manager = manager;
        this.store = store;
        this.clock = clock;
        this.scheduler = scheduler;
        this.config = config;
    }

    /**
     * Loads the stored sandboxes after a daemon start (their deployments were recovered by the
     * runtime manager already). A row whose deployment is gone was being deleted, or never got its
     * deployment, when the daemon stopped: it is dropped.
     */
    List<SandboxEntry> recover() {
        for (SandboxRecord r : store.sandboxes()) {
            if (manager.controller().find(r.deployment()).isEmpty()) {
                LOG.info("sandbox {} has no deployment any more; forgetting it", r.id());
                store.deleteSandbox(r.id());
                continue;
            }
            SandboxEntry e = new SandboxEntry(r, clock.instant(), false);
            entries.put(r.id(), e);
            touch(e);
        }
        return List.copyOf(entries.values());
    }

    static String newId() {
        return "sb-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
    }

    // ---- lookup -------------------------------------------------------------------------------

    /** The caller's sandbox by id (or by name within the caller's tenant); others' are not found. */
    SandboxEntry find(Caller caller, String ref) {
        if (ref == null || ref.isBlank()) {
            throw new BadRequestException("name a sandbox by its id (sb-...) or its name");
        }
        SandboxEntry e = entries.get(ref);
        if (e != null && !e.record().pooled() && caller.sees(e.record().tenant())) {
            return e;
        }
        return entries.values().stream()
                .filter(x -> !x.record().pooled() && x.record().tenant().equals(caller.tenant())
                        && x.record().name().equals(ref))
                .findFirst()
                .orElseThrow(() -> new NotFoundException("no sandbox '" + SpecCodec.clip(ref)
                        + "'; `era sandbox ls` lists yours", Map.of("sandbox", SpecCodec.clip(ref))));
    }

    List<SandboxEntry> visible(Caller caller) {
        reap();
        return entries.values().stream()
                .filter(e -> !e.record().pooled() && caller.sees(e.record().tenant()))
                .sorted(Comparator.comparing((SandboxEntry e) -> e.record().createdAt()).thenComparing(SandboxEntry::id))
                .toList();
    }

    /**
     * Forgets sandboxes whose deployment was removed behind their back (through the deployments
     * API): they are gone, and keep no quota.
     */
    private void reap() {
        for (SandboxEntry e : entries.values()) {
            if (!e.creating() && !e.removed() && deployment(e).isEmpty()) {
                LOG.info("the deployment of sandbox {} was removed; forgetting the sandbox", e.id());
                entries.remove(e.id());
                e.remove().forEach(ExecutionRun::killQuietly);
                store.deleteSandbox(e.id());
            }
        }
    }

    /** Claimed sandboxes of {@code tenant} (suspended and provisioning ones count toward quotas). */
    List<SandboxRecord> ofTenant(String tenant) {
        reap();
        return entries.values().stream().map(SandboxEntry::record)
                .filter(r -> !r.pooled() && r.tenant().equals(tenant)).toList();
    }

    void put(SandboxEntry e) {
        entries.put(e.id(), e);
    }

    // ---- views --------------------------------------------------------------------------------

    java.util.Optional<Deployment> deployment(SandboxEntry e) {
        return manager.controller().find(e.record().deployment());
    }

    /** Running as far as the lifecycle knows, and its work really there (an exit may not be reported yet). */
    boolean alive(SandboxEntry e) {
        var d = deployment(e);
        if (d.isEmpty() || d.get().state() != LifecycleState.RUNNING || d.get().engineHandle().isEmpty()) {
            return false;
        }
        try {
            return engine(e.record()).status(d.get().handle()) instanceof dev.era.api.AppStatus.Running;
        } catch (RuntimeException ex) {
            return false;
        }
    }

    Sandbox view(SandboxEntry e) {
        SandboxRecord r = e.record();
        var d = deployment(e);
        SandboxState state = e.removed() ? SandboxState.DELETED : d.isPresent() ? state(d.get())
                : e.creating() ? SandboxState.PROVISIONING : SandboxState.DELETED;
        return new Sandbox(r.id(), r.tenant(), r.name(), state, r.engine(), r.image(), r.resources(), r.network(),
                r.env(), r.labels(), r.idleTimeout(), r.fromSnapshot(), d.map(Deployment::message).orElse(""),
                r.createdAt(), e.lastActivity());
    }

    /** A sandbox's state, read off its deployment's lifecycle state. */
    static SandboxState state(Deployment d) {
        return switch (d.state()) {
            case VALIDATING, FETCHING, PREPARING, INSTALLING, ACTIVATING, HEALTH_CHECKING, BACKING_OFF ->
                    SandboxState.PROVISIONING;
            // sandboxes are not updated, but a deployment between versions still serves
            case RUNNING, UPDATING, VERIFYING, CUTTING_OVER, ROLLING_BACK -> SandboxState.RUNNING;
            // SUSPENDED is entered first and the engine is frozen by its PAUSE action
            case SUSPENDED -> d.pendingAction().equals(Action.PAUSE.name()) ? SandboxState.SUSPENDING
                    : SandboxState.SUSPENDED;
            // a stopped sandbox (its main command ended, or someone stopped its deployment) keeps its
            // files and starts again on the next exec, as a suspended one does
            case STOPPING -> SandboxState.SUSPENDING;
            case STOPPED -> SandboxState.SUSPENDED;
            case RESUMING -> SandboxState.RESUMING;
            case FAILED -> SandboxState.FAILED;
            case UNINSTALLING, DELETED -> SandboxState.DELETED;
        };
    }

    // ---- engines and specs --------------------------------------------------------------------

    /** The engine a request names, or the default sandbox engine; it must have the SANDBOX capability. */
    String engineFor(String requested) {
        Map<String, RuntimePlugin> engines = manager.engines();
        List<String> capable = engines.values().stream()
                .filter(p -> p.capabilities().contains(Capability.SANDBOX)).map(RuntimePlugin::name).sorted().toList();
        String name = !requested.isEmpty() ? requested : !config.defaultEngine().isEmpty() ? config.defaultEngine()
                : capable.isEmpty() ? "" : capable.getFirst();
        if (name.isEmpty()) {
            throw new BadRequestException("this daemon has no engine that can run sandboxes (none has the SANDBOX "
                    + "capability; engines: " + String.join(", ", engines.keySet()) + "); on Linux the process "
                    + "engine needs root, bubblewrap, setpriv and nsenter", Map.of("engines", List.copyOf(engines.keySet())));
        }
        if (!capable.contains(name)) {
            throw new BadRequestException("engine '" + SpecCodec.clip(name) + "' cannot run sandboxes; engines that can: "
                    + (capable.isEmpty() ? "none on this host" : String.join(", ", capable)),
                    Map.of("engine", SpecCodec.clip(name), "sandboxEngines", capable));
        }
        return name;
    }

    RuntimePlugin engine(SandboxRecord r) {
        RuntimePlugin p = manager.engines().get(r.engine());
        if (p == null) {
            throw new EngineException("sandbox " + r.id() + " runs on engine '" + r.engine()
                    + "', which this daemon does not have any more; start the daemon with it, or delete the sandbox");
        }
        return p;
    }

    /** The deployment spec of a sandbox: a sandboxed, always-restarted process with no health probe. */
    static AppSpec spec(SandboxRecord r, List<String> command) {
        Isolation.Network net = r.network().equals("host") ? Isolation.Network.HOST : Isolation.Network.NONE;
        // the image is the artifact for engines that run images; the process engine refuses one
        return new AppSpec(r.id(), r.engine(), r.image(), command, List.of(), r.env(), "", r.resources(),
                HealthCheck.NONE, new RestartPolicy(RestartPolicy.Mode.ALWAYS, 5, Duration.ofMillis(200),
                Duration.ofSeconds(30), Duration.ofSeconds(30)), List.of(), Duration.ofSeconds(2),
                new Isolation(Isolation.Mode.SANDBOX, net));
    }

    /**
     * The sandbox's file roots on the host ({@code /workspace -> ...}), valid before its work runs.
     * A sandbox that does not exist yet is described by the workload its first version will have.
     */
    Map<String, Path> roots(SandboxRecord r, AppSpec specIfNew) {
        if (!(engine(r) instanceof FileAccess files)) {
            throw new BadRequestException("engine '" + r.engine() + "' does not expose the sandbox's files (it has "
                    + "no FILES capability); use exec to read and write them", Map.of("engine", r.engine()));
        }
        var d = manager.controller().find(r.deployment());
        if (d.isEmpty() && specIfNew == null) {
            throw new NotFoundException("sandbox " + r.id() + " has been deleted", Map.of("sandbox", r.id()));
        }
        Workload w = d.isPresent() ? manager.controller().workload(d.get())
                : manager.layout().workload(new Deployment(r.deployment(), r.tenant(), r.id(), 1, specIfNew,
                LifecycleState.VALIDATING, "", Deployment.NO_HANDLE, 0, Health.UNKNOWN, 0, -1, "", r.createdAt(),
                r.createdAt()));
        return files.fileRoots(w);
    }

    Path workspace(SandboxRecord r, AppSpec specIfNew) {
        Path p = roots(r, specIfNew).get("/workspace");
        if (p == null) {
            throw new EngineException("engine '" + r.engine() + "' gives sandbox " + r.id() + " no /workspace");
        }
        return p;
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /** Deploys the sandbox's body and waits until it runs; a failure throws with the deployment's message. */
    Deployment deploy(SandboxEntry e, AppSpec spec) {
        SandboxRecord r = e.record();
        try {
            manager.deploy(r.tenant(), spec, r.deployment());
        } finally {
            e.created();
        }
        Deployment d = manager.await(Caller.ADMIN, r.deployment().value(), config.createTimeout());
        if (d.state() == LifecycleState.FAILED) {
            throw new EngineException("sandbox " + r.id() + " could not start on engine '" + r.engine() + "': "
                    + d.message(), Map.of("sandbox", r.id(), "engine", r.engine()));
        }
        return d;
    }

    /**
     * Brings a suspended or stopped sandbox back (exec and file calls need it running) and
     * returns its running deployment. Waits for a sandbox in the middle of a change.
     */
    Deployment ensureRunning(SandboxEntry e) {
        e.lifecycle.lock();
        try {
            for (int attempt = 0; attempt < 4; attempt++) {
                Deployment d = deployment(e).orElseThrow(() -> gone(e));
                switch (d.state()) {
                    case RUNNING -> {
                        return d;
                    }
                    case SUSPENDED -> {
                        if (d.pendingAction().isEmpty()) {
                            request(() -> manager.resume(Caller.ADMIN, d.id().value()));
                        }
                    }
                    case STOPPED -> request(() -> manager.start(Caller.ADMIN, d.id().value()));
                    case FAILED -> throw new ConflictException("sandbox " + e.id() + " has failed: " + d.message()
                            + "; delete it and create a new one", Map.of("sandbox", e.id()));
                    case UNINSTALLING, DELETED -> throw gone(e);
                    default -> { }
                }
                awaitSettled(d.id());
            }
            Deployment d = deployment(e).orElseThrow(() -> gone(e));
            throw new ConflictException("sandbox " + e.id() + " is " + state(d).name().toLowerCase()
                    + " and did not come to run; try again, or look at `era status " + d.id() + "`",
                    Map.of("sandbox", e.id(), "state", state(d).name()));
        } finally {
            e.lifecycle.unlock();
        }
    }

    Sandbox suspend(SandboxEntry e) {
        e.lifecycle.lock();
        try {
            Deployment d = deployment(e).orElseThrow(() -> gone(e));
            if (d.state() == LifecycleState.SUSPENDED || d.state() == LifecycleState.STOPPED) {
                awaitSettled(d.id());
                return view(e);
            }
            if (d.state() != LifecycleState.RUNNING) {
                throw new ConflictException("sandbox " + e.id() + " is " + state(d).name().toLowerCase()
                        + "; only a running sandbox can be suspended", Map.of("sandbox", e.id(), "state", state(d).name()));
            }
            request(() -> manager.suspend(Caller.ADMIN, d.id().value()));
            awaitSettled(d.id());
            return view(e);
        } finally {
            e.lifecycle.unlock();
        }
    }

    /** Stops the sandbox's deployment and removes it with its files, then the sandbox's row. */
    void delete(SandboxEntry e) {
        e.lifecycle.lock();
        try {
            entries.remove(e.id());
            e.remove().forEach(ExecutionRun::killQuietly);
            DeploymentId id = e.record().deployment();
            if (manager.controller().find(id).isPresent()) {
                try {
                    manager.delete(Caller.ADMIN, id.value());
                } catch (IllegalTransitionException | NotFoundException alreadyGoing) {
                    // a delete in flight (or done) is what we want
                }
                awaitSettled(id);
            }
            store.deleteSandbox(e.id());
        } finally {
            e.lifecycle.unlock();
        }
    }

    private void request(Runnable r) {
        try {
            r.run();
        } catch (IllegalTransitionException raced) {
            // the deployment moved meanwhile (an exit, a restart); the caller looks again
        }
    }

    /** Waits (bounded) until the deployment is settled or gone. */
    void awaitSettled(DeploymentId id) {
        try {
            manager.controller().settled(id).get(LIFECYCLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof NotFoundException)) {
                throw e.getCause() instanceof EraException ee ? ee : new IllegalStateException(e.getCause());
            }
        } catch (TimeoutException e) {
            throw new EngineException("deployment " + id + " did not settle within " + LIFECYCLE_WAIT.toSeconds()
                    + " s; look at `era status " + id + "`", Map.of("deployment", id.value()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for deployment " + id);
        }
    }

    /** Timers of a closed manager do nothing (a new one may run on the same store). */
    void close() {
        closed = true;
    }

    private static NotFoundException gone(SandboxEntry e) {
        return new NotFoundException("sandbox " + e.id() + " has been deleted", Map.of("sandbox", e.id()));
    }

    // ---- activity and idle suspension ---------------------------------------------------------

    /** Records activity now and makes sure the idle timer runs (it re-arms itself from the last activity). */
    void touch(SandboxEntry e) {
        e.touched(clock.instant());
        armIdle(e);
    }

    private void armIdle(SandboxEntry e) {
        Duration idle = e.record().idleTimeout();
        if (idle.isZero() || e.record().pooled() || e.removed()) {
            return;
        }
        synchronized (e) {
            if (!e.idleTimerArmed()) {
                e.idleTimer(scheduler.schedule(idle, () -> idleCheck(e)));
            }
        }
    }

    private void idleCheck(SandboxEntry e) {
        synchronized (e) {
            e.idleTimer(null);
        }
        if (closed || e.removed() || e.record().pooled()) {
            return;
        }
        Duration idle = e.record().idleTimeout();
        var due = e.lastActivity().plus(idle);
        var now = clock.instant();
        if (now.isBefore(due) || e.busy()) {
            synchronized (e) {
                if (!e.idleTimerArmed()) {
                    e.idleTimer(scheduler.schedule(now.isBefore(due) ? Duration.between(now, due) : idle,
                            () -> idleCheck(e)));
                }
            }
            return;
        }
        e.lifecycle.lock();
        try {
            // looked at again under the lock: an exec may have come in meanwhile
            boolean stillIdle = !clock.instant().isBefore(e.lastActivity().plus(idle)) && !e.busy();
            if (stillIdle && deployment(e).map(d -> d.state() == LifecycleState.RUNNING).orElse(false)) {
                LOG.info("sandbox {} idle for {}; suspending it", e.id(), idle);
                suspend(e);
            } else if (!stillIdle) {
                armIdle(e);
            }
        } catch (RuntimeException ex) {
            LOG.warn("could not suspend idle sandbox {}: {}", e.id(), ex.getMessage());
        } finally {
            e.lifecycle.unlock();
        }
    }
}
