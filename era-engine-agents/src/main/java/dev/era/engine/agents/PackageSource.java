package dev.era.engine.agents;

import dev.era.api.ArtifactLocation;
import dev.era.api.InvalidSpecException;

/** Where a spec's {@code artifact} says the agent package (a jar) comes from. */
final class PackageSource {
    private PackageSource() {
    }

    static ArtifactLocation of(String artifact) {
        return ArtifactLocation.parse(artifact, "give the agent package to run: an absolute path, a file: URL or an "
                + "http(s) URL of a .jar whose META-INF/services/dev.era.agent.AgentPackage names its packages",
                "agents.jar", (scheme, a) -> notUnderstood(a));
    }

    private static InvalidSpecException notUnderstood(String artifact) {
        return new InvalidSpecException("artifact", "'" + artifact + "' is neither an absolute path nor a file:, http: "
                + "or https: URL; the agents engine loads a .jar from this host or from a web server");
    }
}
