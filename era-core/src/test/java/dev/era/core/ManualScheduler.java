package dev.era.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Immediate work runs on real threads; delayed work waits until the test moves the clock with
 * {@link #advance}, so timeouts and backoff are tested without sleeping.
 */
public final class ManualScheduler implements Scheduler {
    private record Timer(Instant due, Runnable task, boolean[] cancelled) {}

    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Timer> timers = new ArrayList<>();
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    public final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            synchronized (ManualScheduler.this) {
                return now;
            }
        }
    };

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        boolean[] cancelled = {false};
        timers.add(new Timer(now.plus(delay), task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override
    public void execute(Runnable task) {
        workers.execute(task);
    }

    /** Moves the clock and runs, in due order, every timer that falls due (each on a worker). */
    public void advance(Duration d) {
        List<Timer> due;
        synchronized (this) {
            now = now.plus(d);
            due = timers.stream().filter(t -> !t.due().isAfter(now)).sorted(Comparator.comparing(Timer::due)).toList();
            timers.removeAll(due);
        }
        due.stream().filter(t -> !t.cancelled()[0]).forEach(t -> workers.execute(t.task()));
    }

    public synchronized int pendingTimers() {
        return (int) timers.stream().filter(t -> !t.cancelled()[0]).count();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
