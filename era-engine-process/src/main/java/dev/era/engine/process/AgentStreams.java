package dev.era.engine.process;

import dev.era.os.Libc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The daemon's side of a command's output and status pipes ({@link AgentExec}): one pooled platform
 * thread polls them (blocking native calls, which a virtual thread must not make: the JDK compensates
 * only for a {@link Process}'s pipes), moves stdout and stderr into NIO pipes that virtual threads can
 * read without pinning their carrier, and completes the exit code from the status pipe ({@code x <code>};
 * its end without one means the agent, and the command with it, was killed). One thread and one wake-up
 * for all three pipes: on a loaded host every hand-over between threads costs a scheduling delay.
 */
final class AgentStreams {
    static final int KILLED = 128 + 9;
    private static final int STATUS = 2;
    private static final int POLL_MILLIS = 250;
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("era-exec-io-", 0).factory());

    private final int[] fds;
    private final Pipe.SinkChannel[] sinks = new Pipe.SinkChannel[2];
    private final InputStream[] sources = new InputStream[2];
    private final StringBuilder status = new StringBuilder();
    private final CompletableFuture<Integer> exit;
    private volatile boolean closed;

    private AgentStreams(int[] fds, String statusSoFar, CompletableFuture<Integer> exit) throws IOException {
        this.fds = fds;
        this.exit = exit;
        for (int i = 0; i < 2; i++) {
            if (fds[i] >= 0) {
                Pipe p = Pipe.open();
                sinks[i] = p.sink();
                sources[i] = Channels.newInputStream(p.source());
            }
        }
        statusText(statusSoFar);
    }

    /**
     * Starts moving bytes; takes ownership of the descriptors ({@code out} and {@code err} may be -1: a
     * terminal carries the output). {@code statusSoFar} is what was read from the status pipe after its
     * first line.
     */
    static AgentStreams start(int out, int err, int status, String statusSoFar, CompletableFuture<Integer> exit)
            throws IOException {
        AgentStreams s = new AgentStreams(new int[] {out, err, status}, statusSoFar, exit);
        THREADS.execute(s::run);
        return s;
    }

    Optional<InputStream> stdout() {
        return Optional.ofNullable(sources[0]);
    }

    Optional<InputStream> stderr() {
        return Optional.ofNullable(sources[1]);
    }

    /** Stops moving output (within a poll interval) and closes the readers' ends. */
    void close() {
        closed = true;
        for (InputStream s : sources) {
            if (s != null) {
                PipeExec.closeQuietly(s);
            }
        }
    }

    private void run() {
        byte[] buffer = new byte[64 * 1024];
        short[] ready = new short[3];
        try {
            while (!closed && (fds[0] >= 0 || fds[1] >= 0 || fds[STATUS] >= 0)) {
                Libc.Result r = Libc.poll(fds, Libc.POLLIN, ready, POLL_MILLIS);
                if (r.failed() && r.errno() != Libc.EINTR) {
                    break;
                }
                for (int i = 0; i < 3 && !r.failed(); i++) {
                    if (fds[i] >= 0 && ready[i] != 0) {
                        move(i, buffer);
                    }
                }
            }
        } finally {
            for (int i = 0; i < 3; i++) {
                end(i);
            }
            exit.complete(KILLED); // no-op once the agent told the code
        }
    }

    private void move(int i, byte[] buffer) {
        Libc.Result n = Libc.read(fds[i], buffer);
        if (n.failed() && (n.errno() == Libc.EINTR || n.errno() == Libc.EAGAIN)) {
            return;
        }
        if (n.value() <= 0) {
            end(i);
            return;
        }
        if (i == STATUS) {
            statusText(new String(buffer, 0, (int) n.value(), StandardCharsets.UTF_8));
            return;
        }
        try {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, (int) n.value());
            while (chunk.hasRemaining()) {
                sinks[i].write(chunk);
            }
        } catch (IOException e) {
            end(i); // the reader closed its end: nobody wants this stream any more
        }
    }

    private void statusText(String text) {
        status.append(text);
        int nl;
        while ((nl = status.indexOf("\n")) >= 0) {
            String line = status.substring(0, nl);
            status.delete(0, nl + 1);
            if (line.startsWith("x ")) {
                try {
                    exit.complete(Integer.parseInt(line.substring(2).strip()));
                } catch (NumberFormatException e) {
                    // not the agent's: the end of the pipe settles it
                }
            }
        }
    }

    private void end(int i) {
        if (fds[i] < 0) {
            return;
        }
        Libc.close(fds[i]);
        fds[i] = -1;
        if (i < 2 && sinks[i] != null) {
            PipeExec.closeQuietly(sinks[i]);
        }
    }
}
