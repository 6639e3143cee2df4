package dev.era.core;

import dev.era.api.AppStatus;
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
            case AppStatus.Running r -> { }
            case AppStatus.Exited e -> controller.reconciled(d, e);
            case AppStatus.Gone g -> controller.reconciled(d, new AppStatus.Exited(137, "gone: " + g.reason(),
                    controller.clock().instant()));
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
