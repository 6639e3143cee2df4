package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * One agent as an operator sees it.
 *
 * @param state       the committed state as stored (UTF-8 JSON with the recommended codec); empty if never committed
 * @param loaded      whether it is in memory now (false: hibernated)
 * @param queued      triggers waiting in its mailbox
 * @param connections open connections
 */
public record AgentView(AgentRef agent, Optional<byte[]> state, List<AlarmInfo> alarms, boolean loaded, int queued,
                        int connections) {
    public Optional<String> stateText() {
        return state.map(s -> new String(s, StandardCharsets.UTF_8));
    }
}
