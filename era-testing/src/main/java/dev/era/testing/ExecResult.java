package dev.era.testing;

import dev.era.api.EngineHandle;
import dev.era.api.Exec;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a finished exec printed and returned, for tests: {@code ExecResult.run(engine, handle, timeout, "id", "-u")}.
 * stdout and stderr are read concurrently, as {@link ExecProcess} requires.
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
    /** Runs {@code command} with no input and the work's defaults. */
    public static ExecResult run(Exec exec, EngineHandle handle, Duration timeout, String... command) {
        return run(exec, handle, ExecSpec.of(command), "", timeout);
    }

    /**
     * Runs {@code spec}, writes {@code stdin} and closes it, and waits up to {@code timeout} for the exit and
     * the end of both streams; fails with an {@link AssertionError} that shows what came so far.
     */
    public static ExecResult run(Exec exec, EngineHandle handle, ExecSpec spec, String stdin, Duration timeout) {
        try (ExecProcess process = exec.exec(handle, spec)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread outReader = Thread.ofVirtual().start(() -> copy(process.stdout(), out));
            Thread errReader = Thread.ofVirtual().start(() -> copy(process.stderr(), err));
            try (OutputStream in = process.stdin()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the command exited without reading its input
            }
            int code;
            try {
                code = process.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!outReader.join(timeout) || !errReader.join(timeout)) {
                    throw new TimeoutException("streams still open");
                }
            } catch (TimeoutException e) {
                throw new AssertionError("exec " + spec.command() + " did not finish within " + timeout.toMillis() + " ms ("
                        + e.getMessage() + "); stdout so far: " + text(out) + "; stderr so far: " + text(err));
            }
            return new ExecResult(code, text(out), text(err));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for exec " + spec.command(), e);
        } catch (ExecutionException e) {
            throw new AssertionError("exec " + spec.command() + " failed", e.getCause());
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream to) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (to) {
                    to.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // closed by close(): what came so far is the output
        }
    }

    private static String text(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
