package dev.era.agents.spi;

import dev.era.agent.AgentRef;

/** A committed agent-to-agent message waiting to be handled by its receiver. */
public record OutboxMessage(long seq, AgentRef to, AgentRef from, byte[] data) {
}
