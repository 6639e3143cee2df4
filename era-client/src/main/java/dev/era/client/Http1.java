package dev.era.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A small HTTP/1.1 client: one connection per request ({@code Connection: close}), bodies with
 * Content-Length, chunked or read to the end, and a streaming mode for Server-Sent Events.
 * java.net.http.HttpClient is avoided because it costs the CLI a noticeable part of its start-up
 * and cannot speak over a Unix socket.
 */
final class Http1 {
    static final int MAX_BODY = 64 * 1024 * 1024;

    /** A complete answer. */
    record Reply(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** An answer whose body is read as it arrives; close it to drop the connection. */
    record Stream(int status, Map<String, String> headers, InputStream body, SocketChannel channel) {}

    private final Endpoint endpoint;
    private final String apiKey;

    Http1(Endpoint endpoint, String apiKey) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /**
     * @param timeout how long the whole exchange may take; the connection is closed when it runs out
     */
    Reply call(String method, String target, String contentType, byte[] body, Duration timeout) {
        SocketChannel ch = connect();
        Watchdog watchdog = Watchdog.closeAfter(ch, timeout);
        try (ch) {
            send(ch, method, target, "application/json", contentType, body);
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 16 * 1024);
            Head head = readHead(in);
            return new Reply(head.status(), head.headers(), readBody(head, in));
        } catch (IOException e) {
            throw broken(e, watchdog.fired() ? " (no answer within " + timeout.toMillis() + " ms)" : "");
        } finally {
            watchdog.cancel();
        }
    }

    /** Sends a GET and returns as soon as the head has arrived. */
    Stream open(String target, String accept) {
        SocketChannel ch = connect();
        try {
            send(ch, "GET", target, accept, null, null);
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 16 * 1024);
            Head head = readHead(in);
            InputStream body = head.chunked() ? new ChunkedInputStream(in) : in;
            return new Stream(head.status(), head.headers(), body, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw broken(e, "");
        }
    }

    static byte[] readAll(Stream s) throws IOException {
        try {
            String length = s.headers().get("content-length");
            return length != null ? s.body().readNBytes(Integer.parseInt(length)) : s.body().readNBytes(MAX_BODY);
        } finally {
            closeQuietly(s.channel());
        }
    }

    private SocketChannel connect() {
        try {
            return endpoint.connect();
        } catch (IOException e) {
            throw new DaemonUnavailableException(endpoint.describe(), e);
        }
    }

    private void send(SocketChannel ch, String method, String target, String accept, String contentType, byte[] body)
            throws IOException {
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(endpoint.prefix()).append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(endpoint.host()).append("\r\n")
                .append("User-Agent: era-client\r\n")
                .append("Accept: ").append(accept).append("\r\n")
                .append("Connection: close\r\n");
        if (!apiKey.isEmpty()) {
            head.append("Authorization: Bearer ").append(apiKey).append("\r\n");
        }
        if (body != null) {
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        writeFully(ch, ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.UTF_8)));
        if (body != null && body.length > 0) {
            writeFully(ch, ByteBuffer.wrap(body));
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private record Head(int status, Map<String, String> headers) {
        boolean chunked() {
            String te = headers.get("transfer-encoding");
            return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
        }
    }

    private static Head readHead(InputStream in) throws IOException {
        String statusLine = HttpLines.read(in);
        if (statusLine == null) {
            throw new IOException("the daemon closed the connection without an answer");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + clip(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + clip(statusLine));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = HttpLines.read(in); line != null && !line.isEmpty(); line = HttpLines.read(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
        }
        if (status == 100) {
            return readHead(in);
        }
        return new Head(status, headers);
    }

    private static byte[] readBody(Head head, InputStream in) throws IOException {
        if (head.status() == 204 || head.status() == 304) {
            return new byte[0];
        }
        if (head.chunked()) {
            return limited(new ChunkedInputStream(in));
        }
        String length = head.headers().get("content-length");
        if (length != null) {
            long n = Long.parseLong(length.trim());
            if (n > MAX_BODY) {
                throw new IOException("the answer is " + n + " bytes; the client reads at most " + MAX_BODY);
            }
            byte[] body = in.readNBytes((int) n);
            if (body.length != n) {
                throw new IOException("the connection closed after " + body.length + " of " + n + " bytes");
            }
            return body;
        }
        return limited(in);
    }

    private static byte[] limited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) != -1; ) {
            out.write(buf, 0, n);
            if (out.size() > MAX_BODY) {
                throw new IOException("the answer is larger than " + MAX_BODY + " bytes");
            }
        }
        return out.toByteArray();
    }

    private EraClientException broken(IOException e, String why) {
        String reason = e instanceof ClosedChannelException ? "the connection was closed" : e.getMessage();
        return new EraClientException(0, "io_error", "lost the connection to the ERA daemon at "
                + endpoint.describe() + why + ": " + reason, null, e);
    }

    static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // already broken
        }
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** Closes a connection whose exchange takes too long; one daemon thread, started on first use. */
    private static final class Watchdog {
        private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "era-client-timeout");
            t.setDaemon(true);
            return t;
        });

        private final AtomicBoolean fired = new AtomicBoolean();
        private final ScheduledFuture<?> task;

        private Watchdog(SocketChannel ch, Duration timeout) {
            task = TIMER.schedule(() -> {
                fired.set(true);
                closeQuietly(ch);
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        static Watchdog closeAfter(SocketChannel ch, Duration timeout) {
            return new Watchdog(ch, timeout);
        }

        boolean fired() {
            return fired.get();
        }

        void cancel() {
            task.cancel(false);
        }
    }
}
