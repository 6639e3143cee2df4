package dev.era.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes a chunked body. A chunk's bytes are handed out as soon as they arrive: the CRLF that ends
 * a chunk is read together with the next size line, because servers (Jetty among them) send it only
 * with the next chunk, and an event stream must not wait for that.
 */
final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long left;
    private boolean first = true;
    private boolean done;

    ChunkedInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (done) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        if (left == 0) {
            left = nextSize();
            if (left == 0) {
                done = true;
                skipTrailers();
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n == -1) {
            throw new EOFException("the connection closed inside a chunk");
        }
        left -= n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(left, in.available());
    }

    private long nextSize() throws IOException {
        if (!first) {
            String crlf = HttpLines.read(in);
            if (crlf == null) {
                throw new EOFException("the connection closed between chunks");
            }
        }
        first = false;
        String line = HttpLines.read(in);
        if (line == null) {
            throw new EOFException("the connection closed before the end of the body");
        }
        int semi = line.indexOf(';');
        String hex = (semi >= 0 ? line.substring(0, semi) : line).trim();
        try {
            long size = Long.parseLong(hex, 16);
            if (size < 0) {
                throw new NumberFormatException(hex);
            }
            return size;
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size '" + hex + "'");
        }
    }

    private void skipTrailers() throws IOException {
        for (String line = HttpLines.read(in); line != null && !line.isEmpty(); line = HttpLines.read(in)) {
            // trailers carry nothing ERA uses
        }
    }
}
