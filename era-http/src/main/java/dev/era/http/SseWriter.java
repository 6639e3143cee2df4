package dev.era.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes a {@code text/event-stream} body with blocking writes (handlers run on virtual threads). */
final class SseWriter {
    private final Response response;
    private final StringBuilder pending = new StringBuilder();

    SseWriter(Response response) {
        this.response = response;
    }

    /** Commits the response headers so that the client sees the stream open before the first event. */
    void open() throws IOException {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put("X-Accel-Buffering", "no");
        comment("stream open");
        flush();
    }

    /** Adds an event; {@code id} may be null. Line breaks inside data become several data lines. */
    void event(String id, String data) {
        event(null, id, data);
    }

    /** Adds an event with an {@code event:} type (null for the default, "message"). */
    void event(String type, String id, String data) {
        if (type != null) {
            pending.append("event: ").append(type).append('\n');
        }
        if (id != null) {
            pending.append("id: ").append(id).append('\n');
        }
        for (String line : data.split("\r\n|\r|\n", -1)) {
            pending.append("data: ").append(line).append('\n');
        }
        pending.append('\n');
    }

    void comment(String text) {
        pending.append(": ").append(text.replace('\n', ' ').replace('\r', ' ')).append("\n\n");
    }

    void flush() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(pending.toString().getBytes(StandardCharsets.UTF_8));
        pending.setLength(0);
        try (Blocker.Callback done = Blocker.callback()) {
            response.write(false, bytes, done);
            done.block();
        }
    }
}
