package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A command run in a sandbox.
 *
 * @param status   {@code running}, {@code completed}, {@code killed}, {@code timed_out} or {@code failed} (could not start)
 * @param exitCode -1 while running
 * @param stdout   the output kept (at most the request's {@code maxOutputBytes}); {@code truncated}
 *                 says that more was produced
 * @param finishedAt {@link Instant#EPOCH} while running
 * @param json     the daemon's JSON, for tools that pass it on unchanged
 */
public record Execution(String executionId, String sandboxId, String command, String shell, String status,
                        int exitCode, String stdout, String stderr, boolean truncated, Instant startedAt,
                        Instant finishedAt, JsonNode json) {
    public boolean finished() {
        return !status.equals("running");
    }
}
