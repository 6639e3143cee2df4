package dev.era.core;

import dev.era.api.AppStatus;

import java.util.List;

/**
 * A deployment with what its engine observes now and the end of its log.
 *
 * @param observed what the engine sees (running with pid, exited, gone)
 * @param logTail  the last lines of the app's output
 */
public record DeploymentStatus(Deployment deployment, AppStatus observed, List<String> logTail) {}
