package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A sandbox as the daemon reports it.
 *
 * @param state       {@code PROVISIONING}, {@code RUNNING}, {@code SUSPENDING}, {@code SUSPENDED}, {@code RESUMING},
 *                    {@code FAILED} or {@code DELETED}
 * @param cpu         cores, 0 for no limit
 * @param memoryBytes 0 for no limit
 * @param pids        0 for no limit
 * @param idleTimeout suspended after this long without activity; zero is never
 * @param json        the daemon's JSON, for tools that pass it on unchanged
 */
public record Sandbox(String id, String name, String tenant, String state, String engine, String image, double cpu,
                      long memoryBytes, int pids, String network, Map<String, String> env, Map<String, String> labels,
                      Duration idleTimeout, String fromSnapshot, String message, Instant createdAt,
                      Instant lastActivity, JsonNode json) {
    public Sandbox {
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
    }

    public boolean running() {
        return state.equals("RUNNING");
    }
}
