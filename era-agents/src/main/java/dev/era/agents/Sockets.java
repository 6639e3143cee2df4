package dev.era.agents;

import dev.era.agent.AgentRef;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Every open connection, by agent. Independent of activations, so hibernation leaves it alone. */
final class Sockets {
    private final ConcurrentHashMap<AgentRef, CopyOnWriteArrayList<LocalSocket>> byAgent = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    void add(LocalSocket s) {
        byAgent.computeIfAbsent(s.agent(), k -> new CopyOnWriteArrayList<>()).add(s);
        count.incrementAndGet();
    }

    void remove(LocalSocket s) {
        byAgent.computeIfPresent(s.agent(), (k, list) -> {
            if (list.remove(s)) {
                count.decrementAndGet();
            }
            return list.isEmpty() ? null : list;
        });
    }

    /** The agent's open connections, oldest first (a snapshot). */
    List<LocalSocket> of(AgentRef agent) {
        CopyOnWriteArrayList<LocalSocket> list = byAgent.get(agent);
        return list == null ? List.of() : List.copyOf(list);
    }

    int count() {
        return count.get();
    }

    List<LocalSocket> all() {
        return byAgent.values().stream().flatMap(List::stream).toList();
    }
}
