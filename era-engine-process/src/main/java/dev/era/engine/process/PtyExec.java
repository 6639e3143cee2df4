package dev.era.engine.process;

import dev.era.api.ExecProcess;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A command exec'd into a sandbox on a terminal (see {@link SandboxExec} and {@link Pty}): its
 * stdin, stdout and stderr are the slave, which is the controlling terminal of the exec's session,
 * and it is the terminal's foreground job, so ^C, job control and SIGWINCH work as in a terminal
 * emulator.
 */
final class PtyExec implements ExecProcess {
    private static final int SIGKILL = 9;

    private final Process process;
    private final Pty pty;
    private final CompletableFuture<Integer> exit;

    private PtyExec(Process process, Pty pty) {
        this.process = process;
        this.pty = pty;
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    static PtyExec start(ProcessBuilder pb, WorkRef ref, SandboxHost host, int rows, int cols) throws IOException {
        Pty pty = Pty.open(ref.initPid(), ref.initTicks(), host.hostUid(), host.hostGid(), rows, cols);
        try {
            File slave = pty.slave().toFile();
            Process process = pb.redirectInput(ProcessBuilder.Redirect.from(slave))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(slave))
                    .redirectError(ProcessBuilder.Redirect.appendTo(slave))
                    .start();
            pty.start(); // the child holds the slave from here on
            return new PtyExec(process, pty);
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    @Override
    public long pid() {
        return PipeExec.awaitCommandPid(process);
    }

    @Override
    public OutputStream stdin() {
        return pty.input();
    }

    @Override
    public InputStream stdout() {
        return pty.output();
    }

    @Override
    public InputStream stderr() {
        return InputStream.nullInputStream();
    }

    @Override
    public void resize(int rows, int cols) {
        pty.resize(rows, cols);
    }

    /** Waits for the applier to fork the command first: a signal sent before that would find no one to reach. */
    @Override
    public void signal(int signal) {
        PipeExec.awaitCommandPid(process);
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
        pty.close();
    }
}
