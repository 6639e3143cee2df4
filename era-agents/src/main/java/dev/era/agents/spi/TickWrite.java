package dev.era.agents.spi;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one tick changes, committed atomically.
 *
 * @param state             the new encoded state; empty to leave it as it is
 * @param kvPuts            keys to set
 * @param kvDeletes         keys to remove (disjoint from {@code kvPuts})
 * @param alarmPuts         alarms to insert or replace, by name
 * @param alarmDeletes      alarm names to remove (disjoint from {@code alarmPuts})
 * @param sends             messages to other agents, to store in the outbox; {@link Committed#outboxSeqs()} numbers them in order
 * @param consumedOutboxSeq the outbox message this tick handled, removed in the same commit; 0 when none
 * @param deadLetter        a trigger given up on, recorded in the same commit; empty normally
 */
public record TickWrite(AgentRef agent, long fence, Optional<byte[]> state, Map<String, byte[]> kvPuts,
                        Set<String> kvDeletes, List<AlarmInfo> alarmPuts, Set<String> alarmDeletes,
                        List<Outgoing> sends, long consumedOutboxSeq, Optional<NewDeadLetter> deadLetter) {
    public TickWrite {
        kvPuts = Map.copyOf(kvPuts);
        kvDeletes = Set.copyOf(kvDeletes);
        alarmPuts = List.copyOf(alarmPuts);
        alarmDeletes = Set.copyOf(alarmDeletes);
        sends = List.copyOf(sends);
    }

    /** A message from one agent to another. */
    public record Outgoing(AgentRef to, AgentRef from, byte[] data) {
    }

    /** A trigger that failed on every attempt. */
    public record NewDeadLetter(String trigger, byte[] payload, String error, int attempts) {
    }
}
