package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A deliberately raw HTTP/1.1 test client over TCP or a Unix socket: it sends exactly the bytes a
 * test gives (garbled ones included) and parses Content-Length, chunked and read-to-EOF bodies.
 */
final class TestHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    record Reply(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text(), e);
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** @param event the {@code event:} field, "message" when none was sent */
    record SseEvent(String event, String id, String data) {
        SseEvent(String id, String data) {
            this("message", id, data);
        }
    }

    private final SocketAddress address;

    private TestHttp(SocketAddress address) {
        this.address = address;
    }

    static TestHttp tcp(int port) {
        return new TestHttp(new InetSocketAddress("127.0.0.1", port));
    }

    static TestHttp unix(Path socket) {
        return new TestHttp(UnixDomainSocketAddress.of(socket));
    }

    Reply get(String target, String... headers) {
        return send("GET", target, null, headers);
    }

    Reply post(String target, String body, String... headers) {
        return send("POST", target, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    Reply delete(String target, String... headers) {
        return send("DELETE", target, null, headers);
    }

    /** @param headers name, value, name, value, ... */
    Reply send(String method, String target, byte[] body, String... headers) {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
            req.writeBytes(body);
        }
        return raw(req.toByteArray(), method.equals("HEAD"));
    }

    /** Writes a request body as it goes, so that a test can send more than it could hold. */
    @FunctionalInterface
    interface BodyWriter {
        void write(java.io.OutputStream out) throws IOException;
    }

    /**
     * Sends a request whose body {@code body} writes: with Content-Length when {@code length >= 0},
     * else chunked.
     */
    Reply stream(String method, String target, long length, BodyWriter body, String... headers) {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        head.append(length >= 0 ? "Content-Length: " + length : "Transfer-Encoding: chunked").append("\r\n\r\n");
        try (SocketChannel ch = open()) {
            java.io.OutputStream raw = Channels.newOutputStream(ch);
            raw.write(head.toString().getBytes(StandardCharsets.UTF_8));
            java.io.OutputStream out = length >= 0 ? raw : new java.io.FilterOutputStream(raw) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len > 0) {
                        raw.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        raw.write(b, off, len);
                        raw.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                }

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }
            };
            try {
                body.write(out);
                if (length < 0) {
                    raw.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                // the server may answer (413) and close before the whole body is sent
            }
            return read(Channels.newInputStream(ch), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends bytes as they are and reads one response; the connection is closed by the server. */
    Reply raw(byte[] request, boolean head) {
        return raw(request, head, false);
    }

    /** @param endInput shut down the sending side after the bytes, so that the server never waits for more */
    Reply raw(byte[] request, boolean head, boolean endInput) {
        try (SocketChannel ch = open()) {
            Thread watchdog = watchdog(ch);
            try {
                ch.write(ByteBuffer.wrap(request));
                if (endInput) {
                    ch.shutdownOutput();
                }
                InputStream in = Channels.newInputStream(ch);
                return read(in, head);
            } finally {
                watchdog.interrupt();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens an SSE stream; events arrive on the returned queue until the stream is closed. */
    SseStream sse(String target, String... headers) {
        StringBuilder head = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        head.append("\r\n");
        try {
            SocketChannel ch = open();
            ch.write(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.UTF_8)));
            InputStream in = Channels.newInputStream(ch);
            Reply headers0 = readHead(in);
            SseStream s = new SseStream(ch, headers0);
            if (headers0.status() != 200) {
                ch.close();
                return s;
            }
            InputStream body = "chunked".equalsIgnoreCase(headers0.header("transfer-encoding")) ? new ChunkedInput(in) : in;
            Thread.ofVirtual().start(() -> s.pump(body));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class SseStream implements AutoCloseable {
        private final SocketChannel channel;
        final Reply head;
        final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
        volatile boolean ended;

        SseStream(SocketChannel channel, Reply head) {
            this.channel = channel;
            this.head = head;
        }

        SseEvent next() {
            try {
                SseEvent e = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (e == null) {
                    throw new AssertionError("no SSE event within " + TIMEOUT + (ended ? " (stream ended)" : ""));
                }
                return e;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        void awaitEnd() throws InterruptedException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!ended && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (!ended) {
                throw new AssertionError("stream did not end");
            }
        }

        private void pump(InputStream in) {
            StringBuilder line = new StringBuilder();
            String id = null;
            String event = "message";
            StringBuilder data = null;
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (int b; (b = in.read()) != -1; ) {
                    if (b != '\n') {
                        bytes.write(b);
                        continue;
                    }
                    String l = bytes.toString(StandardCharsets.UTF_8);
                    bytes.reset();
                    if (l.isEmpty()) {
                        if (data != null) {
                            events.add(new SseEvent(event, id, data.toString()));
                        }
                        id = null;
                        event = "message";
                        data = null;
                    } else if (l.startsWith("event: ")) {
                        event = l.substring(7);
                    } else if (l.startsWith("id: ")) {
                        id = l.substring(4);
                    } else if (l.startsWith("data: ")) {
                        data = data == null ? new StringBuilder(l.substring(6)) : data.append('\n').append(l.substring(6));
                    }
                }
            } catch (IOException e) {
                // closed
            } finally {
                ended = true;
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    private SocketChannel open() throws IOException {
        SocketChannel ch = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        ch.connect(address);
        return ch;
    }

    private static Thread watchdog(SocketChannel ch) {
        return Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(TIMEOUT);
                ch.close();
            } catch (InterruptedException | IOException e) {
                // done in time
            }
        });
    }

    private static Reply read(InputStream in, boolean head) throws IOException {
        Reply h = readHead(in);
        if (head || h.status() == 204 || h.status() == 304) {
            return h;
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(h.header("transfer-encoding"))) {
            body = new ChunkedInput(in).readAllBytes();
        } else if (h.header("content-length") != null) {
            body = in.readNBytes(Integer.parseInt(h.header("content-length")));
        } else {
            body = in.readAllBytes();
        }
        return new Reply(h.status(), h.headers(), body);
    }

    private static Reply readHead(InputStream in) throws IOException {
        String status = line(in);
        if (status == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = status.split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.merge(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        return new Reply(Integer.parseInt(parts[1]), headers, new byte[0]);
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            out.write(b);
        }
        if (b == -1 && out.size() == 0) {
            return null;
        }
        String s = out.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Decodes a chunked body. */
    static final class ChunkedInput extends InputStream {
        private final InputStream in;
        private int left;
        private boolean done;

        ChunkedInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                if (size == null) {
                    done = true;
                    return -1;
                }
                if (size.isEmpty()) {
                    size = line(in);
                }
                if (size == null) {
                    done = true;
                    return -1;
                }
                left = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b == -1) {
                done = true;
                return -1;
            }
            // The CRLF after a chunk is read with the next size line: Jetty sends it only with the next chunk.
            left--;
            return b;
        }
    }
}
