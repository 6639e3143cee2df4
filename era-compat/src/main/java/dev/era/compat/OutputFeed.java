package dev.era.compat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.core.Execution;
import dev.era.core.OutputChunk;
import dev.era.core.SandboxService;
import dev.era.core.Subscription;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.era.compat.Call.NODES;

/**
 * RunLoop's {@code stream_stdout_updates} / {@code stream_stderr_updates}: Server-Sent Events whose
 * data is {@code {"output": text, "offset": n}}, ending when the command ends. {@code offset} is
 * the byte offset just past the chunk, so a client that reconnects with it (as the SDK's
 * auto-reconnect does) continues without gaps or repeats. A multi-byte UTF-8 character split
 * between two chunks is held back until it is whole.
 */
final class OutputFeed {
    /** How often an idle feed checks on its command (a follower cut off for lagging is re-followed). */
    private static final Duration IDLE_CHECK = Duration.ofSeconds(1);

    private final SandboxService sandboxes;
    private final Duration heartbeat;

    /** @param heartbeat how long a feed may stay silent before a comment line checks that the client is still there */
    OutputFeed(SandboxService sandboxes, Duration heartbeat) {
        this.sandboxes = sandboxes;
        this.heartbeat = heartbeat;
    }

    void follow(Call c, int stream) throws IOException, InterruptedException {
        long from = c.query("offset").map(OutputFeed::offset).orElse(0L);
        BlockingQueue<OutputChunk> queue = new LinkedBlockingQueue<>();
        // subscribing before the response opens makes a bad id a plain JSON 404
        Subscription subscription = subscribe(c, stream, from, queue);
        Response response = c.response();
        try {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            write(response, ": stream open\n\n");
            long received = from; // bytes of this stream the service has handed over
            long sent = from; // bytes the client has been sent (received minus a held-back partial character)
            byte[] held = new byte[0];
            long idleSince = System.nanoTime();
            while (true) {
                OutputChunk chunk = queue.poll(IDLE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    boolean quiet = System.nanoTime() - idleSince > heartbeat.toNanos();
                    if (quiet || finished(c)) {
                        subscription.close();
                        subscription = subscribe(c, stream, received, queue);
                    }
                    if (quiet) {
                        write(response, ": keep-alive\n\n");
                        idleSince = System.nanoTime();
                    }
                    continue;
                }
                idleSince = System.nanoTime();
                if (chunk.stream() == OutputChunk.STATUS) {
                    if (held.length > 0) {
                        write(response, event(new String(held, StandardCharsets.UTF_8), received));
                    }
                    break;
                }
                long end = chunk.offset() + chunk.data().length;
                if (end <= received) {
                    continue; // a re-follow may repeat what has already come
                }
                byte[] fresh = chunk.offset() >= received ? chunk.data()
                        : Arrays.copyOfRange(chunk.data(), (int) (received - chunk.offset()), chunk.data().length);
                received = end;
                byte[] all = concat(held, fresh);
                int whole = wholeCharacters(all);
                held = Arrays.copyOfRange(all, whole, all.length);
                if (whole > 0) {
                    sent += whole;
                    write(response, event(new String(all, 0, whole, StandardCharsets.UTF_8), sent));
                }
            }
        } finally {
            subscription.close();
        }
        response.write(true, ByteBuffer.allocate(0), c.callback());
    }

    private Subscription subscribe(Call c, int stream, long from, BlockingQueue<OutputChunk> queue) {
        long stdout = stream == OutputChunk.STDOUT ? from : Long.MAX_VALUE;
        long stderr = stream == OutputChunk.STDERR ? from : Long.MAX_VALUE;
        return sandboxes.followOutput(c.caller(), c.param("id"), c.param("eid"), stdout, stderr, queue::add);
    }

    private boolean finished(Call c) {
        Execution e = sandboxes.execution(c.caller(), c.param("id"), c.param("eid"));
        return e.finished();
    }

    private static String event(String output, long offset) {
        ObjectNode o = NODES.objectNode();
        o.put("output", output);
        o.put("offset", offset);
        return "data: " + o + "\n\n";
    }

    private static void write(Response response, String text) throws IOException {
        try (Blocker.Callback done = Blocker.callback()) {
            response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), done);
            done.block();
        }
    }

    private static long offset(String text) {
        try {
            long v = Long.parseLong(text.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadRequestException("offset must be a byte offset (a whole number >= 0), not '" + Routes.clip(text)
                + "'");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The length of the longest prefix that does not end inside a UTF-8 character. */
    static int wholeCharacters(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int x = b[n - back] & 0xff;
            if ((x & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for the lead byte
            }
            int length = x >= 0xF0 ? 4 : x >= 0xE0 ? 3 : x >= 0xC0 ? 2 : 1;
            return length > back ? n - back : n;
        }
        return n;
    }
}
