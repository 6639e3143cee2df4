package dev.era.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.StateCodec;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One agent id in memory: its mailbox and, while loaded, its instance, state and alarms. Kept
 * small on purpose (an idle active agent must cost well under 1 KB beyond its state): no queue
 * until something is queued, no alarm map until it has alarms, the handler is this object.
 * <p>
 * The fields without {@code volatile} belong to the agent's turn: only the thread running a
 * turn, or the hibernator after retiring the mailbox, touches them; the mailbox's lock orders
 * those accesses.
 */
final class Activation implements Mailbox.Handler<Envelope> {
    final AgentRef ref;
    final AgentType type;
    final Mailbox<Envelope> mailbox;
    private final TickRunner runner;

    Agent<Object> agent;
    StateCodec<Object> codec;
    Object state;
    /** Whether the store has a state row, so the first writing tick stores the state too. */
    boolean stored;
    Map<String, AlarmInfo> alarms = Map.of();
    long fence;
    volatile long lastUsedMs;
    /** The tick in progress, for the watchdog; null between ticks. */
    volatile Watchdog.Running running;

    Activation(AgentRef ref, AgentType type, Executor executor, TickRunner runner, long nowMs) {
        this.ref = ref;
        this.type = type;
        this.runner = runner;
        this.mailbox = new Mailbox<>(executor, this);
        this.lastUsedMs = nowMs;
    }

    boolean loaded() {
        return agent != null;
    }

    @Override
    public CompletableFuture<Void> handle(Envelope envelope) {
        return runner.turn(this, envelope);
    }
}
