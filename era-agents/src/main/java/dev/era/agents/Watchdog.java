package dev.era.agents;

import dev.era.agent.AgentRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * Enforces the maximum tick duration. Java cannot stop a thread safely, so an overrunning tick is
 * interrupted (which ends sleeps, waits and interruptible I/O) and, whenever it returns, counts as
 * failed: rolled back, then retried or dead-lettered. Meanwhile its agent stays busy, because
 * starting another tick of it would break "one tick at a time".
 */
final class Watchdog {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    /** One tick in progress. */
    static final class Running {
        final AgentRef agent;
        final Thread thread;
        final long startMs;
        private boolean exited;
        private boolean overran;

        Running(AgentRef agent, Thread thread, long startMs) {
            this.agent = agent;
            this.thread = thread;
            this.startMs = startMs;
        }

        synchronized boolean overran() {
            return overran;
        }

        private synchronized void interruptIfRunning() {
            // Under the lock with exit(): never interrupt a thread that has moved on to other work.
            if (!exited && !overran) {
                overran = true;
                thread.interrupt();
            }
        }
    }

    private final Clock clock;
    private final Timer timer;
    private final long limitMs;
    /** The tick in progress hangs off its activation; a scan of them every quarter limit is cheaper than a shared set per tick. */
    private final Supplier<Collection<Activation>> activations;
    private volatile boolean stopped;

    Watchdog(Clock clock, Timer timer, Duration limit, Supplier<Collection<Activation>> activations) {
        this.clock = clock;
        this.timer = timer;
        this.limitMs = limit.toMillis();
        this.activations = activations;
    }

    void start() {
        schedule();
    }

    void stop() {
        stopped = true;
    }

    long limitMs() {
        return limitMs;
    }

    Running enter(Activation act) {
        Running r = new Running(act.ref, Thread.currentThread(), clock.millis());
        act.running = r;
        return r;
    }

    /** Ends the tick's watch and clears an interrupt meant for it, so it cannot hit the thread's next task. */
    void exit(Activation act, Running r) {
        act.running = null;
        synchronized (r) {
            r.exited = true;
        }
        if (r.overran()) {
            Thread.interrupted();
        }
    }

    private void schedule() {
        if (!stopped) {
            timer.schedule(Duration.ofMillis(Math.max(1, limitMs / 4)), this::check);
        }
    }

    private void check() {
        long now = clock.millis();
        for (Activation a : activations.get()) {
            Running r = a.running;
            if (r != null && now - r.startMs > limitMs && !r.overran()) {
                LOG.warn("A tick of {} has run {} ms, over the limit of {} ms; interrupting it. It will be rolled back.",
                        r.agent, now - r.startMs, limitMs);
                r.interruptIfRunning();
            }
        }
        schedule();
    }
}
