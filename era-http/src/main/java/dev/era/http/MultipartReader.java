package dev.era.http;

import dev.era.api.BadRequestException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@code multipart/form-data} body part by part as it arrives, so that a large file goes
 * straight to its destination (Jetty's own parser collects parts in memory or temporary files first).
 * Each part's body must be read, or skipped, before the next part is asked for.
 */
final class MultipartReader {
    private static final int BUFFER = 64 * 1024;
    private static final int MAX_HEADERS = 16 * 1024;

    /** One part: its form field name, the file name if it is a file, and its bytes. */
    record Part(String name, String filename, String contentType, InputStream body) {}

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf;
    private int pos;
    private int limit;
    private boolean eof;
    private boolean finished;
    private PartBody current;

    /** @throws BadRequestException when the Content-Type names no usable boundary */
    MultipartReader(InputStream in, String contentType) {
        this.in = in;
        String boundary = boundary(contentType);
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = new byte[BUFFER + delimiter.length];
        // The first delimiter has no CRLF before it; pretend it had, so that one search finds them all.
        buf[0] = '\r';
        buf[1] = '\n';
        limit = 2;
    }

    static String boundary(String contentType) {
        if (contentType == null) {
            throw new BadRequestException("send the upload as multipart/form-data with a boundary",
                    Map.of("header", "Content-Type"));
        }
        String[] parts = contentType.split(";");
        if (!parts[0].trim().toLowerCase(Locale.ROOT).equals("multipart/form-data")) {
            throw HttpError.unsupportedMediaType(Query.clip(contentType), java.util.List.of("multipart/form-data"));
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring("boundary=".length());
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                if (!b.isEmpty() && b.length() <= 70 && b.chars().allMatch(c -> c > 32 && c < 127)) {
                    return b;
                }
            }
        }
        throw new BadRequestException("the multipart Content-Type needs a boundary of 1 to 70 characters, such as "
                + "'multipart/form-data; boundary=x7f'", Map.of("header", "Content-Type"));
    }

    /** The next part, or empty after the closing boundary. */
    Optional<Part> next() throws IOException {
        if (current != null) {
            byte[] skip = new byte[8192];
            while (current.read(skip, 0, skip.length) != -1) {
                // the unread rest of the previous part
            }
        } else if (!finished) {
            skipPreamble();
        }
        if (finished) {
            return Optional.empty();
        }
        // After a delimiter: "--" closes the body; otherwise optional padding, CRLF, then headers.
        fill(2);
        if (limit - pos >= 2 && buf[pos] == '-' && buf[pos + 1] == '-') {
            finished = true;
            return Optional.empty();
        }
        String padding = line();
        if (!padding.isBlank()) {
            throw malformed("unexpected text after a boundary");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int size = 0;
        for (String l = line(); !l.isEmpty(); l = line()) {
            size += l.length();
            if (size > MAX_HEADERS) {
                throw malformed("part headers longer than " + MAX_HEADERS + " bytes");
            }
            int colon = l.indexOf(':');
            if (colon > 0) {
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
        }
        String disposition = headers.getOrDefault("content-disposition", "");
        Map<String, String> params = params(disposition);
        if (!disposition.toLowerCase(Locale.ROOT).startsWith("form-data") || !params.containsKey("name")) {
            throw malformed("a part without 'Content-Disposition: form-data; name=...'");
        }
        current = new PartBody();
        return Optional.of(new Part(params.get("name"), params.getOrDefault("filename", ""),
                headers.getOrDefault("content-type", "application/octet-stream"), current));
    }

    private void skipPreamble() throws IOException {
        current = new PartBody();
        byte[] skip = new byte[8192];
        while (current.read(skip, 0, skip.length) != -1) {
            // text before the first boundary is ignored (RFC 2046)
        }
    }

    private static Map<String, String> params(String header) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = header.indexOf(';');
        while (i >= 0 && i < header.length()) {
            int eq = header.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = header.substring(i + 1, eq).trim().toLowerCase(Locale.ROOT);
            int end;
            String value;
            if (eq + 1 < header.length() && header.charAt(eq + 1) == '"') {
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; j < header.length() && header.charAt(j) != '"'; j++) {
                    char c = header.charAt(j);
                    if (c == '\\' && j + 1 < header.length()) {
                        c = header.charAt(++j);
                    }
                    v.append(c);
                }
                value = v.toString();
                end = header.indexOf(';', j);
            } else {
                end = header.indexOf(';', eq);
                value = header.substring(eq + 1, end < 0 ? header.length() : end).trim();
            }
            out.putIfAbsent(key, value);
            i = end;
        }
        return out;
    }

    /** Ensures at least {@code n} bytes are buffered unless the input ended; compacts the buffer first. */
    private void fill(int n) throws IOException {
        if (limit - pos >= n || eof) {
            return;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit - pos < n && !eof) {
            int r = in.read(buf, limit, buf.length - limit);
            if (r == -1) {
                eof = true;
            } else {
                limit += r;
            }
        }
    }

    /** A header line, read in the part-header state; decoded as UTF-8 (browsers send file names so). */
    private String line() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            fill(1);
            if (pos >= limit) {
                throw malformed("the body ended inside part headers");
            }
            byte b = buf[pos++];
            if (b == '\n') {
                break;
            }
            if (out.size() > MAX_HEADERS) {
                throw malformed("a part header line longer than " + MAX_HEADERS + " bytes");
            }
            out.write(b);
        }
        String s = out.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private int indexOfDelimiter() {
        outer:
        for (int i = pos; i <= limit - delimiter.length; i++) {
            for (int j = 0; j < delimiter.length; j++) {
                if (buf[i + j] != delimiter[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static IOException malformed(String what) {
        return new MalformedMultipartException("the multipart body is malformed: " + what);
    }

    /** Thrown while reading a part: the client sent a broken body. */
    static final class MalformedMultipartException extends IOException {
        MalformedMultipartException(String message) {
            super(message);
        }
    }

    /** A part's bytes, up to the next delimiter; consumes the delimiter at its end. */
    private final class PartBody extends InputStream {
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            fill(delimiter.length);
            int at = indexOfDelimiter();
            int safe = at >= 0 ? at - pos : Math.max(0, limit - pos - delimiter.length + 1);
            if (at < 0 && eof) {
                throw malformed("the body ended before its closing boundary");
            }
            if (safe == 0 && at >= 0) {
                pos += delimiter.length;
                ended = true;
                return -1;
            }
            int n = Math.min(len, safe);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
