package dev.era.agents.spi;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;

/** An alarm together with the agent it belongs to. */
public record DueAlarm(AgentRef agent, AlarmInfo alarm) {
}
