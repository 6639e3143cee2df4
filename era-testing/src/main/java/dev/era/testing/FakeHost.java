package dev.era.testing;

import dev.era.api.AppStatus;
import dev.era.api.ExitListener;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated machine behind {@link FakeEngine}: what is installed and which work runs. It
 * outlives an engine instance, as a real host outlives a daemon, so that recovery can be tested.
 */
final class FakeHost {
    final Clock clock;
    /** workload key ("id/version") to its latest work */
    final Map<String, Work> current = new ConcurrentHashMap<>();
    final Map<Long, Work> byPid = new ConcurrentHashMap<>();
    final Set<String> installed = ConcurrentHashMap.newKeySet();
    private final AtomicLong pids = new AtomicLong(1000);
    private ScheduledExecutorService timer;

    FakeHost(Clock clock) {
        this.clock = clock;
    }

    Work spawn(String key) {
        Work work = new Work(pids.incrementAndGet(), key, clock.instant());
        byPid.put(work.pid, work);
        current.put(key, work);
        return work;
    }

    synchronized void exitLater(Work work, int code, Duration after) {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("fake-engine-exits").factory());
        }
        timer.schedule(() -> work.end(code, code == 0 ? "exited" : "exited with code " + code, true, clock.instant()),
                after.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A daemon restart: its listeners die with it, the work goes on. */
    void forgetListeners() {
        byPid.values().forEach(w -> w.listener = ExitListener.IGNORE);
    }

    /** One start's work. */
    static final class Work {
        final long pid;
        final String key;
        final Instant startedAt;
        volatile ExitListener listener = ExitListener.IGNORE;
        private AppStatus.Exited exit; // guarded by this; null while running

        Work(long pid, String key, Instant startedAt) {
            this.pid = pid;
            this.key = key;
            this.startedAt = startedAt;
        }

        synchronized boolean running() {
            return exit == null;
        }

        synchronized AppStatus status() {
            return exit == null ? new AppStatus.Running(pid, startedAt) : exit;
        }

        /** Ends the work once; later calls do nothing. Tells the listener when {@code notify}. */
        boolean end(int code, String reason, boolean notify, Instant at) {
            AppStatus.Exited e;
            synchronized (this) {
                if (exit != null) {
                    return false;
                }
                e = new AppStatus.Exited(code, reason, at);
                exit = e;
            }
            if (notify) {
                listener.exited(e);
            }
            return true;
        }
    }
}
