package dev.era.testing;

import dev.era.api.EngineHandle;
import dev.era.api.Exec;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An exec on a terminal, driven like a person at a keyboard:
 * {@code term.type("echo $((6*7))\r"); term.await("42", timeout)}. What the terminal shows is
 * collected by a reader thread; {@link #await} looks only at output after the previous match, so a
 * test reads as a conversation.
 */
public final class Terminal implements AutoCloseable {
    private final ExecProcess process;
    private final StringBuilder screen = new StringBuilder(); // guarded by this
    private int mark; // guarded by this: where the next await starts looking
    private boolean ended; // guarded by this

    private Terminal(ExecProcess process) {
        this.process = process;
        Thread.ofVirtual().name("terminal-reader").start(this::read);
    }

    /** Runs {@code command} on a new terminal of {@code rows} x {@code cols} in the work. */
    public static Terminal open(Exec exec, EngineHandle handle, int rows, int cols, String... command) {
        return new Terminal(exec.exec(handle, new ExecSpec(List.of(command), Map.of(), "", true, rows, cols)));
    }

    public ExecProcess process() {
        return process;
    }

    /** Sends keystrokes ({@code \r} is Enter, {@code \u0003} is Ctrl-C). */
    public void type(String keys) {
        try {
            process.stdin().write(keys.getBytes(StandardCharsets.UTF_8));
            process.stdin().flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the terminal no longer takes input; output so far: " + output(), e);
        }
    }

    /**
     * Waits until {@code text} appears after the previous match and returns the output up to and
     * including it; fails with an {@link AssertionError} showing the output when it does not come.
     */
    public synchronized String await(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int at = screen.indexOf(text, mark);
            if (at >= 0) {
                String seen = screen.substring(mark, at + text.length());
                mark = at + text.length();
                return seen;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || ended) {
                throw new AssertionError("'" + text + "' did not appear on the terminal within " + timeout.toMillis()
                        + " ms" + (ended ? " (the terminal closed)" : "") + "; it shows: " + screen.substring(mark));
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for '" + text + "'", e);
            }
        }
    }

    /** Everything the terminal has shown. */
    public synchronized String output() {
        return screen.toString();
    }

    public void resize(int rows, int cols) {
        process.resize(rows, cols);
    }

    private void read() {
        byte[] buffer = new byte[4096];
        try (InputStream in = process.stdout()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                String chunk = new String(buffer, 0, n, StandardCharsets.UTF_8);
                synchronized (this) {
                    screen.append(chunk);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // closed: the output ends here
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
