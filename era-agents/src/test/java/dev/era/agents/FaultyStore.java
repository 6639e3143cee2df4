package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.KvEntry;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.DeadLetter;
import dev.era.agents.spi.DueAlarm;
import dev.era.agents.spi.OutboxMessage;
import dev.era.agents.spi.Snapshot;
import dev.era.agents.spi.StoreStats;
import dev.era.agents.spi.TickWrite;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A real SQLite store whose commits of tick writes (not dead letters) can be made to fail, as a full disk would. */
final class FaultyStore implements AgentStore {
    private final AgentStore delegate;
    /** Tick commits still to fail; each failure takes one. */
    final AtomicInteger failCommits = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();

    FaultyStore(AgentStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Committed> commit(TickWrite write) {
        if (write.deadLetter().isEmpty() && failCommits.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failed.incrementAndGet();
            // Fail after a real commit of something else, as a commit that fails at COMMIT would.
            return CompletableFuture.failedFuture(new AgentRuntimeException.StoreFailed(
                    "disk full (injected) for the tick of " + write.agent(), Map.of(), null));
        }
        return delegate.commit(write);
    }

    @Override
    public Snapshot load(AgentRef agent) {
        return delegate.load(agent);
    }

    @Override
    public Optional<byte[]> kvGet(AgentRef agent, String key) {
        return delegate.kvGet(agent, key);
    }

    @Override
    public List<KvEntry> kvList(AgentRef agent, String prefix, int limit) {
        return delegate.kvList(agent, prefix, limit);
    }

    @Override
    public List<DueAlarm> alarmsDue(Instant from, Instant until) {
        return delegate.alarmsDue(from, until);
    }

    @Override
    public List<OutboxMessage> outbox(long afterSeq, int limit) {
        return delegate.outbox(afterSeq, limit);
    }

    @Override
    public List<DeadLetter> deadLetters(Optional<AgentRef> agent, long beforeSeq, int limit) {
        return delegate.deadLetters(agent, beforeSeq, limit);
    }

    @Override
    public boolean discardDeadLetter(long seq) {
        return delegate.discardDeadLetter(seq);
    }

    @Override
    public List<String> agentIds(String type, String afterId, int limit) {
        return delegate.agentIds(type, afterId, limit);
    }

    @Override
    public StoreStats stats() {
        return delegate.stats();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
