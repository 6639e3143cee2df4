package dev.era.http;

import dev.era.core.ExecRequest;
import dev.era.core.Execution;
import dev.era.core.OutputChunk;
import dev.era.core.Subscription;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A command of {@link FakeSandboxService}, run as a plain host process in the sandbox's directory:
 * its whole output is kept (so that a follower may start at any offset), followers get every
 * chunk in order, then a STATUS chunk.
 */
final class FakeExecution {
    final String id;
    final String sandboxId;
    final String tenant;
    private final String command;
    private final String shell;
    private final long maxOutput;
    private final Process process;
    private final Instant startedAt = Instant.now();
    private final Object lock = new Object();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final List<Consumer<OutputChunk>> followers = new ArrayList<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean killed;
    private String status = "running";
    private int exitCode = -1;
    private Instant finishedAt;

    FakeExecution(String id, String sandboxId, String tenant, ExecRequest request, Path workspace,
                  Map<String, String> env) throws IOException {
        this.id = id;
        this.sandboxId = sandboxId;
        this.tenant = tenant;
        this.command = String.join(" ", request.command());
        this.shell = request.shell();
        this.maxOutput = request.maxOutputBytes();
        ProcessBuilder pb = new ProcessBuilder(argv(request.command()));
        pb.directory(FakeDirs.hostDir(workspace, request.workingDir()).toFile());
        pb.environment().putAll(env);
        pb.environment().putAll(request.env());
        this.process = pb.start();
        Thread out = Thread.ofVirtual().start(() -> pump(process.getInputStream(), OutputChunk.STDOUT, stdout));
        Thread err = Thread.ofVirtual().start(() -> pump(process.getErrorStream(), OutputChunk.STDERR, stderr));
        Thread.ofVirtual().start(() -> finish(out, err));
        if (!request.timeout().isZero()) {
            Thread.ofVirtual().start(() -> {
                try {
                    if (!process.waitFor(request.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                        kill();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    /** A single string is a shell command, as ExecRequest says. */
    static List<String> argv(List<String> command) {
        return command.size() == 1 ? List.of("/bin/bash", "-c", command.getFirst()) : command;
    }

    private void pump(InputStream in, int stream, ByteArrayOutputStream into) {
        byte[] buf = new byte[16 * 1024];
        try (in) {
            for (int n; (n = in.read(buf)) != -1; ) {
                synchronized (lock) {
                    long offset = into.size();
                    into.write(buf, 0, n);
                    OutputChunk chunk = new OutputChunk(stream, offset, Arrays.copyOf(buf, n), 0);
                    followers.forEach(f -> f.accept(chunk));
                }
            }
        } catch (IOException e) {
            // the process was killed
        }
    }

    private void finish(Thread out, Thread err) {
        try {
            int code = process.waitFor();
            out.join();
            err.join();
            synchronized (lock) {
                exitCode = code;
                status = killed ? "killed" : "completed";
                finishedAt = Instant.now();
                OutputChunk end = new OutputChunk(OutputChunk.STATUS, 0, new byte[0], code);
                followers.forEach(f -> f.accept(end));
                followers.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        done.complete(null);
    }

    Execution view() {
        synchronized (lock) {
            boolean truncated = stdout.size() > maxOutput || stderr.size() > maxOutput;
            return new Execution(id, sandboxId, command, shell, status, exitCode, capped(stdout), capped(stderr),
                    truncated, startedAt, finishedAt);
        }
    }

    private String capped(ByteArrayOutputStream out) {
        byte[] all = out.toByteArray();
        return new String(all, 0, (int) Math.min(all.length, maxOutput), StandardCharsets.UTF_8);
    }

    Execution await(Duration timeout) {
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // answered with the current view
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return view();
    }

    void kill() {
        killed = true;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    void stdin(byte[] data, boolean close) {
        OutputStream in = process.getOutputStream();
        try {
            in.write(data);
            in.flush();
            if (close) {
                in.close();
            }
        } catch (IOException e) {
            // the command has stopped reading; what it did is in its output and status
        }
    }

    Subscription follow(long stdoutOffset, long stderrOffset, Consumer<OutputChunk> sink) {
        synchronized (lock) {
            replay(OutputChunk.STDOUT, stdout, stdoutOffset, sink);
            replay(OutputChunk.STDERR, stderr, stderrOffset, sink);
            if (finishedAt != null) {
                sink.accept(new OutputChunk(OutputChunk.STATUS, 0, new byte[0], exitCode));
                return () -> { };
            }
            followers.add(sink);
        }
        return () -> {
            synchronized (lock) {
                followers.remove(sink);
            }
        };
    }

    private static void replay(int stream, ByteArrayOutputStream buffer, long from, Consumer<OutputChunk> sink) {
        byte[] all = buffer.toByteArray();
        if (from < all.length) {
            sink.accept(new OutputChunk(stream, from, Arrays.copyOfRange(all, (int) from, all.length), 0));
        }
    }
}
