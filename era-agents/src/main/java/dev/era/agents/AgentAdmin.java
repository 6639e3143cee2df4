package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.ConnectionInfo;
import dev.era.agent.KvEntry;
import dev.era.agents.spi.DeadLetter;

import java.util.List;
import java.util.Optional;

/**
 * What operators (and the HTTP admin routes, and tests) see of agents: always the committed
 * truth from the store, plus what is in memory now. Reads do not wake agents.
 */
public interface AgentAdmin {
    /** The agent as stored and as loaded; empty if it has neither state, alarms, connections nor an activation. */
    Optional<AgentView> agent(String type, String id);

    /** Ids of the stored agents of {@code type} after {@code afterId} ({@code ""} for the first page). */
    List<String> ids(String type, String afterId, int limit);

    List<KvEntry> kv(String type, String id, String prefix, int limit);

    List<AlarmInfo> alarms(String type, String id);

    List<ConnectionInfo> connections(String type, String id);

    /** Dead letters, newest first, of one agent or (with {@code agent} empty) of all. */
    List<DeadLetter> deadLetters(Optional<AgentRef> agent, int limit);

    /** Removes a dead letter once handled; returns whether it existed. */
    boolean discardDeadLetter(long seq);

    RuntimeStats stats();
}
