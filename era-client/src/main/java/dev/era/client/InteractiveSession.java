package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * An interactive command in a sandbox over a WebSocket, on the daemon's Unix socket or TCP. Output
 * arrives on the consumer given to {@link Sandboxes#attach} (on one background thread, in order),
 * ending with a {@link OutputChunk.Kind#STATUS} chunk; {@link #exitCode()} completes then. Closing
 * the session before that kills the command.
 */
public final class InteractiveSession implements AutoCloseable {
    private static final byte STDIN = 0;
    private static final byte STDOUT = 1;
    private static final byte STDERR = 2;
    private static final byte STATUS = 3;
    private static final int MAX_FRAME = 256 * 1024;

    private final WebSocketChannel socket;
    private final String describe;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private volatile boolean closing;

    private InteractiveSession(WebSocketChannel socket, String describe) {
        this.socket = socket;
        this.describe = describe;
    }

    static InteractiveSession start(WebSocketChannel socket, String describe, Consumer<OutputChunk> output) {
        InteractiveSession s = new InteractiveSession(socket, describe);
        Thread t = new Thread(() -> s.run(output), "era-client-session");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void run(Consumer<OutputChunk> output) {
        long[] offsets = new long[3];
        try {
            while (true) {
                WebSocketChannel.Message m = socket.read();
                if (m.close()) {
                    exit.completeExceptionally(new EraClientException(0, "io_error", "the session at " + describe
                            + " ended without an exit status (" + m.closeCode() + (m.closeReason().isEmpty() ? ""
                            : " " + m.closeReason()) + ")", null));
                    return;
                }
                if (!m.binary() || m.data().length == 0) {
                    continue;
                }
                byte channel = m.data()[0];
                byte[] data = Arrays.copyOfRange(m.data(), 1, m.data().length);
                switch (channel) {
                    case STDOUT, STDERR -> {
                        OutputChunk.Kind kind = channel == STDOUT ? OutputChunk.Kind.STDOUT : OutputChunk.Kind.STDERR;
                        output.accept(new OutputChunk(kind, offsets[channel], data, 0));
                        offsets[channel] += data.length;
                    }
                    case STATUS -> {
                        JsonNode status = Wire.parse(data);
                        int code = status.path("exitCode").asInt(-1);
                        output.accept(new OutputChunk(OutputChunk.Kind.STATUS, 0, new byte[0], code));
                        exit.complete(code);
                    }
                    default -> { } // channels a newer daemon may add
                }
            }
        } catch (IOException | RuntimeException e) {
            exit.completeExceptionally(closing ? new EraClientException(0, "closed", "the session was closed", null, e)
                    : e instanceof EraClientException x ? x
                    : new EraClientException(0, "io_error", "lost the session at " + describe + ": " + e.getMessage(),
                    null, e));
        } finally {
            socket.close();
        }
    }

    /** Writes bytes to the command's standard input (on a TTY, keystrokes: 0x03 is Ctrl-C). */
    public void send(byte[] data) {
        send(data, 0, data.length);
    }

    /** Large writes go as several frames: the daemon takes messages of up to 1 MiB. */
    public void send(byte[] data, int off, int len) {
        // an empty stdin frame would mean end of input, so nothing is sent for nothing
        for (int at = off; at < off + len; at += MAX_FRAME) {
            int n = Math.min(MAX_FRAME, off + len - at);
            byte[] frame = new byte[n + 1];
            frame[0] = STDIN;
            System.arraycopy(data, at, frame, 1, n);
            write(frame);
        }
    }

    /** Ends the command's standard input: it reads end of file. */
    public void closeStdin() {
        write(new byte[] {STDIN});
    }

    /** Tells the command's terminal its new size. */
    public void resize(int rows, int cols) {
        write(("\u0004{\"rows\":" + rows + ",\"cols\":" + cols + "}").getBytes(StandardCharsets.UTF_8));
    }

    private void write(byte[] frame) {
        try {
            socket.sendBinary(frame, 0, frame.length);
        } catch (IOException e) {
            throw new EraClientException(0, "io_error", "lost the session at " + describe + ": " + e.getMessage(), null, e);
        }
    }

    /** Completes with the command's exit code, or exceptionally when the session broke or was closed. */
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    /**
     * Waits for the command to end.
     *
     * @return the exit code, or empty when the timeout passed first
     * @throws EraClientException when the session broke
     */
    public java.util.OptionalInt await(Duration timeout) throws InterruptedException {
        try {
            return java.util.OptionalInt.of(exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return java.util.OptionalInt.empty();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof EraClientException x ? x
                    : new EraClientException(0, "io_error", e.getCause().getMessage(), null, e.getCause());
        }
    }

    /** False once the command ended, the session broke, or this side closed it. */
    public boolean isOpen() {
        return !closing && !exit.isDone();
    }

    /** Closes the WebSocket; a command still running is killed by the daemon. */
    @Override
    public void close() {
        closing = true;
        try {
            socket.sendClose(1000, "closed by the client");
        } catch (IOException e) {
            // already gone
        }
        // The reader ends on the daemon's close; a daemon that does not answer is cut off.
        Thread.ofVirtual().start(() -> {
            try {
                exit.get(2, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                socket.close();
            }
        });
    }
}
