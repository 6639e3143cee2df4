package dev.era.agents.spi;

import dev.era.agent.AgentRef;

import java.util.function.Predicate;

/**
 * What a store shared by several processes (the Server backend) tells the runtime about
 * ownership. The runtime gives itself to the store with {@link AgentStore#attach} when it starts.
 */
public interface AgentHost {
    /**
     * This process now owns the agents that {@code agents} accepts: the runtime reads their alarms
     * and waiting agent messages from the store again and delivers them (the previous owner may
     * have died with them undelivered). Call it after the ownership is in force.
     */
    void acquired(Predicate<AgentRef> agents);

    /** This process no longer owns these agents: the runtime drops the idle ones from memory. */
    void released(Predicate<AgentRef> agents);
}
