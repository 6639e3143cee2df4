package dev.era.client;

import java.util.Objects;

/**
 * How to start an interactive command over a WebSocket.
 *
 * @param command a command line for bash; empty for the sandbox's login shell
 * @param tty     run on a pseudo-terminal of {@code rows} x {@code cols} (stderr then comes on stdout)
 * @param shell   a named shell whose directory and environment the command shares, or empty
 */
public record AttachOptions(String command, boolean tty, int rows, int cols, String shell) {
    public AttachOptions {
        Objects.requireNonNull(command);
        Objects.requireNonNull(shell);
        if (rows < 1 || cols < 1 || rows > 0xffff || cols > 0xffff) {
            throw new IllegalArgumentException("a terminal needs 1 to 65535 rows and columns, not " + rows + "x" + cols);
        }
    }

    /** The sandbox's login shell on a terminal of the given size: what {@code era shell} opens. */
    public static AttachOptions terminal(int rows, int cols) {
        return new AttachOptions("", true, rows, cols, "");
    }

    /** A command with plain pipes: stdout and stderr apart, no terminal. */
    public static AttachOptions pipes(String command) {
        return new AttachOptions(command, false, 24, 80, "");
    }
}
