package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.Exec;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;
import dev.era.api.NotFoundException;
import dev.era.api.RuntimePlugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Commands in sandboxes, through the engine's {@link Exec}: started, pumped into their
 * {@link ExecutionRun}, timed out by the injected scheduler, and followed, awaited, killed or fed.
 */
final class Executions {
    private static final Duration MAX_WAIT = Duration.ofHours(24);
    /** How long output may still arrive after the command's exit (a pipe held by a background child). */
    private static final long DRAIN_MILLIS = 1000;
    private final Sandboxes sandboxes;

    Executions(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    Execution execSync(SandboxEntry e, ExecRequest r) {
        Duration timeout = r.timeout().isZero() ? sandboxes.config.defaultExecTimeout() : r.timeout();
        ExecutionRun run = begin(e, r, timeout);
        try {
            // the scheduled kill ends the command at its timeout; the extra wait only guards against
            // an engine that never reports the end of a killed command (frozen work)
            return run.done.get(timeout.toMillis() + 30_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException ex) {
            return run.view();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            run.killQuietly();
            return run.view();
        }
    }

    Execution execAsync(SandboxEntry e, ExecRequest r) {
        return begin(e, r, r.timeout()).view();
    }

    ExecutionRun run(SandboxEntry e, String executionId) {
        return e.run(executionId).orElseThrow(() -> new NotFoundException("sandbox " + e.id() + " has no execution '"
                + SpecCodec.clip(executionId) + "'; records are kept for the last " + sandboxes.config.executionsPerSandbox()
                + " commands and do not survive a daemon restart", Map.of("execution", SpecCodec.clip(executionId))));
    }

    List<Execution> list(SandboxEntry e) {
        return e.runs().stream().map(ExecutionRun::view).toList();
    }

    Execution await(SandboxEntry e, String executionId, Duration timeout) {
        ExecutionRun run = run(e, executionId);
        if (timeout.isNegative() || timeout.compareTo(MAX_WAIT) > 0) {
            throw new BadRequestException("timeout must be between 0 and 24h, got " + timeout);
        }
        if (run.finished() || timeout.isZero()) {
            return run.view();
        }
        CompletableFuture<Object> timer = new CompletableFuture<>();
        Scheduler.Cancellable c = sandboxes.scheduler.schedule(timeout, () -> timer.complete(null));
        try {
            CompletableFuture.anyOf(run.done, timer).get();
        } catch (ExecutionException ex) {
            // the view says what happened
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            c.cancel();
        }
        return run.view();
    }

    Execution kill(SandboxEntry e, String executionId) {
        ExecutionRun run = run(e, executionId);
        if (run.kill(ExecutionRun.KILLED)) {
            try {
                run.done.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException ex) {
                // still ending (frozen work takes SIGKILL when thawed); the view says running
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        return run.view();
    }

    void stdin(SandboxEntry e, String executionId, byte[] data, boolean close) {
        sandboxes.touch(e);
        run(e, executionId).stdin(data, close);
    }

    Subscription follow(SandboxEntry e, String executionId, long stdoutFrom, long stderrFrom,
                        Consumer<OutputChunk> sink) {
        if (stdoutFrom < 0 || stderrFrom < 0) {
            throw new BadRequestException("offsets must not be negative");
        }
        return run(e, executionId).follow(stdoutFrom, stderrFrom, sink);
    }

    Interactive interactive(SandboxEntry e, ExecRequest r) {
        ShellCommand.validate(r, false);
        if (!r.shell().isEmpty()) {
            throw new BadRequestException("named shells are for exec; an interactive session is a shell of its own");
        }
        String shell = sandboxes.config.shell();
        List<String> argv = r.command().isEmpty() ? List.of(shell, "-l") : ShellCommand.argv(r, shell);
        Deployment d = sandboxes.ensureRunning(e);
        sandboxes.touch(e);
        ExecProcess p = exec(e.record()).exec(d.handle(), spec(e.record(), r, argv));
        ExecutionRun run = new ExecutionRun(newId(), e.id(), r.command().isEmpty() ? shell + " -l"
                : ShellCommand.display(r.command()), "", sandboxes.clock, 0, 1);
        run.attach(p);
        e.add(run, sandboxes.config.executionsPerSandbox());
        p.exitCode().whenComplete((code, ex) -> {
            sandboxes.touch(e);
            run.finish(code == null ? -1 : code);
        });
        return new Session(run.id, p);
    }

    // ---- starting -----------------------------------------------------------------------------

    private ExecutionRun begin(SandboxEntry e, ExecRequest r, Duration timeout) {
        ShellCommand.validate(r, true);
        Deployment d = sandboxes.ensureRunning(e);
        sandboxes.touch(e);
        Exec exec = exec(e.record());
        SandboxConfig config = sandboxes.config;
        long keep = Math.min(r.maxOutputBytes() == 0 ? ExecRequest.DEFAULT_MAX_OUTPUT : r.maxOutputBytes(),
                config.maxOutputBytes());
        ExecutionRun run = new ExecutionRun(newId(), e.id(), ShellCommand.display(r.command()), r.shell(),
                sandboxes.clock, keep, config.outputWindowBytes());
        ExecSpec spec = spec(e.record(), r, ShellCommand.argv(r, config.shell()));
        if (r.shell().isEmpty()) {
            start(e, run, exec.exec(d.handle(), spec), () -> { });
        } else {
            Semaphore shell = e.shells.computeIfAbsent(r.shell(), k -> new Semaphore(1, true));
            if (shell.tryAcquire()) {
                ExecProcess p;
                try {
                    p = exec.exec(d.handle(), spec);
                } catch (RuntimeException ex) {
                    shell.release();
                    throw ex;
                }
                start(e, run, p, shell::release);
            } else {
                e.add(run, config.executionsPerSandbox());
                Thread.ofVirtual().name("era-shell-" + r.shell()).start(() -> startQueued(e, run, exec, spec, shell));
            }
        }
        if (!timeout.isZero()) {
            Scheduler.Cancellable timer = sandboxes.scheduler.schedule(timeout, () -> run.kill(ExecutionRun.TIMED_OUT));
            run.done.whenComplete((x, t) -> timer.cancel());
        }
        return run;
    }

    /** A named-shell command whose shell was busy: it starts when the previous command has ended. */
    private void startQueued(SandboxEntry e, ExecutionRun run, Exec exec, ExecSpec spec, Semaphore shell) {
        shell.acquireUninterruptibly();
        if (run.cancelled() || e.removed()) {
            shell.release();
            return;
        }
        try {
            Deployment d = sandboxes.ensureRunning(e);
            start(e, run, exec.exec(d.handle(), spec), shell::release);
        } catch (RuntimeException ex) {
            shell.release();
            run.failed("could not start: " + ex.getMessage());
        }
    }

    private void start(SandboxEntry e, ExecutionRun run, ExecProcess p, Runnable after) {
        if (!run.attach(p)) {
            p.close();
            after.run();
            return;
        }
        e.add(run, sandboxes.config.executionsPerSandbox());
        Thread out = pump(run, p.stdout(), OutputChunk.STDOUT);
        Thread err = pump(run, p.stderr(), OutputChunk.STDERR);
        p.exitCode().whenComplete((code, ex) -> Thread.ofVirtual().name("era-exec-end").start(() -> {
            drain(out, err, p);
            sandboxes.touch(e); // before the result is seen: the end of a command is activity
            after.run();
            run.finish(code == null ? -1 : code);
        }));
    }

    private static Thread pump(ExecutionRun run, InputStream in, int stream) {
        return Thread.ofVirtual().name("era-exec-pump").start(() -> {
            byte[] buf = new byte[64 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n > 0) {
                        run.output(stream, Arrays.copyOf(buf, n));
                    }
                }
            } catch (IOException closed) {
                // the process ended and its streams were closed under the reader
            }
        });
    }

    /** Lets the pumps read what the command wrote before it ended, then frees its streams. */
    private static void drain(Thread out, Thread err, ExecProcess p) {
        try {
            out.join(DRAIN_MILLIS);
            err.join(DRAIN_MILLIS);
            p.close();
            out.join(DRAIN_MILLIS);
            err.join(DRAIN_MILLIS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private Exec exec(SandboxRecord r) {
        RuntimePlugin engine = sandboxes.engine(r);
        if (!(engine instanceof Exec x)) {
            throw new BadRequestException("engine '" + r.engine() + "' cannot run commands in its sandboxes (it has no "
                    + "EXEC capability); create the sandbox on an engine that can, such as process",
                    Map.of("engine", r.engine()));
        }
        return x;
    }

    /** The sandbox's environment under the request's; a relative working directory is under /workspace. */
    private static ExecSpec spec(SandboxRecord rec, ExecRequest r, List<String> argv) {
        Map<String, String> env = new HashMap<>(rec.env());
        env.putAll(r.env());
        String dir = r.workingDir().isEmpty() || r.workingDir().startsWith("/") ? r.workingDir()
                : "/workspace/" + r.workingDir();
        return new ExecSpec(argv, env, dir, r.tty(), r.rows(), r.cols());
    }

    static String newId() {
        return "ex-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
    }

    /** An interactive command: the engine's process with its raw streams. */
    private record Session(String executionId, ExecProcess process) implements Interactive {
        @Override
        public OutputStream stdin() {
            return process.stdin();
        }

        @Override
        public InputStream stdout() {
            return process.stdout();
        }

        @Override
        public InputStream stderr() {
            return process.stderr();
        }

        @Override
        public void resize(int rows, int cols) {
            process.resize(rows, cols);
        }

        @Override
        public void signal(int signal) {
            process.signal(signal);
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return process.exitCode();
        }

        @Override
        public void close() {
            process.close();
        }
    }
}
