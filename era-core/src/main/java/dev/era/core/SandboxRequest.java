package dev.era.core;

import dev.era.api.Resources;

import java.time.Duration;
import java.util.Map;

/**
 * What a client asks for when it creates a sandbox. Checked by the service: a bad value is an
 * {@link dev.era.api.BadRequestException} naming the field.
 *
 * @param engine       engine with the SANDBOX capability; empty = the daemon's default sandbox engine
 * @param image        for engines that run images (oci); empty for the process engine (host /usr)
 * @param network      {@code none} (default) or {@code host}
 * @param idleTimeout  zero = the daemon's default; suspended after this long idle
 * @param fromSnapshot a snapshot id whose workspace the new sandbox starts with, or empty
 * @param command      the sandbox's main process; empty = an idle init that waits for execs
 */
public record SandboxRequest(String name, String engine, String image, Resources resources, String network,
                             Map<String, String> env, Map<String, String> labels, Duration idleTimeout,
                             String fromSnapshot, java.util.List<String> command) {
    public SandboxRequest {
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
        command = java.util.List.copyOf(command);
    }

    public static SandboxRequest defaults() {
        return new SandboxRequest("", "", "", Resources.UNLIMITED, "none", Map.of(), Map.of(), Duration.ZERO, "",
                java.util.List.of());
    }
}
