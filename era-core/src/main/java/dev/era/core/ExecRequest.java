package dev.era.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A command to run in a sandbox.
 *
 * @param command        argv; a single string is run by {@code /bin/bash -lc} (so pipes and {@code cd} work)
 * @param shell          a named shell: commands with the same name share working directory and
 *                       exported environment, one after another; empty = a fresh shell
 * @param workingDir     empty = {@code /workspace} (or the named shell's current directory)
 * @param timeout        killed after this long; zero = no limit (sync exec: the daemon's default)
 * @param maxOutputBytes per stream, kept for the result; beyond it the output is truncated and flagged
 * @param tty            run on a pseudo-terminal ({@code rows} x {@code cols})
 */
public record ExecRequest(List<String> command, String shell, Map<String, String> env, String workingDir,
                          Duration timeout, long maxOutputBytes, boolean tty, int rows, int cols) {
    public static final long DEFAULT_MAX_OUTPUT = 1L << 20;

    public ExecRequest {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }

    public static ExecRequest of(String shellCommand) {
        return new ExecRequest(List.of(shellCommand), "", Map.of(), "", Duration.ZERO, DEFAULT_MAX_OUTPUT, false,
                24, 80);
    }
}
