package dev.era.daemon;

import dev.era.compat.OpenHandsApi;
import dev.era.compat.OpenHandsConfig;
import dev.era.compat.RunLoopApi;
import dev.era.api.Capability;
import dev.era.api.EngineException;
import dev.era.api.ImageCache;
import dev.era.api.RuntimePlugin;
import dev.era.engine.agents.AgentsEngine;
import dev.era.engine.oci.OciEngine;
import dev.era.engine.oci.RegistryCredentials;
import dev.era.core.ApiKeyService;
import dev.era.core.LocalSnapshotStore;
import dev.era.core.RuntimeManager;
import dev.era.core.SandboxConfig;
import dev.era.core.SandboxManager;
import dev.era.core.spi.SnapshotStore;
import dev.era.snapshot.s3.S3SnapshotStore;
import dev.era.core.Scheduler;
import dev.era.http.EraServer;
import dev.era.http.HttpConfig;
import dev.era.core.spi.StateStore;
import dev.era.store.postgres.PostgresConfig;
import dev.era.store.postgres.PostgresStateStore;
import dev.era.store.sqlite.SqliteStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One running ERA daemon: the store, the engines, the runtime manager and the API, started in
 * that order and closed in reverse. Start-up recovers every deployment before the API opens, so
 * the first request already sees reattached work.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private final DataDirLock lock;
    private final StateStore store;
    private final Scheduler scheduler;
    private final RuntimeManager manager;
    private final SandboxManager sandboxes;
    private final EraServer server;
    private final ApiKeyService keys;
    private final AgentsEngine agents;

    private Daemon(DataDirLock lock, StateStore store, Scheduler scheduler, RuntimeManager manager,
                   SandboxManager sandboxes, ApiKeyService keys, EraServer server, AgentsEngine agents) {
        this.lock = lock;
        this.agents = agents;
        this.sandboxes = sandboxes;
        this.store = store;
        this.scheduler = scheduler;
        this.manager = manager;
        this.keys = keys;
        this.server = server;
    }

    /**
     * Starts a daemon. A first start prints the bootstrap API key to {@code out}, once.
     *
     * @throws DaemonStartException when the data directory or the ports cannot be used
     */
    public static Daemon start(DaemonConfig config, PrintStream out) {
        try {
            Files.createDirectories(config.dataDir());
            Files.setPosixFilePermissions(config.dataDir(), PosixFilePermissions.fromString("rwx------"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new DaemonStartException("cannot use data directory " + config.dataDir() + ": " + e.getMessage()
                    + "; pass --data-dir with a writable directory", e);
        }
        DataDirLock lock = DataDirLock.acquire(config.dataDir());
        // Jetty starts beside the store and the recovery (it answers 503 until the API is handed over)
        CompletableFuture<EraServer.Binding> binding = new CompletableFuture<>();
        Thread.ofPlatform().name("era-http-bind").start(() -> {
            try {
                binding.complete(EraServer.bind(new HttpConfig(config.tcpHost(), config.tcpPort(),
                        Optional.of(config.socket()))));
            } catch (Throwable t) {
                binding.completeExceptionally(t);
            }
        });
        Clock clock = Clock.systemUTC();
        StateStore store;
        try {
            store = openStore(config);
        } catch (RuntimeException e) {
            unbind(binding);
            lock.close();
            throw e;
        }
        Scheduler scheduler = Scheduler.system();
        RuntimeManager manager = null;
        SandboxManager sandboxes = null;
        AgentsEngine agents = null;
        try {
            Map<String, RuntimePlugin> engines = engines(config);
            // The agents engine also answers /agents/...: the daemon keeps the one instance the manager drives.
            agents = engines.get("agents") instanceof AgentsEngine a ? a : new AgentsEngine();
            engines.put(agents.name(), agents);
            manager = RuntimeManager.start(store, engines, config.dataDir(), clock, scheduler, config.reconcileEvery(),
                    HaltAtBoundary.fromSystemProperties());
            sandboxes = SandboxManager.recover(manager, store, snapshotStore(config, clock), scheduler, clock,
                    SandboxConfig.defaults().withWarmPool(config.warmPool()).withDefaultEngine(sandboxEngine(manager)));
            ApiKeyService keys = new ApiKeyService(store, clock);
            Optional<String> first = keys.bootstrap();
            // RunLoop's devbox API, so RunLoop's SDKs work against ERA by changing their base URL and key
            RunLoopApi runLoop = RunLoopApi.create(sandboxes, config.dataDir().resolve("compat").resolve("uploads"),
                    "none");
            // OpenHands' remote-runtime API; runtimes listen on this host's ports, reached where the API is
            String host = config.tcpHost().isEmpty() || config.tcpHost().equals("0.0.0.0") || config.tcpHost().equals("::")
                    ? "127.0.0.1" : config.tcpHost();
            OpenHandsApi openHands = OpenHandsApi.create(sandboxes, OpenHandsConfig.defaults().withPublicHost(host)
                    .withImageEngine(hasSandboxEngine(manager, "oci") ? "oci" : ""));
            Optional<ImageCache> images = engines.values().stream().filter(ImageCache.class::isInstance)
                    .map(ImageCache.class::cast).findFirst();
            EngineAgentDirectory directory = new EngineAgentDirectory(agents);
            EraServer server = images.isPresent()
                    ? bound(binding).serve(manager, sandboxes, List.of(runLoop, openHands), keys, images.get(), directory)
                    : bound(binding).serve(manager, sandboxes, List.of(runLoop, openHands), keys, directory);
            sandboxes.fillWarmPool(); // after the API is up: pool sandboxes are not part of the daemon's start
            first.ifPresent(key -> out.println("""
                    First start: this is the admin API key for TCP clients. It is shown once and stored only as a hash.
                      %s
                    Use it as `--api-key` (or ERA_API_KEY) with --url http://%s:%d; the Unix socket needs no key."""
                    .formatted(key, config.tcpHost(), server.tcpPort())));
            LOG.info("ERA ready: socket {}, tcp {}:{}, data {} ({} ms after the process started)", config.socket(),
                    config.tcpHost(), server.tcpPort(), config.dataDir(), sinceProcessStart());
            return new Daemon(lock, store, scheduler, manager, sandboxes, keys, server, agents);
        } catch (RuntimeException e) {
            unbind(binding);
            if (sandboxes != null) {
                sandboxes.close();
            }
            if (manager != null) {
                manager.close();
            }
            if (agents != null) {
                agents.close();
            }
            scheduler.close();
            store.close();
            lock.close();
            throw e;
        }
    }

    /** The embedded SQLite store in the data directory, or the PostgreSQL store the configuration names. */
    private static StateStore openStore(DaemonConfig config) {
        if (config.storeUrl().isEmpty()) {
            return SqliteStateStore.open(config.database());
        }
        PostgresConfig pg;
        try {
            pg = PostgresConfig.parse(config.storeUrl().get());
        } catch (IllegalArgumentException e) {
            throw new DaemonStartException("the store URL (--store-url or ERA_STORE) is not usable: " + e.getMessage(), e);
        }
        PostgresStateStore store = PostgresStateStore.open(pg);
        LOG.info("state store: PostgreSQL {}", store.describe());
        return store;
    }

    /**
     * The engines on the class path; the oci engine as the daemon configures it: its image store in the
     * data directory (which also serves {@code /images}) and the registry credentials file.
     */
    private static Map<String, RuntimePlugin> engines(DaemonConfig config) {
        Map<String, RuntimePlugin> engines = new TreeMap<>(RuntimeManager.loadEngines());
        if (engines.get("oci") instanceof OciEngine) {
            RegistryCredentials credentials;
            try {
                credentials = RegistryCredentials.load(config.registryAuth());
            } catch (EngineException e) {
                throw new DaemonStartException(e.getMessage(), e);
            }
            engines.put("oci", OciEngine.create(config.dataDir(), credentials));
            if (!credentials.registries().isEmpty()) {
                LOG.info("registry credentials for {} from {}", credentials.registries(), config.registryAuth());
            }
        }
        return engines;
    }

    /** The started server; a taken port, another daemon on the socket or a socket path too long says which. */
    private static EraServer.Binding bound(CompletableFuture<EraServer.Binding> binding) {
        try {
            return binding.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException || cause instanceof IllegalStateException
                    || cause instanceof IllegalArgumentException) {
                throw new DaemonStartException(cause.getMessage(), cause);
            }
            throw cause instanceof RuntimeException r ? r : e;
        }
    }

    /** After a failed start: the server, if it came up, stops and its socket file goes. */
    private static void unbind(CompletableFuture<EraServer.Binding> binding) {
        try {
            binding.join().close();
        } catch (CompletionException e) {
            // it never came up
        }
    }

    /** For the log line: the JVM's (and launcher's) start to ready, as an operator would time it. */
    private static long sinceProcessStart() {
        return ProcessHandle.current().info().startInstant()
                .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toMillis()).orElse(-1L);
    }

    /**
     * The process engine is ERA's default sandbox engine (ARCHITECTURE.md); without this the first
     * sandbox-capable engine by name would be, which is the OCI engine, and it needs an image.
     * Sandboxes that name an engine (oci with an image) still get it.
     */
    private static String sandboxEngine(RuntimeManager manager) {
        return hasSandboxEngine(manager, "process") ? "process" : "";
    }

    private static boolean hasSandboxEngine(RuntimeManager manager, String name) {
        return manager.plugins().stream().anyMatch(p -> p.name().equals(name)
                && p.capabilities().contains(Capability.SANDBOX));
    }

    /** Snapshot archives go to the data directory unless an S3-compatible store is configured. */
    private static SnapshotStore snapshotStore(DaemonConfig config, Clock clock) {
        return config.s3().<SnapshotStore>map(s3 -> new S3SnapshotStore(s3, clock))
                .orElseGet(() -> new LocalSnapshotStore(config.dataDir().resolve("snapshots")));
    }

    public int tcpPort() {
        return server.tcpPort();
    }

    public RuntimeManager manager() {
        return manager;
    }

    public ApiKeyService keys() {
        return keys;
    }

    @Override
    public void close() {
        server.close();
        sandboxes.close();
        manager.close();
        agents.close();
        scheduler.close();
        store.close();
        lock.close();
    }
}
