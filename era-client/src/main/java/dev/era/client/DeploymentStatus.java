package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.api.AppStatus;

import java.util.List;

/**
 * A deployment with what its engine observes now and the end of its output.
 *
 * @param json the daemon's JSON, for tools that pass it on unchanged
 */
public record DeploymentStatus(Deployment deployment, AppStatus observed, List<String> logTail, JsonNode json) {
    public DeploymentStatus {
        logTail = List.copyOf(logTail);
    }
}
