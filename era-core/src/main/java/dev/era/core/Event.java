package dev.era.core;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of the event log, numbered by the store in commit order.
 *
 * @param seq        the sequence number (0 before the store assigned one)
 * @param deployment the deployment id, or empty for daemon-wide events
 * @param type       {@code transition}, {@code exit}, {@code restart}, {@code health}, {@code drift}, ...
 * @param state      the deployment's state after the event, or empty
 */
public record Event(long seq, Instant at, String tenant, String deployment, String name, String type,
                    String state, String message, Map<String, String> details) {
    public Event {
        details = Map.copyOf(details);
    }

    public Event withSeq(long n) {
        return new Event(n, at, tenant, deployment, name, type, state, message, details);
    }
}
