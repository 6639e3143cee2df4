package dev.era.core;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Hands an execution's output chunks to one follower on its own virtual thread, so that a slow
 * follower never blocks the command's output pump. Each follower has its own position per stream:
 * chunks (or the parts of chunks) before it are skipped, so replayed and live output join without
 * gaps or repeats. A follower that falls more than
 * {@code maxQueuedBytes} behind is cut off: it gets nothing more (no STATUS either), and resumes
 * with a new follow from the offsets it has seen. The STATUS chunk always fits and ends the follow.
 */
final class OutputFollower implements Subscription {
    private final Consumer<OutputChunk> sink;
    private final long maxQueuedBytes;
    private final long[] next = new long[3]; // guarded by this; per stream, the offset the follower wants next
    private final ArrayDeque<OutputChunk> queue = new ArrayDeque<>(); // guarded by this
    private long queuedBytes; // guarded by this
    private boolean closed; // guarded by this
    private final Thread thread;

    OutputFollower(Consumer<OutputChunk> sink, long maxQueuedBytes, long stdoutFrom, long stderrFrom) {
        this.sink = sink;
        this.maxQueuedBytes = maxQueuedBytes;
        this.next[OutputChunk.STDOUT] = stdoutFrom;
        this.next[OutputChunk.STDERR] = stderrFrom;
        this.thread = Thread.ofVirtual().name("era-exec-follower").unstarted(this::deliver);
    }

    void start() {
        thread.start();
    }

    /** Queues a chunk, or the part of it the follower has not seen; never blocks. */
    synchronized void offer(OutputChunk chunk) {
        if (closed) {
            return;
        }
        OutputChunk c = chunk;
        if (c.stream() != OutputChunk.STATUS) {
            long from = next[c.stream()];
            long end = c.offset() + c.data().length;
            if (end <= from) {
                return;
            }
            if (c.offset() < from) {
                c = new OutputChunk(c.stream(), from, java.util.Arrays.copyOfRange(c.data(), (int) (from - c.offset()),
                        c.data().length), c.exitCode());
            }
            next[c.stream()] = end;
        }
        if (c.stream() != OutputChunk.STATUS && queuedBytes + c.data().length > maxQueuedBytes) {
            closed = true;
            queue.clear();
            notifyAll();
            return;
        }
        queue.add(c);
        queuedBytes += c.data().length;
        notifyAll();
    }

    synchronized boolean closed() {
        return closed;
    }

    private void deliver() {
        while (true) {
            OutputChunk next;
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                next = queue.poll();
                queuedBytes -= next.data().length;
            }
            try {
                sink.accept(next);
            } catch (RuntimeException e) {
                close(); // the follower went away (a closed connection); stop feeding it
                return;
            }
            if (next.stream() == OutputChunk.STATUS) {
                close();
                return;
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        queue.clear();
        notifyAll();
    }
}
