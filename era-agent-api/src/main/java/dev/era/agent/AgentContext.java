package dev.era.agent;

import java.time.Instant;

/**
 * What a tick may do. Valid only during the tick that received it: keep no reference to it.
 * <p>
 * Every change made through the context (state, KV, alarms, messages, connection sends and
 * attachments) is buffered and takes effect only when the tick returns normally and commits,
 * all together. Reads see the tick's own earlier writes.
 *
 * @param <S> the agent's state type
 */
public interface AgentContext<S> {
    /** Which agent this is. */
    AgentRef self();

    default String id() {
        return self().id();
    }

    /** The state as of this tick: the last committed state, or the tick's own {@link #setState}. */
    S state();

    /** Replaces the state; saved when the tick commits. Required for any state change to last. */
    void setState(S state);

    /** The agent's own key-value store, for data too large or too many to keep in the state. */
    Kv kv();

    /** The agent's durable alarms. */
    Alarms alarms();

    /** The clients connected to this agent; they stay connected while it hibernates. */
    Connections connections();

    /**
     * Sends a message to another agent (or this one), delivered after this tick commits, at
     * least once and in order per sender. The receiver gets a {@link Trigger.Message} whose
     * sender is {@code self()}; its reply is discarded.
     */
    void send(AgentRef to, byte[] message);

    void send(AgentRef to, String message);

    /** Writes a line to the host's log, tagged with the agent. Logged at once, even if the tick later fails. */
    void log(String message);

    /**
     * The time, from the runtime's clock. Use this instead of {@code System.currentTimeMillis()}
     * so that tests can move time and every backend agrees.
     */
    Instant now();
}
