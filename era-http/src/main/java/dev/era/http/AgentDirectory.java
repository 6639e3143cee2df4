package dev.era.http;

import dev.era.agents.AgentRuntime;
import dev.era.api.DeploymentId;

import java.util.List;
import java.util.Optional;

/**
 * Where {@code /agents/{type}/...} finds the runtime of an agent type: the daemon answers from
 * the agent packages deployed as {@code engine: agents}. Lookups run on every agent request and
 * must not block.
 */
public interface AgentDirectory {
    /** The deployment serving {@code type} now, if any. */
    Optional<Served> find(String type);

    /** Every type served now, sorted by type. */
    List<Served> all();

    /** One agent type, the deployment whose package registered it (which decides who may see it), and its runtime. */
    record Served(String type, DeploymentId deployment, AgentRuntime runtime) {}
}
