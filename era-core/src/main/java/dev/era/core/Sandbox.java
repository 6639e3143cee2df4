package dev.era.core;

import dev.era.api.Resources;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A sandbox: an isolated environment for one user or agent. Underneath it is a deployment whose
 * engine has the SANDBOX capability; {@code state} is derived from the deployment's lifecycle state.
 *
 * @param id           {@code sb-} followed by 12 hex digits; the deployment of the same number is its body
 * @param name         optional human name (unique per tenant when given), empty otherwise
 * @param idleTimeout  suspended automatically after this long without activity; zero = never
 * @param fromSnapshot the snapshot its workspace was restored from, or empty
 * @param lastActivity the last exec, file operation or keep-alive
 */
public record Sandbox(String id, String tenant, String name, SandboxState state, String engine, String image,
                      Resources resources, String network, Map<String, String> env, Map<String, String> labels,
                      Duration idleTimeout, String fromSnapshot, String message, Instant createdAt,
                      Instant lastActivity) {
    public Sandbox {
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
    }
}
