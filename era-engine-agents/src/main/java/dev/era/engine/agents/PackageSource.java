package dev.era.engine.agents;

import dev.era.api.InvalidSpecException;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/** Where a spec's {@code artifact} says the agent package (a jar) comes from. */
sealed interface PackageSource {
    /** A jar on this host. */
    record Local(Path path) implements PackageSource {}

    /** A jar served over http or https, downloaded by {@code fetch}. */
    record Remote(URI uri) implements PackageSource {}

    static PackageSource of(String artifact) {
        if (artifact.isBlank()) {
            throw new InvalidSpecException("artifact", "is empty; give the agent package to run: an absolute path, a "
                    + "file: URL or an http(s) URL of a .jar whose META-INF/services/dev.era.agent.AgentPackage names "
                    + "its packages");
        }
        int colon = artifact.indexOf(':');
        String scheme = colon > 0 && !artifact.startsWith("/") ? artifact.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        return switch (scheme) {
            case "" -> {
                Path p = Path.of(artifact);
                if (!p.isAbsolute()) {
                    throw notUnderstood(artifact);
                }
                yield new Local(p.normalize());
            }
            case "file" -> {
                try {
                    yield new Local(Path.of(URI.create(artifact)).normalize());
                } catch (IllegalArgumentException e) {
                    throw new InvalidSpecException("artifact", "'" + artifact + "' is not a valid file: URL ("
                            + e.getMessage() + "); write it as file:///absolute/path/agents.jar");
                }
            }
            case "http", "https" -> {
                try {
                    URI uri = URI.create(artifact);
                    if (uri.getHost() == null) {
                        throw new IllegalArgumentException("it names no host");
                    }
                    yield new Remote(uri);
                } catch (IllegalArgumentException e) {
                    throw new InvalidSpecException("artifact", "'" + artifact + "' is not a valid URL (" + e.getMessage()
                            + "); write it as https://host/path/agents.jar");
                }
            }
            default -> throw notUnderstood(artifact);
        };
    }

    private static InvalidSpecException notUnderstood(String artifact) {
        return new InvalidSpecException("artifact", "'" + artifact + "' is neither an absolute path nor a file:, http: "
                + "or https: URL; the agents engine loads a .jar from this host or from a web server");
    }
}
