package dev.era.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The leanest HTTP/1.1 client that measures a server: one keep-alive connection, one request at a
 * time, on the calling thread. {@link java.net.http.HttpClient} hands each response over between
 * its selector thread and an executor; on a loaded host those hand-overs are measured too.
 * Understands {@code Content-Length} bodies only (ERA's JSON answers).
 */
final class KeepAliveHttp implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String host;

    KeepAliveHttp(String host, int port) throws IOException {
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port));
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream());
        this.host = host + ":" + port;
    }

    record Response(int status, String body) {}

    Response post(String path, String bearer, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + bearer
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream request = new ByteArrayOutputStream(head.length() + body.length);
        request.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(body);
        out.write(request.toByteArray());
        out.flush();
        String status = line();
        int length = -1;
        for (String h = line(); !h.isEmpty(); h = line()) {
            if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).strip());
            }
        }
        if (length < 0) {
            throw new IOException("answer without Content-Length: " + status);
        }
        return new Response(Integer.parseInt(status.split(" ")[1]), new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                s.append((char) c);
            }
        }
        if (c < 0) {
            throw new IOException("the server closed the connection");
        }
        return s.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
