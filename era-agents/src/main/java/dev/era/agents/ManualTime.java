package dev.era.agents;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * A clock and a timer that move only when told: give it to {@link EraAgents.Builder#time} in
 * tests, then {@link #advance} to fire alarms, retries, time limits and hibernation without
 * sleeping. Timer tasks run on the thread that calls {@link #advance}, in due order, each seeing
 * the clock at its due time.
 */
public final class ManualTime extends Clock implements Timer {
    private record Task(long dueNanos, long order, Runnable run) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.dueNanos != b.dueNanos
            ? Long.compare(a.dueNanos, b.dueNanos) : Long.compare(a.order, b.order));
    private final Instant origin;
    private long nanos;
    private long order;

    public ManualTime(Instant start) {
        this.origin = start;
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way. */
    public void advance(Duration d) {
        long target;
        synchronized (this) {
            target = nanos + d.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.dueNanos > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, next.dueNanos);
            }
            next.run.run(); // outside the lock: a task may schedule another
        }
    }

    /** Tasks waiting (tests use it to know that something was scheduled). */
    public synchronized int pending() {
        return tasks.size();
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        Task t = new Task(nanos + Math.max(0, delay.toNanos()), order++, task);
        tasks.add(t);
        return () -> {
            synchronized (ManualTime.this) {
                tasks.remove(t);
            }
        };
    }

    @Override
    public synchronized Instant instant() {
        return origin.plusNanos(nanos);
    }

    @Override
    public long millis() {
        return instant().toEpochMilli();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (ZoneOffset.UTC.equals(zone)) {
            return this;
        }
        throw new IllegalArgumentException("ManualTime is always UTC; agents see time through AgentContext.now()");
    }

    @Override
    public void close() {
        synchronized (this) {
            tasks.clear();
        }
    }
}
