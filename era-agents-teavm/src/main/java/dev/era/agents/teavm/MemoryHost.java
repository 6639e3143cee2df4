package dev.era.agents.teavm;

import dev.era.agent.Agent;
import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A single-threaded in-memory agent host with the same tick semantics as the Local backend: a
 * tick's changes are buffered and applied only when it returns, then its outputs leave. Every
 * tick starts cold from the stored bytes, as after hibernation, so the state codec runs both
 * ways on every tick. This is the seed of the Browser backend (IndexedDB instead of maps, a Web
 * Worker instead of a loop); it compiles with TeaVM because it uses nothing TeaVM lacks.
 */
final class MemoryHost {
    /** What the store keeps of one agent. */
    static final class Stored {
        byte[] state;
        final TreeMap<String, byte[]> kv = new TreeMap<>();
        final Map<String, AlarmInfo> alarms = new HashMap<>();
    }

    private record Queued(AgentRef to, Trigger trigger) {
    }

    private final Map<String, Supplier<? extends Agent<?>>> types = new HashMap<>();
    final Map<AgentRef, Stored> store = new HashMap<>();
    /** Open connections per agent, with their attachments, in connection order. */
    final Map<AgentRef, LinkedHashMap<String, String>> connections = new HashMap<>();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private final Consumer<String> out;
    long nowMs;

    MemoryHost(long nowMs, Consumer<String> out) {
        this.nowMs = nowMs;
        this.out = out;
    }

    MemoryHost register(String type, Supplier<? extends Agent<?>> factory) {
        types.put(type, factory);
        return this;
    }

    /** Runs the trigger's tick, then every message it sent, as the runtime would after the commit. */
    TickResult deliver(AgentRef to, Trigger trigger) {
        TickResult result = tick(to, trigger);
        while (!queue.isEmpty()) {
            Queued q = queue.poll();
            tick(q.to(), q.trigger());
        }
        return result;
    }

    TickResult connect(AgentRef to, String connectionId, Map<String, String> params) {
        connections.computeIfAbsent(to, k -> new LinkedHashMap<>()).put(connectionId, "");
        TickResult r = deliver(to, new Trigger.Connect(connectionId, params));
        if (!r.succeeded()) {
            connections.get(to).remove(connectionId);
        }
        return r;
    }

    /** Moves time and fires the alarms that fell due, soonest first, each consumed by its tick. */
    void advance(long ms) {
        nowMs += ms;
        while (true) {
            AgentRef dueAgent = null;
            AlarmInfo due = null;
            for (Map.Entry<AgentRef, Stored> e : store.entrySet()) {
                for (AlarmInfo a : e.getValue().alarms.values()) {
                    if (a.due().toEpochMilli() <= nowMs && (due == null || a.due().isBefore(due.due()))) {
                        dueAgent = e.getKey();
                        due = a;
                    }
                }
            }
            if (due == null) {
                return;
            }
            deliver(dueAgent, new Trigger.Alarm(due.name(), due.due(), due.data()));
            AlarmInfo still = store.get(dueAgent).alarms.get(due.name());
            if (still != null && still.due().equals(due.due())) {
                store.get(dueAgent).alarms.remove(due.name()); // a failed tick would otherwise loop here
            }
        }
    }

    @SuppressWarnings("unchecked")
    private TickResult tick(AgentRef ref, Trigger trigger) {
        Supplier<? extends Agent<?>> factory = types.get(ref.type());
        if (factory == null) {
            return TickResult.status(404, "no agent type " + ref.type());
        }
        Stored stored = store.computeIfAbsent(ref, k -> new Stored());
        Agent<Object> agent = (Agent<Object>) factory.get();
        Object state = stored.state == null ? agent.initialState() : agent.stateCodec().decode(stored.state);
        MemoryTick tick = new MemoryTick(this, ref, stored, state, nowMs);
        TickResult result;
        try {
            result = agent.onTrigger(tick, trigger);
        } catch (RuntimeException e) {
            out.accept("rolled back " + ref + ": " + e.getMessage()); // nothing buffered is applied
            return TickResult.status(500, String.valueOf(e.getMessage()));
        }
        tick.commit(agent.stateCodec());
        return result;
    }

    void enqueue(AgentRef to, Trigger trigger) {
        queue.add(new Queued(to, trigger));
    }

    void frame(String connectionId, String text) {
        out.accept("frame " + connectionId + " " + text);
    }

    void log(AgentRef ref, String message) {
        out.accept("log " + ref + " " + message);
    }

    Optional<Stored> stored(AgentRef ref) {
        return Optional.ofNullable(store.get(ref));
    }

    List<String> connectionIds(AgentRef ref) {
        LinkedHashMap<String, String> c = connections.get(ref);
        return c == null ? List.of() : new ArrayList<>(c.keySet());
    }
}
