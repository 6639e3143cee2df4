package dev.era.engine.agents;

import dev.era.agents.AgentRuntime;
import dev.era.api.DeploymentId;

/**
 * One agent type being served: the deployment whose package registered it and the runtime its
 * agents live in. The HTTP API routes {@code /agents/{type}/...} through these.
 */
public record ServedType(String type, DeploymentId deployment, AgentRuntime runtime) {}
