package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.core.Interactive;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One interactive command over a WebSocket, framed as Kubernetes exec does: every binary message
 * starts with a channel byte. Client to server: 0 stdin (an empty payload closes stdin), 4 resize
 * ({@code {"rows":R,"cols":C}} or two big-endian uint16, rows then cols); a text message is stdin
 * too. Server to client: 1 stdout, 2 stderr, and once the command has ended and its output is sent,
 * 3 status ({@code {"exitCode":N}}), then a normal close. Closing the socket kills the command.
 *
 * <p>Public only because Jetty finds listener methods through a public method-handle lookup; it
 * is created by {@link SocketEndpoints} alone.
 */
public final class ChannelSocket implements Session.Listener.AutoDemanding {
    static final byte STDIN = 0;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte STATUS = 3;
    static final byte RESIZE = 4;
    /** How long output may keep flowing after the command exits (a background child may hold the pipe). */
    private static final Duration DRAIN = Duration.ofSeconds(2);
    private static final int CHUNK = 256 * 1024;
    /**
     * One read from the command's pipe: a pipe holds 64 KiB, and the JDK reads more than that into a
     * native buffer it mallocs (an mmap at this size) and frees on every call.
     */
    private static final int READ = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ChannelSocket.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Interactive command;
    private final Duration heartbeat;
    private final Runnable keepAlive;
    private final ReentrantLock sending = new ReentrantLock();
    private volatile Session session;
    private volatile long lastHeard = System.nanoTime();
    private volatile boolean closed;

    /**
     * @param heartbeat how often to ping the client; a client silent for four heartbeats is dropped
     * @param keepAlive told on every heartbeat, so that an open shell counts as activity
     */
    ChannelSocket(Interactive command, Duration heartbeat, Runnable keepAlive) {
        this.command = command;
        this.heartbeat = heartbeat;
        this.keepAlive = keepAlive;
    }

    @Override
    public void onWebSocketOpen(Session s) {
        this.session = s;
        Thread out = Thread.ofPlatform().daemon().name("ws-stdout-" + command.executionId()).start(() -> pump(command.stdout(), STDOUT));
        Thread err = Thread.ofPlatform().daemon().name("ws-stderr-" + command.executionId()).start(() -> pump(command.stderr(), STDERR));
        command.exitCode().whenComplete((code, failure) -> Thread.ofVirtual().start(() -> finish(code, failure, out, err)));
        Thread.ofVirtual().name("ws-heartbeat-" + command.executionId()).start(this::heartbeat);
    }

    /**
     * Copies one output stream into frames of its channel. Two buffers take turns, so that the next
     * read from the command's pipe overlaps the sending of the last frame; a read also takes whatever
     * else is already waiting in the pipe (up to {@value #CHUNK} bytes), so that a fast writer makes
     * fewer, larger frames. A frame is released only once the client took the one before it: output
     * stays paced by the client, with at most two frames in flight.
     */
    private void pump(InputStream in, byte channel) {
        byte[][] buffers = {new byte[CHUNK + 1], new byte[CHUNK + 1]};
        CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
        int turn = 0;
        try (in) {
            while (true) {
                byte[] buf = buffers[turn];
                buf[0] = channel;
                int n = in.read(buf, 1, READ);
                if (n == -1) {
                    break;
                }
                while (n < CHUNK && waiting(in) > 0) {
                    int more = in.read(buf, 1 + n, Math.min(READ, CHUNK - n));
                    if (more <= 0) {
                        break;
                    }
                    n += more;
                }
                if (n == 0) {
                    continue;
                }
                if (!sent(inFlight)) {
                    return;
                }
                inFlight = sendAsync(ByteBuffer.wrap(buf, 0, n + 1));
                turn ^= 1;
            }
        } catch (IOException e) {
            // the command's stream ended with it
        }
        sent(inFlight);
    }

    /** Bytes readable without blocking; 0 when the stream cannot tell. */
    private static int waiting(InputStream in) {
        try {
            return in.available();
        } catch (IOException e) {
            return 0;
        }
    }

