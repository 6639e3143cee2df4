package dev.era.core;

import dev.era.api.DeploymentId;
import dev.era.api.Resources;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What the store keeps of a sandbox beside its deployment: the facts a client gave at creation,
 * which the deployment's spec does not carry. The deployment with the same hex number
 * ({@code sb-X} and {@code d-X}) is the sandbox's body and holds its lifecycle state.
 *
 * @param tenant       the owner; {@link #POOL} while the sandbox waits, unclaimed, in the warm pool
 * @param name         unique per tenant when not empty
 * @param env          applied to every command run in the sandbox (not to its main process when it
 *                     was claimed from the warm pool, which started before the claim)
 * @param idleTimeout  suspended after this long without activity; zero = never
 * @param fromSnapshot the snapshot whose workspace it started with, or empty
 * @param pooled       true while the sandbox is in the warm pool (no tenant sees it)
 */
public record SandboxRecord(String id, String tenant, String name, String engine, String image, Resources resources,
                            String network, Map<String, String> env, Map<String, String> labels,
                            Duration idleTimeout, String fromSnapshot, boolean pooled, Instant createdAt) {
    /** The tenant of warm-pool sandboxes; not a valid tenant name, so no API key can map to it. */
    public static final String POOL = "_pool";

    public SandboxRecord {
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
    }

    /** The id of the deployment that is this sandbox's body. */
    public DeploymentId deployment() {
        return new DeploymentId("d-" + id.substring(3));
    }
}
