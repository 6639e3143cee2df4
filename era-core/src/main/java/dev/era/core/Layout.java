package dev.era.core;

import dev.era.api.DeploymentId;
import dev.era.api.Workload;

import java.nio.file.Path;

/**
 * Where a deployment's files live under the data directory:
 * {@code deployments/<id>/v<N>} (install), {@code volumes/}, {@code run/}, {@code logs/output.log}.
 */
public record Layout(Path dataDir) {
    public Path deploymentDir(DeploymentId id) {
        return dataDir.resolve("deployments").resolve(id.value());
    }

    public Path logFile(DeploymentId id) {
        return deploymentDir(id).resolve("logs").resolve("output.log");
    }

    public Workload workload(Deployment d) {
        Path base = deploymentDir(d.id());
        return new Workload(d.id(), d.version(), d.spec(), base.resolve("v" + d.version()), base.resolve("volumes"),
                base.resolve("run"), logFile(d.id()));
    }
}
