package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of the daemon's event log.
 *
 * @param deployment the deployment id, or empty for daemon-wide events
 * @param name       the deployment name, or empty
 * @param state      the deployment's state after the event, or empty
 * @param json       the daemon's JSON, for tools that pass it on unchanged
 */
public record Event(long seq, Instant at, String tenant, String deployment, String name, String type, String state,
                    String message, Map<String, String> details, JsonNode json) {
    public Event {
        details = Map.copyOf(details);
    }
}