    private void finish(Integer code, Throwable failure, Thread out, Thread err) {
        try {
            long deadline = System.nanoTime() + DRAIN.toNanos();
            out.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            err.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ObjectNode status = Json.object();
        status.put("exitCode", failure == null && code != null ? code : -1);
        if (failure != null) {
            status.put("message", String.valueOf(failure.getMessage()));
        }
        byte[] json = Json.bytes(status);
        ByteBuffer frame = ByteBuffer.allocate(json.length + 1).put(STATUS).put(json).flip();
        if (send(frame)) {
            Session s = session;
            s.close(StatusCode.NORMAL, "exited", Callback.NOOP);
        }
    }

    private void heartbeat() {
        long silence = heartbeat.toNanos() * 4;
        while (!closed) {
            try {
                Thread.sleep(heartbeat);
            } catch (InterruptedException e) {
                return;
            }
            Session s = session;
            if (closed || s == null || !s.isOpen()) {
                return;
            }
            if (System.nanoTime() - lastHeard > silence) {
                s.close(StatusCode.SHUTDOWN, "no answer to pings", Callback.NOOP);
                return;
            }
            s.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
            try {
                keepAlive.run();
            } catch (RuntimeException e) {
                LOG.debug("keep-alive of execution {} failed: {}", command.executionId(), e.toString());
            }
        }
    }

    /** Sends one frame and waits for it to be written, so that output is paced by the client. */
    private boolean send(ByteBuffer frame) {
        return sent(sendAsync(frame));
    }

    /**
     * Queues one frame; the lock keeps the frames of stdout, stderr and the status in the order they
     * were queued. Completes once the frame was written; a closed session fails it at once.
     */
    private CompletableFuture<Void> sendAsync(ByteBuffer frame) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Session s = session;
        if (closed || s == null || !s.isOpen()) {
            done.completeExceptionally(new IOException("the session is closed"));
            return done;
        }
        sending.lock();
        try {
            s.sendBinary(frame, Callback.from(() -> done.complete(null), done::completeExceptionally));
        } finally {
            sending.unlock();
        }
        return done;
    }

    /** Waits for a queued frame; false (and the connection dropped) when it could not be written. */
    private boolean sent(CompletableFuture<Void> frame) {
        try {
            frame.get(5, TimeUnit.MINUTES);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("sending to the client of execution {} failed: {}", command.executionId(), e.toString());
            Session s = session;
            if (s != null) {
                s.disconnect();
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        lastHeard = System.nanoTime();
        try {
            if (payload.hasRemaining()) {
                byte channel = payload.get();
                switch (channel) {
                    case STDIN -> stdin(payload);
                    case RESIZE -> resize(payload);
                    default -> { } // unknown channels are ignored, as newer clients may send more
                }
            }
            callback.succeed();
        } catch (RuntimeException e) {
            callback.fail(e);
        }
    }

    @Override
    public void onWebSocketText(String message) {
        lastHeard = System.nanoTime();
        stdin(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        lastHeard = System.nanoTime();
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        lastHeard = System.nanoTime();
        Session s = session;
        if (s != null) {
            s.sendPong(payload, Callback.NOOP);
        }
    }

    private void stdin(ByteBuffer data) {
        try {
            if (!data.hasRemaining()) {
                command.stdin().close();
                return;
            }
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            command.stdin().write(bytes);
            command.stdin().flush();
        } catch (IOException e) {
            // the command no longer reads its input; its exit is reported on the status channel
        }
    }

    private void resize(ByteBuffer data) {
        int rows;
        int cols;
        if (data.remaining() == 4 && data.get(data.position()) != '{') {
            rows = Short.toUnsignedInt(data.getShort());
            cols = Short.toUnsignedInt(data.getShort());
        } else {
            try {
                JsonNode size = JSON.readTree(StandardCharsets.UTF_8.decode(data).toString());
                // {"Width","Height"} is what Kubernetes clients send
                rows = size.path("rows").asInt(size.path("Height").asInt(0));
                cols = size.path("cols").asInt(size.path("Width").asInt(0));
            } catch (IOException e) {
                return; // a malformed resize is ignored rather than ending the session
            }
        }
        if (rows > 0 && cols > 0 && rows <= 0xffff && cols <= 0xffff) {
            command.resize(rows, cols);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        end();
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.debug("WebSocket of execution {} failed: {}", command.executionId(), cause.toString());
        end();
    }

    private void end() {
        closed = true;
        try {
            command.close();
        } catch (RuntimeException e) {
            LOG.debug("closing execution {} failed: {}", command.executionId(), e.toString());
        }
    }
}
