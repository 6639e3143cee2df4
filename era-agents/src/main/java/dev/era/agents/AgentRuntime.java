package dev.era.agents;

import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A running agent runtime, made by {@link EraAgents}. Thread-safe. Every call returns at once;
 * the future completes when the tick's changes are committed (never before: the output gate),
 * or exceptionally with an {@link AgentRuntimeException}.
 * <p>
 * Delivery: triggers from one caller thread reach an agent in call order, and each agent handles
 * one at a time. When the agent is idle, {@code send} and {@code request} run its tick on the
 * calling thread (no hand-off, so a warm tick costs microseconds) and return once the tick has
 * run; a tick that must commit still completes its future later, after the commit. Do not call
 * them from a thread that must never run agent code. A call whose future has not completed when the process dies may or may not have
 * taken effect; one whose future completed has.
 */
public interface AgentRuntime extends AutoCloseable {
    /** Sends a {@link Trigger.Message}; the future holds the agent's reply. */
    CompletableFuture<TickResult> send(String type, String id, byte[] message);

    default CompletableFuture<TickResult> send(String type, String id, String message) {
        return send(type, id, message.getBytes(StandardCharsets.UTF_8));
    }

    /** Delivers an HTTP request to the agent; the reply's status and body are the response. */
    CompletableFuture<TickResult> request(String type, String id, Trigger.Request request);

    /**
     * Opens a connection (a WebSocket) to an agent. The future completes when the agent's
     * {@link Trigger.Connect} tick committed and accepted it, or fails with
     * {@link AgentRuntimeException.ConnectionRefused} when the agent answered 400 or more.
     *
     * @param sink where the agent's frames and the close go, after each tick's commit
     */
    CompletableFuture<AgentSocket> connect(String type, String id, Map<String, String> params, SocketSink sink);

    /** Read-only views for operators and tests: stored state, KV, alarms, dead letters, counters. */
    AgentAdmin admin();

    /** The registered agent types. */
    Set<String> types();

    /**
     * Stops taking triggers, lets ticks in progress commit (waiting a bounded time), fails what is
     * still queued with {@link AgentRuntimeException.Closed}, closes the connections and the store.
     * Alarms and agent messages not yet handled stay in the store for the next start.
     */
    @Override
    void close();
}
