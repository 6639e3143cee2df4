package dev.era.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /agents/{type}/{id}/messages} on one kept-alive HTTP/1.1 connection, over TCP (with
 * an API key) or the Unix socket: what an agent platform's gateway does per user request. Written
 * out by hand so that the client adds as little as possible to what is measured.
 */
final class AgentRoundTrip implements AutoCloseable {
    private final SocketChannel channel;
    private final InputStream in;
    private final String auth;

    private AgentRoundTrip(SocketChannel channel, String auth) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
        this.auth = auth;
    }

    static AgentRoundTrip tcp(int port, String key) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.socket().setTcpNoDelay(true);
        return new AgentRoundTrip(ch, "Authorization: Bearer " + key + "\r\n");
    }

    static AgentRoundTrip unix(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect((SocketAddress) UnixDomainSocketAddress.of(socket));
        return new AgentRoundTrip(ch, "");
    }

    /** Sends one message and returns the reply's body; a status other than 200 is a failure. */
    String send(String path, String message) throws IOException {
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + auth
                + "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(h.length + body.length).put(h).put(body).flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        String status = line();
        int length = -1;
        for (String l = line(); !l.isEmpty(); l = line()) {
            if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(l.substring(15).trim());
            }
        }
        if (length < 0) {
            throw new IOException("no Content-Length in the answer to " + path + " (" + status + ")");
        }
        String reply = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IOException(path + " answered " + status + ": " + reply);
        }
        return reply;
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) {
                throw new IOException("the daemon closed the connection");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /** Round trips in milliseconds, after {@code warmup} untimed ones. */
    List<Double> measure(String path, String message, int warmup, int runs) throws IOException {
        for (int i = 0; i < warmup; i++) {
            send(path, message);
        }
        List<Double> ms = new ArrayList<>(runs);
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            send(path, message);
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        return ms;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
