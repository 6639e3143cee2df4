package dev.era.core;

import dev.era.api.AppStatus;
import dev.era.api.LimitsObservable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Compares desired with observed state on a timer: work that should run but has ended is
 * reported to the controller as an exit (a backstop for engines' own exit notices, and the only
 * notice for work whose engine cannot watch it), and large log files are rotated.
 */
final class Reconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private final LifecycleController controller;
    private final Scheduler scheduler;
    private final Duration every;
    private volatile boolean closed;
    private volatile Scheduler.Cancellable next;
    private long rounds;
    /** Install directories are walked every this many rounds: cheap for a few files, not free for many. */
    static final int FILES_EVERY = 4;

    Reconciler(LifecycleController controller, Scheduler scheduler, Duration every) {
        this.controller = controller;
        this.scheduler = scheduler;
        this.every = every;
    }

    void start() {
        next = scheduler.schedule(every, this::round);
    }

    void round() {
        if (closed) {
            return;
        }
        try {
            rounds++;
            for (Deployment d : controller.deployments()) {
                check(d);
                if (rounds % FILES_EVERY == 0) {
                    checkFiles(d);
                    checkLimits(d);
                }
                if (rounds % 20 == 0) {
                    LogFiles.rotateIfLarge(controller.workload(d).logFile(), LogFiles.ROTATE_AT_BYTES);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("reconcile round failed: {}", e.getMessage(), e);
        }
        if (!closed) {
            next = scheduler.schedule(every, this::round);
        }
    }

    private void check(Deployment d) {
        if (!(d.state() == LifecycleState.RUNNING || d.state() == LifecycleState.HEALTH_CHECKING)
                || d.engineHandle().isEmpty()) {
            return;
        }
        AppStatus s;
        try {
            s = controller.engine(d).status(d.handle());
        } catch (RuntimeException e) {
            return;
        }
        switch (s) {
            case AppStatus.Running r -> controller.undrifted(d.id(), "process");
            case AppStatus.Exited e -> {
                controller.drifted(d, "process", "pid " + d.pid() + " is no longer running (exit code " + e.exitCode()
                        + "); the restart policy (" + d.spec().restart().mode().name().toLowerCase() + ") decides");
                controller.reconciled(d, e);
            }
            case AppStatus.Gone g -> {
                controller.drifted(d, "process", "pid " + d.pid() + " is gone (" + g.reason()
                        + "); the restart policy (" + d.spec().restart().mode().name().toLowerCase() + ") decides");
                controller.reconciled(d, new AppStatus.Exited(137, "gone: " + g.reason(), controller.clock().instant()));
            }
        }
    }

    /** A running version's install directory, against what it held when it was installed. */
    private void checkFiles(Deployment d) {
        if (d.state() != LifecycleState.RUNNING) {
            return;
        }
        try {
            var w = controller.workload(d);
            var diff = InstallFingerprint.compare(w.installDir(), InstallFingerprint.file(controller.layout(), d));
            if (diff.isPresent()) {
                controller.drifted(d, "installDir", diff.get() + "; reported only: `era update` or a rollback"
                        + " installs a version afresh");
            } else {
                controller.undrifted(d.id(), "installDir");
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("install directory of {} not checked: {}", d.name(), e.getMessage());
        }
    }

    /** A running version's kernel-enforced limits, against its spec's (where the engine can read them back). */
    private void checkLimits(Deployment d) {
        if (d.state() != LifecycleState.RUNNING || d.engineHandle().isEmpty()
                || !(controller.engine(d) instanceof LimitsObservable engine)) {
            return;
        }
        try {
            engine.observedLimits(d.handle()).flatMap(seen -> LimitsDrift.describe(d.spec().resources(), seen))
                    .ifPresentOrElse(what -> controller.drifted(d, "limits", what + "; reported only: `era update`"
                            + " or a restart applies the spec's limits again"), () -> controller.undrifted(d.id(), "limits"));
        } catch (RuntimeException e) {
            LOG.debug("limits of {} not checked: {}", d.name(), e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        Scheduler.Cancellable n = next;
        if (n != null) {
            n.cancel();
        }
    }
}
