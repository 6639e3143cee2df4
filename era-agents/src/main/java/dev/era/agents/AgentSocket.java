package dev.era.agents;

import dev.era.agent.AgentRef;

/**
 * A client's handle on its connection to an agent, returned by {@link AgentRuntime#connect}.
 * Frames sent here become {@link dev.era.agent.Trigger.SocketMessage} ticks, in order; the
 * connection survives the agent's hibernation (the next frame wakes it).
 */
public interface AgentSocket {
    String id();

    AgentRef agent();

    boolean isOpen();

    /**
     * Sends a text frame to the agent; returns without waiting for the tick.
     *
     * @throws AgentRuntimeException.Overloaded when the agent's mailbox is full
     * @throws AgentRuntimeException.Closed     when the connection or the runtime is closed
     */
    void send(String text);

    void send(byte[] data);

    /** The client closes the connection; the agent gets a {@link dev.era.agent.Trigger.Disconnect}. Idempotent. */
    void close(int code, String reason);
}
