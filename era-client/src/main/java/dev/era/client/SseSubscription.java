package dev.era.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Reads a {@code text/event-stream} on a daemon thread and hands each event to a consumer. */
final class SseSubscription implements Subscription {
    /** One event: its {@code event:} type ("message" when none), {@code id:} (empty when none) and data lines joined by LF. */
    record SseEvent(String event, String id, String data) {}

    private final Http1.Stream stream;
    private final String describe;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile RuntimeException failure;

    private SseSubscription(Http1.Stream stream, String describe) {
        this.stream = stream;
        this.describe = describe;
    }

    static SseSubscription start(Http1.Stream stream, String describe, Consumer<SseEvent> consumer) {
        SseSubscription s = new SseSubscription(stream, describe);
        Thread t = new Thread(() -> s.run(consumer), "era-client-stream");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void run(Consumer<SseEvent> consumer) {
        try {
            parse(stream.body(), consumer);
        } catch (IOException e) {
            if (!closed) {
                failure = new EraClientException(0, "io_error", "lost the stream from the ERA daemon at " + describe
                        + ": " + e.getMessage(), null, e);
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            closed = true;
            Http1.closeQuietly(stream.channel());
            ended.countDown();
        }
    }

    private void parse(InputStream in, Consumer<SseEvent> consumer) throws IOException {
        String id = "";
        String event = "message";
        StringBuilder data = null;
        for (String line = line(in); line != null; line = line(in)) {
            if (line.isEmpty()) {
                if (data != null && !closed) {
                    consumer.accept(new SseEvent(event, id, data.toString()));
                }
                id = "";
                event = "message";
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> event = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { } // retry: and unknown fields are not used by ERA
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            out.write(b);
        }
        if (b == -1 && out.size() == 0) {
            return null;
        }
        String s = out.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public void join() throws InterruptedException {
        ended.await();
        rethrow();
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        boolean done = ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (done) {
            rethrow();
        }
        return done;
    }

    private void rethrow() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        Http1.closeQuietly(stream.channel());
    }
}
