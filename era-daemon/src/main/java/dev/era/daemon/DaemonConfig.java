package dev.era.daemon;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The daemon's settings, read once at start and frozen.
 *
 * @param dataDir        where the store, the socket and the deployments' files live
 * @param tcpHost        TCP listen address; empty disables TCP
 * @param tcpPort        TCP port (0 = any free port)
 * @param reconcileEvery how often the reconciler compares desired with observed state
 */
public record DaemonConfig(Path dataDir, String tcpHost, int tcpPort, Duration reconcileEvery) {
    public static final int DEFAULT_PORT = 7878;

    public Path socket() {
        return dataDir.resolve("era.sock");
    }

    public Path database() {
        return dataDir.resolve("era.db");
    }

    /** {@code $ERA_DATA_DIR}, else {@code $XDG_DATA_HOME/era}, else {@code ~/.local/share/era}. */
    public static Path defaultDataDir(java.util.Map<String, String> env) {
        String explicit = env.get("ERA_DATA_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "era");
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "era");
    }
}
