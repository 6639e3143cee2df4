package dev.era.api;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A command running inside work, with live streams. Read stdout and stderr concurrently (or the
 * command blocks when a pipe fills). Closing kills the command if it still runs and frees its
 * resources; it is safe to call more than once.
 */
public interface ExecProcess extends AutoCloseable {
    /** Host pid of the command (0 where the engine has no host process for it). */
    long pid();

    OutputStream stdin();

    InputStream stdout();

    /** Empty for a command on a TTY (its errors come through the terminal). */
    InputStream stderr();

    /** Resizes the terminal (SIGWINCH reaches the foreground job); ignored without a TTY. */
    void resize(int rows, int cols);

    /** Sends {@code signal} (e.g. 2 for SIGINT, 9 for SIGKILL) to the command's process group. */
    void signal(int signal);

    /** Completes with the exit code (128 + n when killed by signal n). */
    CompletableFuture<Integer> exitCode();

    @Override
    void close();
}
