package dev.era.engine.agents;

import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The engine handle's content: which deployment version, and which load of it (a token per start). */
record AgentHandle(DeploymentId deployment, int version, long token) {
    static final String ENGINE = "agents";

    EngineHandle encode() {
        return new EngineHandle(ENGINE, (deployment.value() + "/" + version + "/" + token).getBytes(StandardCharsets.UTF_8));
    }

    static AgentHandle decode(EngineHandle h) {
        String[] parts = new String(h.data(), StandardCharsets.UTF_8).split("/");
        try {
            return new AgentHandle(new DeploymentId(parts[0]), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
        } catch (RuntimeException e) {
            throw new EngineException("the handle " + h + " was not made by the agents engine; it cannot be used",
                    Map.of("engine", h.engine()), e);
        }
    }
}
