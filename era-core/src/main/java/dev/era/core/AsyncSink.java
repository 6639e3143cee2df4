package dev.era.core;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Hands items to a consumer on its own virtual thread, so that a slow reader (an SSE client on a
 * bad link) never blocks the thread that produced the item. A reader that falls more than
 * {@code capacity} items behind is cut off: it stops receiving, and its consumer is told nothing
 * more (the HTTP layer then ends the stream, and the client resumes with Last-Event-ID).
 */
final class AsyncSink<T> implements Consumer<T>, AutoCloseable {
    private final BlockingQueue<T> queue;
    private final Thread thread;
    private volatile boolean closed;

    AsyncSink(Consumer<T> target, int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofVirtual().name("era-sink").start(() -> {
            try {
                while (!closed) {
                    target.accept(queue.take());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                closed = true;
            }
        });
    }

    @Override
    public void accept(T item) {
        if (!closed && !queue.offer(item)) {
            close();
        }
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
