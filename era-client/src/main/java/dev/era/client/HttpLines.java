package dev.era.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads the CRLF-terminated lines of an HTTP head. */
final class HttpLines {
    private static final int MAX_LINE = 64 * 1024;

    private HttpLines() {
    }

    /** One line without its CR LF, or null at the end of the stream. */
    static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (out.size() >= MAX_LINE) {
                throw new IOException("an HTTP header line is longer than " + MAX_LINE + " bytes");
            }
            out.write(b);
        }
        if (b == -1 && out.size() == 0) {
            return null;
        }
        String s = out.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
