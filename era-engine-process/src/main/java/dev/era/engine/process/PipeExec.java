package dev.era.engine.process;

import dev.era.api.ExecProcess;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/** A command exec'd into a sandbox with plain pipes for stdin, stdout and stderr (see {@link SandboxExec}). */
final class PipeExec implements ExecProcess {
    private static final long PID_WAIT_NANOS = 1_000_000_000L;
    private static final int SIGKILL = 9;

    private final Process process;
    private final CompletableFuture<Integer> exit;

    private PipeExec(Process process) {
        this.process = process;
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    static PipeExec start(ProcessBuilder pb) throws IOException {
        return new PipeExec(pb.start());
    }

    /** The command's host pid, once the applier has forked it (a few ms after the start); the applier's before. */
    @Override
    public long pid() {
        return awaitCommandPid(process);
    }

    static long awaitCommandPid(Process leader) {
        long deadline = System.nanoTime() + PID_WAIT_NANOS;
        long pid;
        while ((pid = SandboxExec.commandPid(leader.pid())) == 0 && leader.isAlive() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(200_000);
        }
        return pid == 0 ? leader.pid() : pid;
    }

    @Override
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    @Override
    public InputStream stdout() {
        return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return process.getErrorStream();
    }

    @Override
    public void resize(int rows, int cols) {
        // no terminal
    }

    /** Waits for the applier to fork the command first: a signal sent before that would find no one to reach. */
    @Override
    public void signal(int signal) {
        awaitCommandPid(process);
        SandboxExec.signal(process.pid(), signal);
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            SandboxExec.signal(process.pid(), SIGKILL);
            process.destroyForcibly();
        }
        closeQuietly(process.getOutputStream());
        closeQuietly(process.getInputStream());
        closeQuietly(process.getErrorStream());
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing to free the descriptor: nothing is lost
        }
    }
}
