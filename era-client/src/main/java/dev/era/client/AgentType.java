package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An agent type being served, as {@code GET /agents} lists it.
 *
 * @param deployment     the id of the deployment whose package registered the type
 * @param deploymentName its name
 * @param json           the daemon's JSON, with the runtime's counters under {@code stats}
 */
public record AgentType(String type, String deployment, String deploymentName, long loaded, long ticks,
                        JsonNode json) {}
