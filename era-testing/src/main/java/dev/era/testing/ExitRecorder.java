package dev.era.testing;

import dev.era.api.AppStatus;
import dev.era.api.ExitListener;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** An {@link ExitListener} that remembers every call, for tests to wait on and count. */
public final class ExitRecorder implements ExitListener {
    private final List<AppStatus.Exited> exits = new CopyOnWriteArrayList<>();

    @Override
    public void exited(AppStatus.Exited exit) {
        synchronized (this) {
            exits.add(exit);
            notifyAll();
        }
    }

    /** The first exit, waiting up to {@code timeout}; fails with an {@link AssertionError} when none came. */
    public AppStatus.Exited await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (exits.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the exit listener was not called within " + timeout.toMillis() + " ms");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for an exit", e);
                }
            }
            return exits.getFirst();
        }
    }

    public List<AppStatus.Exited> exits() {
        return List.copyOf(exits);
    }

    public int count() {
        return exits.size();
    }
}
