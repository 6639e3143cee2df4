package dev.era.core;

import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.Pausable;
import dev.era.api.Checkpointable;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What each {@link Action} does. Runs on the deployment's mailbox; every action is safe to
 * repeat after a crash, and ends by firing the event that reports its outcome (or by arming the
 * timer/prober whose verdict will).
 */
final class LifecycleActions {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleActions.class);

    private LifecycleActions() {
    }

    static void run(LifecycleController c, DeploymentRuntime rt, Deployment d, Action action) throws IOException {
        RuntimePlugin engine = c.engine(d);
        Workload w = c.workload(d);
        switch (action) {
            case NONE -> { }
            case VALIDATE -> {
                engine.validate(d.spec());
                c.next(rt, d, LifecycleEvent.VALIDATED, UnaryOperator.identity(), "");
            }
            case FETCH -> {
                engine.fetch(w);
                c.next(rt, d, LifecycleEvent.FETCHED, UnaryOperator.identity(), "");
            }
            case PREPARE -> {
                prepare(w);
                c.next(rt, d, LifecycleEvent.PREPARED, UnaryOperator.identity(), "");
            }
            case INSTALL -> {
                engine.install(w);
                InstallFingerprint.save(w.installDir(), InstallFingerprint.file(c.layout(), d));
                c.next(rt, d, LifecycleEvent.INSTALLED, UnaryOperator.identity(), "");
            }
            case ACTIVATE -> activate(c, rt, d, engine, w);
            case PROBE -> probe(c, rt, d, w, false);
            case SCHEDULE_RESTART -> {
                stopWork(engine, d);
                Duration delay = d.spec().restart().backoff(Math.max(1, d.restarts()));
                rt.restartTimer = c.scheduler().schedule(delay, () -> c.backoffElapsed(d.id(), rt));
            }
            case STOP -> {
                rt.quiesce();
                RolloutActions.dropCandidate(c, d);
                c.unforward(d.id());
                stopWork(engine, d);
                c.next(rt, d, LifecycleEvent.STOPPED_OK, x -> x.withHandle(Deployment.NO_HANDLE, 0)
                        .withHealth(Health.UNKNOWN).withPort(0).withRollout(Rollout.NONE), "stopped");
            }
            case CLEANUP -> {
                rt.quiesce();
                RolloutActions.dropCandidate(c, d);
                c.unforward(d.id());
                stopWork(engine, d);
                Deployment cleaned = d.withHandle(Deployment.NO_HANDLE, 0).withHealth(Health.UNKNOWN).withPort(0)
                        .withRollout(Rollout.NONE).withState(d.state(), "", c.clock().instant());
                c.record(cleaned, "cleanup", "stopped what was left of the work");
                rt.settle(c.current(d.id()));
            }
            case PAUSE -> pause(c, rt, d, engine);
            case UNPAUSE -> unpause(c, rt, d, engine, w);
            case UNINSTALL -> {
                rt.quiesce();
                RolloutActions.dropCandidate(c, d);
                c.unforward(d.id());
                stopWork(engine, d);
                engine.delete(w);
                c.next(rt, d, LifecycleEvent.UNINSTALLED, x -> x.withHandle(Deployment.NO_HANDLE, 0)
                        .withRollout(Rollout.NONE), "");
            }
            case PURGE -> c.purge(rt, d);
            case START_CANDIDATE -> RolloutActions.startCandidate(c, rt, d);
            case VERIFY_CANDIDATE -> RolloutActions.verify(c, rt, d);
            case CUT_OVER -> RolloutActions.cutOver(c, rt, d);
            case DISCARD_CANDIDATE -> RolloutActions.discard(c, rt, d);
        }
    }

    static void prepare(Workload w) throws IOException {
        Files.createDirectories(w.installDir());
        Files.createDirectories(w.runDir());
        Files.createDirectories(w.logFile().getParent());
        for (var v : w.spec().volumes()) {
            Files.createDirectories(w.volume(v));
        }
        if (!Files.exists(w.logFile())) {
            Files.createFile(w.logFile());
        }
    }

    private static void activate(LifecycleController c, DeploymentRuntime rt, Deployment given, RuntimePlugin engine,
                                 Workload givenWorkload) {
        Deployment d = given;
        Workload w = givenWorkload;
        DeploymentId id = d.id();
        if (d.spec().port() > 0) {
            if (d.port() == 0) {
                // journal the version's own port before the engine starts it, so a restart finds it
                c.record(d.withPort(PortForwarder.freePort()), "port", "version " + d.version()
                        + " listens on its own port; the daemon forwards port " + d.spec().port() + " to it");
                d = c.current(d.id());
                w = c.workload(d);
            }
            c.forward(d, d.port());
        }
        rt.activation++;
        long activation = rt.activation;
        EngineHandle h = engine.start(w, exit -> c.exited(id, activation, exit));
        rt.upSince = c.clock().instant();
        long pid = engine.status(h) instanceof AppStatus.Running r ? r.pid() : 0;
        c.next(rt, d, LifecycleEvent.ACTIVATED, x -> x.withHandle(h, pid).withHealth(Health.UNKNOWN),
                "started" + (pid > 0 ? " as pid " + pid : ""));
    }

    /** Starts the prober of the current activation; without a probe the work is healthy at once. */
    static void probe(LifecycleController c, DeploymentRuntime rt, Deployment d, Workload w,
                      boolean alreadyHealthy) {
        long activation = rt.activation;
        if (!w.spec().health().enabled()) {
            if (!alreadyHealthy) {
                c.next(rt, d, LifecycleEvent.HEALTHY, x -> x.withHealth(Health.HEALTHY), "running (no health probe)");
            }
            return;
        }
        Path dir = d.spec().workingDir().isEmpty() ? w.installDir() : Path.of(d.spec().workingDir());
        rt.prober = HealthProber.start(w.spec().health(), c.scheduler(), c.clock(), dir, w.spec().env(),
                alreadyHealthy, new HealthProber.Listener() {
                    @Override
                    public void healthy() {
                        c.health(d.id(), activation, true, "");
                    }

                    @Override
                    public void failed(String why) {
                        c.health(d.id(), activation, false, why);
                    }
                });
    }

    /** Freezes the work where the engine can (memory and processes kept); otherwise stops it, files kept. */
    private static void pause(LifecycleController c, DeploymentRuntime rt, Deployment d, RuntimePlugin engine) {
        rt.stopProbing();
        Deployment after;
        if (checkpoint(engine, d)) {
            after = d.withMessage("suspended: memory and processes checkpointed to disk (CRIU), files kept");
        } else if (engine instanceof Pausable p && d.engineHandle().isPresent()) {
            p.pause(d.handle());
            after = d.withMessage("suspended: processes frozen in place, files kept");
        } else {
            rt.quiesce();
            stopWork(engine, d);
            after = d.withHandle(Deployment.NO_HANDLE, 0).withMessage("suspended: processes stopped, files kept");
        }
        c.record(after.withState(d.state(), "", c.clock().instant()), "suspended", after.message());
        rt.settle(c.current(d.id()));
    }

    /**
     * Where the engine can checkpoint (CRIU works on this host), suspended work goes to disk and holds
     * no memory. A dump that fails leaves the work running, and it is frozen instead.
     */
    private static boolean checkpoint(RuntimePlugin engine, Deployment d) {
        if (!(engine instanceof Checkpointable cp) || d.engineHandle().isEmpty() || cp.checkpointProblem().isPresent()) {
            return false;
        }
        try {
            cp.checkpoint(d.handle());
            return true;
        } catch (EngineException e) {
            LOG.warn("deployment {}: checkpoint failed, freezing it instead: {}", d.id(), e.getMessage());
            return false;
        }
    }

    /** Thaws frozen work, restores checkpointed work, or starts it again when it was stopped (or did not survive a host restart). */
    private static void unpause(LifecycleController c, DeploymentRuntime rt, Deployment d, RuntimePlugin engine,
                                Workload w) {
        if (engine instanceof Checkpointable cp && d.engineHandle().isPresent() && cp.checkpointed(d.handle())) {
            rt.activation++;
            long activation = rt.activation;
            EngineHandle h = cp.restore(d.handle(), w, exit -> c.exited(d.id(), activation, exit));
            rt.upSince = c.clock().instant();
            long pid = engine.status(h) instanceof AppStatus.Running r ? r.pid() : 0;
            c.next(rt, d, LifecycleEvent.RESUMED, x -> x.withHandle(h, pid), "resumed from its checkpoint"
                    + (pid > 0 ? " as pid " + pid : ""));
        } else if (d.engineHandle().isPresent() && engine.status(d.handle()) instanceof AppStatus.Running) {
            if (engine instanceof Pausable p && p.paused(d.handle())) {
                p.resume(d.handle());
            }
            c.next(rt, d, LifecycleEvent.RESUMED, UnaryOperator.identity(), "resumed");
        } else {
            rt.activation++;
            long activation = rt.activation;
            EngineHandle h = engine.start(w, exit -> c.exited(d.id(), activation, exit));
            rt.upSince = c.clock().instant();
            long pid = engine.status(h) instanceof AppStatus.Running r ? r.pid() : 0;
            c.next(rt, d, LifecycleEvent.RESUMED, x -> x.withHandle(h, pid), "resumed: started again"
                    + (pid > 0 ? " as pid " + pid : ""));
        }
        probe(c, rt, d, w, true);
    }

    private static void stopWork(RuntimePlugin engine, Deployment d) {
        d.engineHandle().ifPresent(h -> engine.stop(h, d.spec().stopTimeout()));
    }

    /** Frozen work survives a daemon restart: watch it again, or forget a handle whose work is gone. */
    private static void resumeSuspended(LifecycleController c, DeploymentRuntime rt, Deployment d) {
        if (d.engineHandle().isEmpty()) {
            return;
        }
        long activation = ++rt.activation;
        RuntimePlugin engine = c.engine(d);
        if (engine instanceof Checkpointable cp && cp.checkpointed(d.handle())) {
            return; // on disk, nothing runs to watch: resume restores it
        }
        if (engine.recover(d.handle(), c.workload(d), exit -> c.exited(d.id(), activation, exit)).isEmpty()) {
            c.record(d.withHandle(Deployment.NO_HANDLE, 0).withMessage(
                    "suspended work did not survive the restart; resume starts it again with its files"),
                    "suspended", "suspended work gone after restart");
        }
    }

    /**
     * After a daemon start: reattach running work, or repeat the action that was in flight.
     */
    static void resume(LifecycleController c, DeploymentRuntime rt, Deployment d) {
        Action pending = d.pendingAction().isEmpty() ? Action.NONE : Action.valueOf(d.pendingAction());
        if (RolloutActions.resume(c, rt, d, pending)) {
            return;
        }
        boolean reattach = d.state() == LifecycleState.RUNNING
                || (d.state() == LifecycleState.HEALTH_CHECKING && pending == Action.PROBE);
        if (d.state() == LifecycleState.SUSPENDED && pending == Action.NONE) {
            resumeSuspended(c, rt, d);
            return;
        }
        if (!reattach) {
            if (d.state() == LifecycleState.BACKING_OFF) {
                rt.restartTimer = c.scheduler().schedule(Duration.ZERO, () -> c.backoffElapsed(d.id(), rt));
            } else if (pending != Action.NONE) {
                c.resumeAction(rt, d, pending);
            }
            return;
        }
        RuntimePlugin engine = c.engine(d);
        Workload w = c.workload(d);
        rt.activation++;
        long activation = rt.activation;
        Optional<EngineHandle> back = d.engineHandle()
                .flatMap(h -> engine.recover(h, w, exit -> c.exited(d.id(), activation, exit)));
        if (back.isPresent()) {
            AppStatus s = engine.status(back.get());
            rt.upSince = s instanceof AppStatus.Running r ? r.startedAt() : c.clock().instant();
            probe(c, rt, d, w, d.state() == LifecycleState.RUNNING);
            return;
        }
        AppStatus last = d.engineHandle().map(engine::status).orElse(new AppStatus.Gone("no handle"));
        AppStatus.Exited exit = last instanceof AppStatus.Exited e ? e
                : new AppStatus.Exited(137, "lost while the daemon was down", c.clock().instant());
        c.exited(d.id(), activation, exit);
    }
}
