package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A deployment as the daemon reports it.
 *
 * @param state        the lifecycle state, such as {@code RUNNING} or {@code FAILED}
 * @param pid          host pid of the running work, 0 when none
 * @param lastExitCode exit code of the last exit, -1 when it never exited
 * @param spec         the spec in its canonical JSON form
 * @param json         the daemon's JSON for this deployment, for tools that pass it on unchanged
 */
public record Deployment(String id, String name, String tenant, String engine, int version, String state,
                         String health, long pid, int restarts, int lastExitCode, String message, Instant createdAt,
                         Instant updatedAt, JsonNode spec, JsonNode json) {
    public boolean running() {
        return state.equals("RUNNING");
    }

    public boolean failed() {
        return state.equals("FAILED");
    }

    /** RUNNING, STOPPED, FAILED or DELETED: nothing happens until someone asks. */
    public boolean settled() {
        return switch (state) {
            case "RUNNING", "STOPPED", "FAILED", "DELETED" -> true;
            default -> false;
        };
    }
}
