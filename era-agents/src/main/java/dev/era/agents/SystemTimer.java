package dev.era.agents;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** {@link Timer#system()}: tasks run on the timer thread itself, so they must only hand work over. */
final class SystemTimer implements Timer {
    private final ScheduledThreadPoolExecutor timer;

    SystemTimer() {
        timer = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("era-agents-timer").daemon(true).unstarted(r));
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> f = timer.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
