package dev.era.agents.examples;

import dev.era.agent.AgentPackage;

/** The example agents as a package: {@code counter}, {@code chat} and {@code reminder}. */
public final class ExampleAgents implements AgentPackage {
    @Override
    public void register(Types types) {
        types.add("counter", CounterAgent::new);
        types.add("chat", ChatRoomAgent::new);
        types.add("reminder", ReminderAgent::new);
    }
}
