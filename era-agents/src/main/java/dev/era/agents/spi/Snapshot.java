package dev.era.agents.spi;

import dev.era.agent.AlarmInfo;

import java.util.List;
import java.util.Optional;

/**
 * An agent as stored.
 *
 * @param state  the encoded state, empty when the agent never committed
 * @param alarms its alarms, soonest first
 * @param fence  the ownership epoch to give back in every {@link TickWrite}; 0 for a store owned by one process
 */
public record Snapshot(Optional<byte[]> state, List<AlarmInfo> alarms, long fence) {
    public Snapshot {
        alarms = List.copyOf(alarms);
    }
}
