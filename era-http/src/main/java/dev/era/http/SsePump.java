package dev.era.http;

import dev.era.core.Subscription;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Forwards a core subscription to a Server-Sent Events response: subscribes (so that a bad id is
 * still a plain 404), opens the stream if not yet open, and writes items until the client leaves,
 * falls too far behind, the item writer says the stream is over, or the server closes.
 */
final class SsePump {
    /** Items a slow client may fall behind by before its stream is ended (it resumes where it left off). */
    static final int BACKLOG = 4096;
    private static final Object STOP = new Object();

    private final OpenStreams streams;
    private final Duration heartbeat;

    SsePump(OpenStreams streams, Duration heartbeat) {
        this.streams = streams;
        this.heartbeat = heartbeat;
    }

    /** @param write adds an item to the stream; returns false when that item ends the stream */
    <T> void run(Exchange ex, SseWriter sse, Function<Consumer<T>, Subscription> subscribe, Predicate<T> write)
            throws IOException {
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>(BACKLOG);
        AtomicBoolean overflow = new AtomicBoolean();
        Subscription subscription = subscribe.apply(item -> {
            if (!queue.offer(item)) {
                overflow.set(true);
            }
        });
        Runnable halt = () -> {
            queue.clear();
            queue.offer(STOP);
        };
        Runnable unregister = streams.register(halt);
        // Jetty reports a client that went away only sometimes; the heartbeat write catches the rest.
        ex.request().addFailureListener(failure -> halt.run());
        try {
            if (!ex.response().isCommitted()) {
                sse.open();
            }
            boolean stop = false;
            while (!stop) {
                Object item = queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
                if (item == null) {
                    sse.comment("keep-alive");
                    sse.flush();
                    continue;
                }
                for (; item != null && !stop; item = queue.poll()) {
                    if (item == STOP) {
                        stop = true;
                        break;
                    }
                    @SuppressWarnings("unchecked") T t = (T) item;
                    stop = !write.test(t);
                }
                if (!stop && overflow.get()) {
                    sse.comment("the client fell more than " + BACKLOG + " items behind; reconnect to resume");
                    stop = true;
                }
                sse.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            subscription.close();
            unregister.run();
        }
        ex.response().write(true, ByteBuffer.allocate(0), ex.callback());
    }
}
