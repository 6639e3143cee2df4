package dev.era.core;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: the mailbox that makes
 * each deployment's lifecycle single-threaded without a thread per deployment.
 */
final class SerialExecutor implements Executor {
    private final Executor delegate;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (queue) {
            queue.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        delegate.execute(this::drain);
    }

    /** Tasks waiting behind the one running (tests use it to know a request is queued). */
    int backlog() {
        synchronized (queue) {
            return queue.size();
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (queue) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(SerialExecutor.class).error("lifecycle task failed", e);
            }
        }
    }
}
