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
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 16 * 1024);
            Head head = sendAndReadHead(ch, in, method, target, "application/json", contentType, body);
            return new Reply(head.status(), head.headers(), readBody(head, in));
        } catch (IOException e) {
            throw broken(e, watchdog.fired() ? " (no answer within " + timeout.toMillis() + " ms)" : "");
        } finally {
            watchdog.cancel();
        }
    }

    /** Sends a GET and returns as soon as the head has arrived. */
    Stream open(String target, String accept) {
        return open("GET", target, accept, null, null);
    }

    /** Sends a request with {@code body} (may be null) and returns as soon as the head has arrived. */
    Stream open(String method, String target, String accept, String contentType, byte[] body) {
        SocketChannel ch = connect();
        try {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 16 * 1024);
            Head head = sendAndReadHead(ch, in, method, target, accept, contentType, body);
            InputStream reply = head.chunked() ? new ChunkedInputStream(in) : in;
            return new Stream(head.status(), head.headers(), reply, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw broken(e, "");
        }
    }

    /**
     * Sends a body read from {@code body} as it goes (Content-Length when {@code length >= 0}, else
     * chunked) and reads the answer. No timeout: a large file takes as long as it takes.
     */
    Reply upload(String method, String target, String contentType, InputStream body, long length) {
        SocketChannel ch = connect();
        try (ch) {
            String framing = length >= 0 ? "Content-Length: " + length : "Transfer-Encoding: chunked";
            writeFully(ch, ByteBuffer.wrap(head(method, target, "application/json", "Content-Type: " + contentType
                    + "\r\n" + framing + "\r\n").getBytes(StandardCharsets.UTF_8)));
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 16 * 1024);
            try {
                copyBody(ch, body, length);
            } catch (IOException e) {
                // The daemon may have answered (a 404, a 413) and closed before taking the whole body:
                // its answer is still worth reading. Only when there is none is the write failure reported.
                try {
                    Head head = readHead(in);
                    return new Reply(head.status(), head.headers(), readBody(head, in));
                } catch (IOException none) {
                    throw e;
                }
            }
            Head head = readHead(in);
            return new Reply(head.status(), head.headers(), readBody(head, in));
        } catch (IOException e) {
            throw broken(e, "");
        }
    }

    private static void copyBody(SocketChannel ch, InputStream body, long length) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long sent = 0;
        for (int n; (n = readLocal(body, buf)) != -1; ) {
            if (length >= 0) {
                sent += n;
                if (sent > length) {
                    throw new IllegalArgumentException("the body is longer than the " + length + " bytes announced");
                }
                writeFully(ch, ByteBuffer.wrap(buf, 8, n));
            } else if (n > 0) {
                // chunk size line and CRLF around the data, in the room left in the buffer
                byte[] size = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(size, 0, buf, 8 - size.length, size.length);
                buf[8 + n] = '\r';
                buf[9 + n] = '\n';
                writeFully(ch, ByteBuffer.wrap(buf, 8 - size.length, size.length + n + 2));
            }
        }
        if (length < 0) {
            writeFully(ch, ByteBuffer.wrap("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        } else if (sent != length) {
            throw new IllegalArgumentException("the body has " + sent + " bytes, not the " + length + " announced");
        }
    }

    private static int readLocal(InputStream body, byte[] buf) {
        try {
            return body.read(buf, 8, buf.length - 16);
        } catch (IOException e) {
            throw new EraClientException(0, "local_io", "cannot read the data to upload: " + e.getMessage(), null, e);
        }
    }

    /** A connection switched to another protocol: its bytes from here on, and the answer's headers. */
    record Upgraded(Map<String, String> headers, InputStream in, SocketChannel channel) {}

    /**
     * Sends a GET asking to switch protocols with {@code extraHeaders} (CRLF-terminated lines).
     *
     * @return the switched connection, or the daemon's refusal as a {@link Reply} (any status but 101)
     */
    Object upgrade(String target, String extraHeaders, Duration timeout) {
        SocketChannel ch = connect();
        Watchdog watchdog = Watchdog.closeAfter(ch, timeout);
        try {
            writeFully(ch, ByteBuffer.wrap(head("GET", target, "application/json", extraHeaders)
                    .replace("Connection: close\r\n", "").getBytes(StandardCharsets.UTF_8)));
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 64 * 1024);
            Head head = readHead(in);
            if (head.status() != 101) {
                try (ch) {
                    return new Reply(head.status(), head.headers(), readBody(head, in));
                }
            }
            return new Upgraded(head.headers(), in, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw broken(e, watchdog.fired() ? " (no answer within " + timeout.toMillis() + " ms)" : "");
        } finally {
            watchdog.cancel();
        }
    }

    private String head(String method, String target, String accept, String extraHeaders) {
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(endpoint.prefix()).append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(endpoint.host()).append("\r\n")
                .append("User-Agent: era-client\r\n")
                .append("Accept: ").append(accept).append("\r\n")
                .append("Connection: close\r\n");
        if (!apiKey.isEmpty()) {
            head.append("Authorization: Bearer ").append(apiKey).append("\r\n");
        }
        return head.append(extraHeaders).append("\r\n").toString();
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

    /**
     * Sends the request and reads the answer's head. The daemon may answer (a 404, a 413) and close
     * before it has taken the whole body: that answer is still the one to report, and only when there
     * is none is the write failure.
     */
    private Head sendAndReadHead(SocketChannel ch, InputStream in, String method, String target, String accept,
                                 String contentType, byte[] body) throws IOException {
        try {
            send(ch, method, target, accept, contentType, body);
        } catch (IOException e) {
            try {
                return readHead(in);
            } catch (IOException none) {
                throw e;
            }
        }
        return readHead(in);
    }

    private void send(SocketChannel ch, String method, String target, String accept, String contentType, byte[] body)
            throws IOException {
        StringBuilder extra = new StringBuilder();
        if (body != null) {
            if (contentType != null) {
                extra.append("Content-Type: ").append(contentType).append("\r\n");
            }
            extra.append("Content-Length: ").append(body.length).append("\r\n");
        }
        writeFully(ch, ByteBuffer.wrap(head(method, target, accept, extra.toString()).getBytes(StandardCharsets.UTF_8)));
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
