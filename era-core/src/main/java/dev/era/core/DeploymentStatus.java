package dev.era.core;

import dev.era.api.AppStatus;

import java.util.List;

/**
 * A deployment with what its engine observes now and the end of its log.
 *
 * @param observed what the engine sees (running with pid, exited, gone)
 * @param logTail  the last lines of the app's output
 * @param drift    differences made outside ERA that the reconciler sees now
 */
public record DeploymentStatus(Deployment deployment, AppStatus observed, List<String> logTail, List<Drift> drift) {
    public DeploymentStatus {
        logTail = List.copyOf(logTail);
        drift = List.copyOf(drift);
    }

    public DeploymentStatus(Deployment deployment, AppStatus observed, List<String> logTail) {
        this(deployment, observed, logTail, List.of());
    }
}
