package dev.era.agents;

import java.util.function.BooleanSupplier;

/**
 * Waits for something that happens on the runtime's threads after a call returned (a tick
 * handed to the executor by a timer task). Time is still moved by ManualTime: this only waits
 * for real threads to catch up, and fails with the description after 10 s.
 */
final class Await {
    private Await() {
    }

    /**
     * Joins {@code f}, moving {@code time} forward in small steps meanwhile, so that retries and
     * backoffs scheduled on the manual timer fire.
     */
    static <T> T joinMovingTime(java.util.concurrent.CompletableFuture<T> f, ManualTime time) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!f.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for a tick's future while moving time");
            }
            time.advance(java.time.Duration.ofMillis(50));
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
        return f.join();
    }

    /** Waits for {@code condition}, moving {@code time} by {@code step} between looks. */
    static void untilMovingTime(String what, ManualTime time, java.time.Duration step, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting until " + what + " while moving time");
            }
            time.advance(step);
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, condition, () -> "");
    }

    /** As {@link #until(String, BooleanSupplier)}, describing the state seen when it times out. */
    static void until(String what, BooleanSupplier condition, java.util.function.Supplier<Object> state) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting until " + what + "; " + state.get());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }
}
