package dev.era.daemon;

import dev.era.engine.agents.AgentsEngine;
import dev.era.engine.agents.ServedType;
import dev.era.http.AgentDirectory;

import java.util.List;
import java.util.Optional;

/** The HTTP API's view of the agent types that the agents engine serves now. */
record EngineAgentDirectory(AgentsEngine engine) implements AgentDirectory {
    @Override
    public Optional<Served> find(String type) {
        return engine.find(type).map(EngineAgentDirectory::served);
    }

    @Override
    public List<Served> all() {
        return engine.served().stream().map(EngineAgentDirectory::served).toList();
    }

    private static Served served(ServedType t) {
        return new Served(t.type(), t.deployment(), t.runtime());
    }
}
