package dev.era.core;

import java.time.Duration;

/** Delayed work, injected so that tests can run time forward instead of sleeping. */
public interface Scheduler extends AutoCloseable {
    /** Runs {@code task} once after {@code delay}; the returned handle cancels it if it has not run. */
    Cancellable schedule(Duration delay, Runnable task);

    /** Runs {@code task} now, on a thread of the scheduler's (never the caller's). */
    void execute(Runnable task);

    @Override
    void close();

    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** A scheduler on one timer thread that hands each task to a virtual thread. */
    static Scheduler system() {
        return new SystemScheduler();
    }
}
