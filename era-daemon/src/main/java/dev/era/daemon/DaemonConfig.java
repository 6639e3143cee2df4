package dev.era.daemon;

import dev.era.snapshot.s3.S3Config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The daemon's settings, read once at start and frozen.
 *
 * @param dataDir        where the store, the socket and the deployments' files live
 * @param tcpHost        TCP listen address; empty disables TCP
 * @param tcpPort        TCP port (0 = any free port)
 * @param reconcileEvery how often the reconciler compares desired with observed state
 * @param warmPool       sandboxes kept started ahead of demand (0 disables the warm pool)
 * @param s3             where snapshot archives go when not in the data directory
 * @param registryAuth   the registry credentials file (Docker's config.json form) the oci engine pulls with
 * @param storeUrl       the PostgreSQL store ({@code postgres://user:password@host:port/database}); empty for
 *                       the embedded SQLite store {@code era.db} in the data directory
 */
public record DaemonConfig(Path dataDir, String tcpHost, int tcpPort, Duration reconcileEvery, int warmPool,
                           Optional<S3Config> s3, Path registryAuth, Optional<String> storeUrl) {
    public static final int DEFAULT_PORT = 7878;
    public static final int DEFAULT_WARM_POOL = 2;
    /** The registry credentials file in the data directory, unless {@code ERA_REGISTRY_AUTH} names another. */
    public static final String REGISTRY_AUTH = "registries.json";

    public DaemonConfig(Path dataDir, String tcpHost, int tcpPort, Duration reconcileEvery) {
        this(dataDir, tcpHost, tcpPort, reconcileEvery, DEFAULT_WARM_POOL, Optional.empty(), dataDir.resolve(REGISTRY_AUTH),
                Optional.empty());
    }

    /**
     * Sandbox settings from the environment, read once at start: {@code ERA_WARM_POOL}, and
     * {@code ERA_S3_ENDPOINT}, {@code ERA_S3_BUCKET}, {@code ERA_S3_REGION}, {@code ERA_S3_ACCESS_KEY},
     * {@code ERA_S3_SECRET_KEY} for snapshots in an S3-compatible store; {@code ERA_REGISTRY_AUTH} for a registry
     * credentials file other than {@code <data>/registries.json} (such as {@code ~/.docker/config.json});
     * {@code ERA_STORE} for the PostgreSQL store's URL, unless {@link #withStoreUrl} set one.
     *
     * @throws DaemonStartException when a variable has a bad value
     */
    public DaemonConfig withEnvironment(Map<String, String> env) {
        int pool = warmPool;
        String p = env.get("ERA_WARM_POOL");
        if (p != null && !p.isBlank()) {
            try {
                pool = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                pool = -1;
            }
            if (pool < 0 || pool > 64) {
                throw new DaemonStartException("ERA_WARM_POOL must be a number from 0 to 64, got '" + p + "'", null);
            }
        }
        Optional<S3Config> store = s3;
        String endpoint = env.get("ERA_S3_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) {
            try {
                store = Optional.of(new S3Config(URI.create(endpoint.trim()), env.getOrDefault("ERA_S3_REGION",
                        "us-east-1"), env.getOrDefault("ERA_S3_BUCKET", "era-snapshots"),
                        env.getOrDefault("ERA_S3_ACCESS_KEY", ""), env.getOrDefault("ERA_S3_SECRET_KEY", ""),
                        env.getOrDefault("ERA_S3_PREFIX", ""), Duration.ofMinutes(5)));
            } catch (IllegalArgumentException e) {
                throw new DaemonStartException("the S3 snapshot settings are not usable: " + e.getMessage(), e);
            }
        }
        String auth = env.get("ERA_REGISTRY_AUTH");
        Path registries = auth == null || auth.isBlank() ? registryAuth : Path.of(auth.strip());
        String storeEnv = env.get("ERA_STORE");
        Optional<String> storeAt = storeUrl.isPresent() || storeEnv == null || storeEnv.isBlank() ? storeUrl
                : Optional.of(storeEnv.strip());
        return new DaemonConfig(dataDir, tcpHost, tcpPort, reconcileEvery, pool, store, registries, storeAt);
    }

    /** Keeps the state in the PostgreSQL database at {@code url} instead of era.db. */
    public DaemonConfig withStoreUrl(String url) {
        return new DaemonConfig(dataDir, tcpHost, tcpPort, reconcileEvery, warmPool, s3, registryAuth, Optional.of(url));
    }

    public Path socket() {
        return dataDir.resolve("era.sock");
    }

    public Path database() {
        return dataDir.resolve("era.db");
    }

    /** {@code $ERA_DATA_DIR}, else {@code $XDG_DATA_HOME/era}, else {@code ~/.local/share/era}. */
    public static Path defaultDataDir(Map<String, String> env) {
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
