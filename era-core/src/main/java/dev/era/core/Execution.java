package dev.era.core;

import java.time.Instant;

/**
 * One command run in a sandbox, as the API shows it. Output is kept up to the request's limit per
 * stream; {@code truncated} says that more was produced than kept.
 *
 * @param status   {@code running}, {@code completed} (exited on its own), {@code killed},
 *                 {@code timed_out} (killed at its timeout) or {@code failed} (could not start)
 * @param exitCode the exit code once finished (128 + n when killed by signal n), -1 while running
 */
public record Execution(String id, String sandboxId, String command, String shell, String status, int exitCode,
                        String stdout, String stderr, boolean truncated, Instant startedAt, Instant finishedAt) {
    public boolean finished() {
        return !status.equals("running");
    }
}
