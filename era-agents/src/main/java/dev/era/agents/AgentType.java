package dev.era.agents;

import dev.era.agent.Agent;

import java.util.function.Supplier;

/** A registered agent type: its name and how to make an instance. */
record AgentType(String name, Supplier<? extends Agent<?>> factory) {
    @SuppressWarnings("unchecked")
    Agent<Object> create() {
        Agent<?> agent = factory.get();
        if (agent == null) {
            throw new IllegalStateException("The factory of agent type '" + name + "' returned null; it must return a new Agent");
        }
        return (Agent<Object>) agent;
    }
}
