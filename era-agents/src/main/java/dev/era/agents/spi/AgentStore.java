package dev.era.agents.spi;

import dev.era.agent.AgentRef;
import dev.era.agent.KvEntry;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Durable storage of agents: state, KV, alarms, the outbox of agent-to-agent messages and dead
 * letters. The runtime guarantees that at most one tick per agent is in progress in this
 * process, and calls {@link #commit} for an agent only after its previous commit completed.
 * <p>
 * Contract every implementation keeps (the conformance tests in era-agents check it):
 * <ul>
 * <li>{@link #commit} applies a {@link TickWrite} entirely or not at all, and completes its future
 *     only after the write is durable (survives {@code kill -9}); futures complete in commit order,
 *     never on a thread that callers' follow-up work could stall (the writer's).</li>
 * <li>A read started after a commit's future completed sees that commit.</li>
 * <li>A store shared by several processes (the Server backend) gives {@link Snapshot#fence()} from
 *     an ownership lease and fails a commit whose {@link TickWrite#fence()} is stale; the runtime
 *     then drops the agent from memory and reloads it before any further tick.</li>
 * </ul>
 * Methods other than {@link #commit} block; the runtime calls them from tick threads.
 */
public interface AgentStore extends AutoCloseable {
    /** What a waking agent needs: its state (empty if it never committed one), alarms and fence. */
    Snapshot load(AgentRef agent);

    /**
     * The agent as stored, for admin views: unlike {@link #load} it needs no ownership (a shared
     * store's {@link #load} refuses agents this process does not own) and its fence means nothing.
     */
    default Snapshot read(AgentRef agent) {
        return load(agent);
    }

    Optional<byte[]> kvGet(AgentRef agent, String key);

    /** KV entries whose key starts with {@code prefix}, ordered by key (code point order), at most {@code limit}. */
    List<KvEntry> kvList(AgentRef agent, String prefix, int limit);

    /** Group-commits one tick's changes; see the contract above. */
    CompletableFuture<Committed> commit(TickWrite write);

    /** Alarms of every agent due in {@code [from, until)}, soonest first. */
    List<DueAlarm> alarmsDue(Instant from, Instant until);

    /** Agent-to-agent messages not yet consumed, oldest first, with {@code seq > afterSeq}. */
    List<OutboxMessage> outbox(long afterSeq, int limit);

    /** Dead letters, newest first, with {@code seq < beforeSeq}; of one agent when {@code agent} is given. */
    List<DeadLetter> deadLetters(Optional<AgentRef> agent, long beforeSeq, int limit);

    /** Removes a dead letter; returns whether it existed. */
    boolean discardDeadLetter(long seq);

    /** Ids of the stored agents of {@code type}, in order, with {@code id > afterId}. */
    List<String> agentIds(String type, String afterId, int limit);

    /** Counts for admin views. */
    StoreStats stats();

    /**
     * Called once by the runtime when it starts, before it reads the outbox and the alarms. A store
     * shared by several processes keeps {@code host} to report ownership changes; others ignore it.
     */
    default void attach(AgentHost host) {
    }

    /** Commits what is queued, then releases the store. */
    @Override
    void close();
}
