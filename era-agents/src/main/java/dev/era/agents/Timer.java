package dev.era.agents;

import java.time.Duration;

/**
 * Delayed work, injected with a {@link java.time.Clock} so that alarms, retries, hibernation
 * and tick time limits are tested by moving time ({@link ManualTime}) instead of sleeping.
 * Tasks must be short and must not block: they only hand work to the runtime's executor.
 */
public interface Timer extends AutoCloseable {
    /** Runs {@code task} once after {@code delay}; the handle cancels it if it has not run. */
    Cancellable schedule(Duration delay, Runnable task);

    @Override
    void close();

    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** One platform timer thread, millisecond precision. */
    static Timer system() {
        return new SystemTimer();
    }
}
