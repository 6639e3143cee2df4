package dev.era.core;

import dev.era.api.ConflictException;
import dev.era.api.ExecProcess;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One command run in a sandbox, while the daemon runs (records do not survive a restart: the
 * commands themselves die with the sandbox's exec session). Keeps the head of each stream up to
 * the request's cap for the result, the most recent output (a window of bytes) for followers that
 * (re)join, and numbers every byte by its offset in its stream.
 */
final class ExecutionRun {
    static final String RUNNING = "running";
    static final String COMPLETED = "completed";
    static final String KILLED = "killed";
    static final String TIMED_OUT = "timed_out";
    static final String FAILED = "failed";

    final String id;
    final String sandboxId;
    final String command;
    final String shell;
    final Instant startedAt;
    private final Clock clock;
    private final long keepPerStream;
    private final long window;
    private final long followerQueue;

    // all guarded by this
    private final ByteArrayOutputStream[] kept = {null, new ByteArrayOutputStream(), new ByteArrayOutputStream()};
    private final long[] total = new long[3];
    private boolean truncated;
    private final ArrayDeque<OutputChunk> recent = new ArrayDeque<>();
    private long recentBytes;
    private final List<OutputFollower> followers = new ArrayList<>();
    private String status = RUNNING;
    private int exitCode = -1;
    private Instant finishedAt;
    private ExecProcess process;
    private String endReason = "";

    /** Completes with the final view once the command has ended and its output is all in. */
    final CompletableFuture<Execution> done = new CompletableFuture<>();

    ExecutionRun(String id, String sandboxId, String command, String shell, Clock clock, long keepPerStream,
                 long window) {
        this.id = id;
        this.sandboxId = sandboxId;
        this.command = command;
        this.shell = shell;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.keepPerStream = keepPerStream;
        this.window = window;
        this.followerQueue = Math.max(window, 1L << 20);
    }

    /**
     * Connects the started command. Returns false when the run was killed before it could start
     * (a command queued behind another of its named shell): the caller then kills the process.
     */
    synchronized boolean attach(ExecProcess p) {
        if (!endReason.isEmpty()) {
            return false;
        }
        process = p;
        return true;
    }

    synchronized boolean cancelled() {
        return !endReason.isEmpty();
    }

    /** Output from the command's stream 1 or 2; {@code data} is owned by the run from now on. */
    void output(int stream, byte[] data) {
        List<OutputFollower> to;
        OutputChunk c;
        synchronized (this) {
            c = new OutputChunk(stream, total[stream], data, -1);
            total[stream] += data.length;
            ByteArrayOutputStream k = kept[stream];
            long room = keepPerStream - k.size();
            if (room > 0) {
                k.write(data, 0, (int) Math.min(room, data.length));
            }
            if (data.length > room) {
                truncated = true;
            }
            recent.add(c);
            recentBytes += data.length;
            while (recentBytes > window && recent.size() > 1) {
                recentBytes -= recent.poll().data().length;
            }
            followers.removeIf(OutputFollower::closed);
            to = List.copyOf(followers);
        }
        to.forEach(f -> f.offer(c));
    }

    /** The command has ended and its output is all in. */
    void finish(int code) {
        List<OutputFollower> to;
        synchronized (this) {
            if (!status.equals(RUNNING)) {
                return;
            }
            status = endReason.isEmpty() ? COMPLETED : endReason;
            exitCode = code;
            finishedAt = clock.instant();
            to = List.copyOf(followers);
            followers.clear();
        }
        OutputChunk end = new OutputChunk(OutputChunk.STATUS, 0, new byte[0], code);
        to.forEach(f -> f.offer(end));
        done.complete(view());
    }

    /** The command could not start (a queued named-shell command); the reason goes to stderr. */
    void failed(String why) {
        output(OutputChunk.STDERR, (why + "\n").getBytes(StandardCharsets.UTF_8));
        synchronized (this) {
            endReason = FAILED;
        }
        finish(-1);
    }

    synchronized boolean finished() {
        return !status.equals(RUNNING);
    }

    synchronized Execution view() {
        return new Execution(id, sandboxId, command, shell, status, exitCode,
                kept[OutputChunk.STDOUT].toString(StandardCharsets.UTF_8),
                kept[OutputChunk.STDERR].toString(StandardCharsets.UTF_8), truncated, startedAt,
                finishedAt == null ? Instant.EPOCH : finishedAt);
    }

    /**
     * Follows the output from the given offsets: what the window still holds from there, then live
     * output, then a STATUS chunk. Offsets older than the window start at the window.
     */
    Subscription follow(long stdoutFrom, long stderrFrom, Consumer<OutputChunk> sink) {
        OutputFollower f = new OutputFollower(sink, followerQueue, stdoutFrom, stderrFrom);
        synchronized (this) {
            recent.forEach(f::offer);
            if (status.equals(RUNNING)) {
                followers.add(f);
            } else {
                f.offer(new OutputChunk(OutputChunk.STATUS, 0, new byte[0], exitCode));
            }
        }
        f.start();
        return f;
    }

    /** Kills the command (SIGKILL to its process group); {@code reason} becomes its status. */
    boolean kill(String reason) {
        ExecProcess p;
        synchronized (this) {
            if (!status.equals(RUNNING)) {
                return false;
            }
            if (endReason.isEmpty()) {
                endReason = reason;
            }
            p = process;
        }
        if (p != null) {
            p.signal(9);
        } else {
            finish(128 + 9); // queued: it never starts
        }
        return true;
    }

    void killQuietly() {
        try {
            kill(KILLED);
        } catch (RuntimeException ignored) {
            // the sandbox is going away; its commands go with it
        }
    }

    void stdin(byte[] data, boolean close) {
        ExecProcess p;
        synchronized (this) {
            if (!status.equals(RUNNING)) {
                throw new ConflictException("execution " + id + " has finished; it takes no more input",
                        Map.of("execution", id));
            }
            p = process;
        }
        if (p == null) {
            throw new ConflictException("execution " + id + " waits for the previous command of shell '" + shell
                    + "' and has not started; send its input once it runs", Map.of("execution", id));
        }
        try {
            OutputStream in = p.stdin();
            if (data.length > 0) {
                in.write(data);
                in.flush();
            }
            if (close) {
                in.close();
            }
        } catch (IOException e) {
            throw new ConflictException("execution " + id + " does not read its input any more (" + e.getMessage()
                    + "); it may have closed stdin or ended", Map.of("execution", id));
        }
    }

    @Override
    public String toString() {
        return id + " " + Arrays.toString(total);
    }
}
