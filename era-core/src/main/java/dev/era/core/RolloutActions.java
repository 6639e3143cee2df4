package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.HealthCheck;
import dev.era.api.RuntimePlugin;
import dev.era.api.UpdatePolicy;
import dev.era.api.Workload;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The actions of an update or rollback ({@link Action#START_CANDIDATE} to {@link Action#DISCARD_CANDIDATE}).
 * The version that serves stays in the deployment's row until the cut-over; the new one lives in
 * its {@link Rollout}, whose port is journaled before its work starts and whose handle is stored
 * with the transition after it. Each action is safe to repeat after a crash.
 */
final class RolloutActions {
    /** The longest a cut-over waits for connections still open to the old version before stopping it. */
    private static final Duration MAX_DRAIN = Duration.ofSeconds(5);

    private RolloutActions() {
    }

    static Workload candidateWorkload(LifecycleController c, Deployment d) {
        Rollout r = d.rollout();
        return c.layout().workload(d.id(), r.version(), c.specOf(d.id(), r.version()), r.port());
    }

    /** Installs and starts the new version; recreate stops the old one first. */
    static void startCandidate(LifecycleController c, DeploymentRuntime rt, Deployment given) throws IOException {
        Deployment d = given;
        DeploymentId id = d.id();
        Rollout r = d.rollout();
        AppSpec spec = c.specOf(id, r.version());
        if (spec.port() > 0 && r.port() == 0) {
            // journal the new version's port before its work starts, so a restart finds that work's port
            c.record(d.withRollout(r.withPort(PortForwarder.freePort())), "rollout", "version " + r.version()
                    + " gets its own port beside version " + d.version());
            d = c.current(id);
            r = d.rollout();
        }
        if (spec.update().strategy() == UpdatePolicy.Strategy.RECREATE && d.engineHandle().isPresent()) {
            rt.quiesce();
            c.engine(d).stop(d.handle(), d.spec().stopTimeout());
            c.record(d.withHandle(Deployment.NO_HANDLE, 0).withHealth(Health.UNKNOWN), "stopped", "recreate: version "
                    + d.version() + " stopped before version " + r.version() + " starts");
            d = c.current(id);
        }
        RuntimePlugin engine = c.engine(spec);
        Workload w = c.layout().workload(id, r.version(), spec, r.port());
        engine.validate(spec);
        engine.fetch(w);
        LifecycleActions.prepare(w);
        engine.install(w);
        InstallFingerprint.save(w.installDir(), InstallFingerprint.file(c.layout(), d.withVersion(r.version(), spec)));
        long token = ++rt.candidate;
        EngineHandle h = engine.start(w, exit -> c.candidateExited(id, token, exit));
        long pid = engine.status(h) instanceof AppStatus.Running run ? run.pid() : 0;
        int version = r.version();
        c.next(rt, d, LifecycleEvent.CANDIDATE_STARTED, x -> x.withRollout(x.rollout().withWork(h, pid)),
                "version " + version + " started" + (pid > 0 ? " as pid " + pid : "")
                        + (d.engineHandle().isPresent() ? " beside version " + d.version() : ""));
    }

    /**
     * Arms the checks of the new version: it must pass its health probe (or, without one, keep
     * running) and then stay healthy for minHealthyTime, all within healthyDeadline.
     */
    static void verify(LifecycleController c, DeploymentRuntime rt, Deployment d) {
        DeploymentId id = d.id();
        Rollout r = d.rollout();
        Workload w = candidateWorkload(c, d);
        UpdatePolicy u = w.spec().update();
        long token = rt.candidate;
        int n = r.version();
        String limits = "minHealthyTime " + SpecCodec.duration(u.minHealthyTime()) + ", healthyDeadline "
                + SpecCodec.duration(u.healthyDeadline());
        rt.candidateTimers.add(c.scheduler().schedule(u.healthyDeadline(), () -> c.candidateVerdict(id, token, false,
                "version " + n + " was not healthy within healthyDeadline " + SpecCodec.duration(u.healthyDeadline())
                        + "; rolling back, version " + d.version() + " keeps serving")));
        Runnable accept = () -> c.candidateVerdict(id, token, true, "version " + n + " is healthy (" + limits + ")");
        HealthCheck h = w.spec().health();
        if (!h.enabled()) {
            rt.candidateTimers.add(c.scheduler().schedule(u.minHealthyTime(), accept));
            return;
        }
        HealthCheck within = new HealthCheck(h.probe(), h.initialDelay(), h.interval(), h.timeout(),
                h.successThreshold(), h.failureThreshold(), u.healthyDeadline());
        Path dir = w.spec().workingDir().isEmpty() ? w.installDir() : Path.of(w.spec().workingDir());
        rt.candidateProber = HealthProber.start(within, c.scheduler(), c.clock(), dir, w.spec().env(), false,
                new HealthProber.Listener() {
                    @Override
                    public void healthy() {
                        rt.mailbox.execute(() -> {
                            if (rt.candidate == token) {
                                rt.candidateTimers.add(c.scheduler().schedule(u.minHealthyTime(), accept));
                            }
                        });
                    }

                    @Override
                    public void failed(String why) {
                        c.candidateVerdict(id, token, false, "version " + n + " failed its health check: " + why
                                + "; rolling back, version " + d.version() + " keeps serving");
                    }
                });
    }

    /** Moves the public port to the new version, then stops and removes the old one. */
    static void cutOver(LifecycleController c, DeploymentRuntime rt, Deployment d) {
        DeploymentId id = d.id();
        Rollout r = d.rollout();
        Workload w = candidateWorkload(c, d);
        AppSpec spec = c.specOf(id, r.version());
        long token = rt.candidate;
        long started = System.nanoTime();
        if (spec.port() > 0) {
            c.forward(d.withVersion(r.version(), spec), r.port());
        }
        long switchedMicros = (System.nanoTime() - started) / 1000;
        int left = 0;
        if (d.port() > 0 && d.port() != r.port()) {
            Duration drain = d.spec().stopTimeout().compareTo(MAX_DRAIN) < 0 ? d.spec().stopTimeout() : MAX_DRAIN;
            left = c.forwarder(id).map(f -> f.drain(d.port(), drain)).orElse(0);
        }
        if (d.version() != r.version()) {
            RuntimePlugin old = c.engine(d);
            d.engineHandle().ifPresent(h -> old.stop(h, d.spec().stopTimeout()));
            old.delete(c.workload(d));
        }
        rt.quiesce();
        rt.promoted = token;
        rt.upSince = c.clock().instant();
        Deployment serving = d.withVersion(r.version(), spec).withHandle(r.handle(), r.pid()).withPort(r.port());
        LifecycleActions.probe(c, rt, serving, w, true);
        long totalMillis = (System.nanoTime() - started) / 1_000_000;
        String how = "version " + r.version() + " serves (" + r.reason() + "); version " + d.version()
                + " stopped and removed; traffic switched in " + switchedMicros + " µs, cut-over took " + totalMillis
                + " ms" + (left > 0 ? " (" + left + " connections to the old version were still open and were cut)" : "");
        c.next(rt, d, LifecycleEvent.CUT_OVER_DONE, x -> x.withVersion(r.version(), spec).withHandle(r.handle(), r.pid())
                .withPort(r.port()).withRollout(Rollout.NONE).withHealth(Health.HEALTHY)
                .withExit(x.lastExitCode(), 0, how), how);
    }

    /** Stops and removes the failed new version; the old one serves again (or is started again, after recreate). */
    static void discard(LifecycleController c, DeploymentRuntime rt, Deployment d) {
        rt.stopCandidateChecks();
        dropCandidate(c, d);
        Rollout r = d.rollout();
        String failure = d.message();
        boolean oldUp = d.engineHandle().map(h -> c.engine(d).status(h) instanceof AppStatus.Running).orElse(false);
        if (oldUp) {
            if (d.spec().port() > 0 && d.port() > 0) {
                c.forward(d, d.port());
            }
            if (rt.prober == null) {
                LifecycleActions.probe(c, rt, d, c.workload(d), true);
            }
            c.next(rt, d, LifecycleEvent.ROLLED_BACK, x -> x.withRollout(Rollout.NONE), "rolled back: version "
                    + d.version() + " kept serving, version " + r.version() + " removed; why: " + failure);
        } else {
            c.next(rt, d, LifecycleEvent.RESTORE, x -> x.withRollout(Rollout.NONE).withHandle(Deployment.NO_HANDLE, 0),
                    "rolling back: version " + d.version() + " starts again, version " + r.version()
                            + " removed; why: " + failure);
        }
    }

    /** Stops and removes an update's new version, if one is in flight (stop, delete, cleanup, rollback). */
    static void dropCandidate(LifecycleController c, Deployment d) {
        Rollout r = d.rollout();
        if (!r.active()) {
            return;
        }
        Workload w = candidateWorkload(c, d);
        RuntimePlugin engine = c.engine(w.spec());
        r.engineHandle().ifPresent(h -> engine.stop(h, w.spec().stopTimeout()));
        if (r.version() != d.version()) {
            engine.delete(w);
        }
    }

    /**
     * After a daemon start, picks up an update in flight: watches both versions' work again, then
     * repeats the pending action. Returns false when the deployment is not in an update.
     */
    static boolean resume(LifecycleController c, DeploymentRuntime rt, Deployment d, Action pending) {
        LifecycleState s = d.state();
        if (s != LifecycleState.UPDATING && s != LifecycleState.VERIFYING && s != LifecycleState.CUTTING_OVER
                && s != LifecycleState.ROLLING_BACK) {
            return false;
        }
        DeploymentId id = d.id();
        long activation = ++rt.activation;
        d.engineHandle().ifPresent(h -> c.engine(d).recover(h, c.workload(d), exit -> c.exited(id, activation, exit)));
        long token = ++rt.candidate;
        Optional<EngineHandle> candidate = Optional.empty();
        if (d.rollout().engineHandle().isPresent()) {
            Workload w = candidateWorkload(c, d);
            candidate = c.engine(w.spec()).recover(d.rollout().handle(), w, exit -> c.candidateExited(id, token, exit));
        }
        if (s == LifecycleState.VERIFYING && candidate.isEmpty()) {
            c.candidateExited(id, token, new AppStatus.Exited(137, "gone while the daemon was down",
                    c.clock().instant()));
            return true;
        }
        if (pending != Action.NONE) {
            c.resumeAction(rt, d, pending);
        }
        return true;
    }
}
