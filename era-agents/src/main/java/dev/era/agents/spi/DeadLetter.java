package dev.era.agents.spi;

import dev.era.agent.AgentRef;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A trigger the runtime gave up on after its retries: what it was, why it failed and when.
 *
 * @param trigger the trigger's kind ({@code message}, {@code alarm}, {@code request}, {@code connect},
 *                {@code socket-message}, {@code disconnect})
 * @param payload the message data, request body or frame; for an alarm, its name
 */
public record DeadLetter(long seq, AgentRef agent, String trigger, byte[] payload, String error, int attempts,
                         Instant failedAt) {
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
