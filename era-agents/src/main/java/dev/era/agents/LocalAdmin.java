package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.ConnectionInfo;
import dev.era.agent.KvEntry;
import dev.era.agents.spi.DeadLetter;
import dev.era.agents.spi.Snapshot;
import dev.era.agents.spi.StoreStats;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link AgentAdmin} over the store (the committed truth) and the registry (what is in memory). */
final class LocalAdmin implements AgentAdmin {
    private final LocalAgentRuntime rt;

    LocalAdmin(LocalAgentRuntime rt) {
        this.rt = rt;
    }

    @Override
    public Optional<AgentView> agent(String type, String id) {
        AgentRef ref = ref(type, id);
        Snapshot snap = rt.store.read(ref);
        Activation act = rt.activation(ref);
        int connections = rt.sockets.of(ref).size();
        if (snap.state().isEmpty() && snap.alarms().isEmpty() && act == null && connections == 0) {
            return Optional.empty();
        }
        return Optional.of(new AgentView(ref, snap.state(), snap.alarms(), act != null && act.loaded(),
                act == null ? 0 : act.mailbox.queued(), connections));
    }

    @Override
    public List<String> ids(String type, String afterId, int limit) {
        return rt.store.agentIds(type, afterId, limit);
    }

    @Override
    public List<KvEntry> kv(String type, String id, String prefix, int limit) {
        return rt.store.kvList(ref(type, id), prefix, limit);
    }

    @Override
    public List<AlarmInfo> alarms(String type, String id) {
        return rt.store.read(ref(type, id)).alarms();
    }

    @Override
    public List<ConnectionInfo> connections(String type, String id) {
        return rt.sockets.of(ref(type, id)).stream().map(s -> new ConnectionInfo(s.id(), s.attachment())).toList();
    }

    @Override
    public List<DeadLetter> deadLetters(Optional<AgentRef> agent, int limit) {
        return rt.store.deadLetters(agent, Long.MAX_VALUE, limit);
    }

    @Override
    public boolean discardDeadLetter(long seq) {
        return rt.store.discardDeadLetter(seq);
    }

    @Override
    public RuntimeStats stats() {
        StoreStats s = rt.store.stats();
        TickRunner r = rt.runner;
        return new RuntimeStats(rt.activations().size(), r.loaded.get(), rt.sockets.count(), r.ticks.sum(), r.wakes.sum(),
                r.failures.sum(), r.retries.sum(), r.deadLettered.sum(), s.commits(), s.writes(), rt.alarms.queued());
    }

    private static AgentRef ref(String type, String id) {
        try {
            return AgentRef.of(type, id);
        } catch (IllegalArgumentException e) {
            throw new AgentRuntimeException.InvalidRequest(e.getMessage(), Map.of(), e);
        }
    }
}
