package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.HealthCheck;
import dev.era.api.Probe;
import dev.era.api.Workload;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a deployment's files live under the data directory:
 * {@code deployments/<id>/v<N>} (install), {@code volumes/}, {@code run/v<N>}, {@code logs/output.log}.
 * Each version has its own install and run directory, so two versions can run side by side.
 */
public record Layout(Path dataDir) {
    public Path deploymentDir(DeploymentId id) {
        return dataDir.resolve("deployments").resolve(id.value());
    }

    public Path logFile(DeploymentId id) {
        return deploymentDir(id).resolve("logs").resolve("output.log");
    }

    /** The serving version's workload. */
    public Workload workload(Deployment d) {
        return workload(d.id(), d.version(), d.spec(), d.port());
    }

    /**
     * One version's workload. With a public port in the spec, the version gets {@code $PORT} and
     * a health probe of the public port checks the version's own port instead.
     */
    public Workload workload(DeploymentId id, int version, AppSpec spec, int port) {
        Path base = deploymentDir(id);
        return new Workload(id, version, forPort(spec, port), base.resolve("v" + version), base.resolve("volumes"),
                base.resolve("run").resolve("v" + version), logFile(id));
    }

    static AppSpec forPort(AppSpec spec, int port) {
        if (spec.port() == 0 || port == 0) {
            return spec;
        }
        Map<String, String> env = new HashMap<>(spec.env());
        env.put("PORT", Integer.toString(port));
        HealthCheck h = spec.health();
        Probe probe = switch (h.probe()) {
            case Probe.Http http when http.port() == spec.port() -> new Probe.Http(port, http.path());
            case Probe.Tcp tcp when tcp.port() == spec.port() -> new Probe.Tcp(port);
            default -> h.probe();
        };
        return spec.withEnv(env).withHealth(new HealthCheck(probe, h.initialDelay(), h.interval(), h.timeout(),
                h.successThreshold(), h.failureThreshold(), h.deadline()));
    }
}
