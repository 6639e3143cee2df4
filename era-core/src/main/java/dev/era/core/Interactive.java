package dev.era.core;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A live command for a streaming client (WebSocket, {@code era shell}): raw streams, resize and
 * signals. Closing it kills the command.
 */
public interface Interactive extends AutoCloseable {
    String executionId();

    OutputStream stdin();

    InputStream stdout();

    /** Empty on a TTY. */
    InputStream stderr();

    void resize(int rows, int cols);

    void signal(int signal);

    CompletableFuture<Integer> exitCode();

    @Override
    void close();
}
