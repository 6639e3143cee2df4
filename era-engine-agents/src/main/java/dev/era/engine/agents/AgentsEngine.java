package dev.era.engine.agents;

import dev.era.agent.AgentPackage;
import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.ExitListener;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code engine: agents}: runs an agent package on the Local agent runtime inside the daemon.
 *
 * <p>The spec's {@code artifact} is the package's jar (an absolute path, a {@code file:} URL or an
 * {@code http(s)} URL). The jar names its {@link AgentPackage} implementations in
 * {@code META-INF/services/dev.era.agent.AgentPackage}, as {@link java.util.ServiceLoader} reads
 * them; each registers its agent types. The jar is loaded in its own class loader that sees only
 * the Java platform and {@code dev.era.agent}, so it must contain every other class it uses.
 *
 * <p>One deployment is one runtime with one SQLite file ({@code volumes/agents.db} of the
 * deployment): its agents' state, KV, alarms and dead letters survive stops, daemon restarts and
 * new versions, and go with the deployment when it is removed. Agent type names are unique in the
 * daemon: a package that registers a type another deployment serves fails to start, naming it.
 *
 * <p>The work is in-process, so nothing survives a daemon restart but the SQLite file: {@link #recover}
 * loads the package again (and alarms that fell due meanwhile fire), rather than reporting the
 * work gone. Limits come from {@code env}: {@value AgentsSpec#IDLE_ENV}, {@value AgentsSpec#MAX_ACTIVE_ENV},
 * {@value AgentsSpec#MAX_TICK_ENV}.
 */
public final class AgentsEngine implements RuntimePlugin, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentsEngine.class);

    private final Clock clock;
    private final AtomicLong tokens = new AtomicLong(System.nanoTime());
    private final Map<DeploymentId, Loaded> loaded = new HashMap<>();
    /** Read on every agent request without the lock; written under it. */
    private final Map<String, ServedType> served = new ConcurrentHashMap<>();

    public AgentsEngine() {
        this(Clock.systemUTC());
    }

    AgentsEngine(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return AgentHandle.ENGINE;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.noneOf(Capability.class);
    }

    @Override
    public void validate(AppSpec spec) {
        AgentsSpec.of(spec);
    }

    @Override
    public void fetch(Workload workload) {
        PackageJar.fetch(workload, AgentsSpec.of(workload.spec()).source());
    }

    @Override
    public void install(Workload workload) {
        PackageJar.install(workload, AgentsSpec.of(workload.spec()).source());
    }

    /**
     * Loads the package and opens its runtime; returns the current handle when this version is
     * already loaded. A different version of the same deployment is closed first (its agents'
     * state is in the shared file, so the new version picks it up).
     */
    @Override
    public synchronized EngineHandle start(Workload workload, ExitListener onExit) {
        Loaded current = loaded.get(workload.id());
        if (current != null && current.handle().version() == workload.version()) {
            return current.handle().encode();
        }
        if (current != null) {
            unload(current);
        }
        AgentsSpec spec = AgentsSpec.of(workload.spec());
        Path jar = PackageJar.installed(workload);
        if (!Files.isRegularFile(jar)) {
            throw PackageJar.failure(workload, "has no installed package in " + workload.installDir()
                    + "; install it before starting", null);
        }
        PackageLoader packageLoader = PackageLoader.open(workload, jar);
        try {
            EraAgents.Builder builder = EraAgents.local(database(workload));
            spec.idleTimeout().ifPresent(builder::idleTimeout);
            spec.maxActive().ifPresent(builder::maxActiveAgents);
            spec.maxTick().ifPresent(builder::maxTickDuration);
            List<String> types = register(workload, builder, packageLoader.packages());
            AgentRuntime runtime = builder.start();
            AgentHandle handle = new AgentHandle(workload.id(), workload.version(), tokens.incrementAndGet());
            Loaded now = new Loaded(handle, runtime, packageLoader, types, clock.instant());
            loaded.put(workload.id(), now);
            types.forEach(t -> served.put(t, new ServedType(t, workload.id(), runtime)));
            LOG.info("deployment {} v{} serves agent types {}", workload.id(), workload.version(), types);
            return handle.encode();
        } catch (RuntimeException e) {
            packageLoader.close();
            throw e instanceof EngineException ? e : PackageJar.failure(workload, "cannot start the agent runtime: "
                    + e.getMessage(), e);
        }
    }

    private List<String> register(Workload w, EraAgents.Builder builder, List<AgentPackage> packages) {
        List<String> types = new ArrayList<>();
        for (AgentPackage p : packages) {
            try {
                p.register((type, factory) -> {
                    ServedType other = served.get(type);
                    if (other != null && !other.deployment().equals(w.id())) {
                        throw PackageJar.failure(w, "agent type '" + type + "' is already served by deployment "
                                + other.deployment() + "; remove that deployment or rename the type in this package",
                                null);
                    }
                    builder.register(type, factory);
                    types.add(type);
                });
            } catch (IllegalArgumentException e) {
                throw PackageJar.failure(w, p.getClass().getName() + " registered a bad agent type: " + e.getMessage(), e);
            }
        }
        if (types.isEmpty()) {
            throw PackageJar.failure(w, "its packages registered no agent type; call types.add(name, factory) in "
                    + "AgentPackage.register", null);
        }
        return List.copyOf(types);
    }

    private static Path database(Workload w) {
        try {
            Files.createDirectories(w.volumesDir());
        } catch (IOException e) {
            throw PackageJar.failure(w, "cannot create " + w.volumesDir() + ": " + e, e);
        }
        return PackageJar.database(w);
    }

    /** Closes the runtime (ticks in progress commit first); {@code grace} is not needed, closing is bounded. */
    @Override
    public synchronized void stop(EngineHandle handle, Duration grace) {
        AgentHandle h = AgentHandle.decode(handle);
        Loaded current = loaded.get(h.deployment());
        if (current != null && current.handle().token() == h.token()) {
            unload(current);
        }
    }

    private void unload(Loaded l) {
        loaded.remove(l.handle().deployment());
        l.types().forEach(t -> served.remove(t, new ServedType(t, l.handle().deployment(), l.runtime())));
        l.close();
        LOG.info("deployment {} v{} no longer serves agent types {}", l.handle().deployment(), l.handle().version(),
                l.types());
    }

    @Override
    public synchronized void delete(Workload workload) {
        Loaded current = loaded.get(workload.id());
        if (current != null && current.handle().version() == workload.version()) {
            unload(current);
        }
        PackageJar.delete(workload);
    }

    @Override
    public synchronized AppStatus status(EngineHandle handle) {
        AgentHandle h = AgentHandle.decode(handle);
        Loaded current = loaded.get(h.deployment());
        if (current != null && current.handle().token() == h.token()) {
            return new AppStatus.Running(0, current.startedAt());
        }
        return new AppStatus.Gone("agent package of deployment " + h.deployment() + " v" + h.version()
                + " is not loaded: it was stopped, or a later start replaced it");
    }

    /**
     * Loads the package again: its runtime lived in the daemon that stopped, but everything its
     * agents committed is in the SQLite file, so a fresh load is the same work resumed. Returns empty
     * (and the restart policy decides) only when the package cannot be loaded.
     */
    @Override
    public Optional<EngineHandle> recover(EngineHandle handle, Workload workload, ExitListener onExit) {
        AgentHandle h = AgentHandle.decode(handle);
        synchronized (this) {
            Loaded current = loaded.get(h.deployment());
            if (current != null && current.handle().token() == h.token()) {
                return Optional.of(handle);
            }
        }
        try {
            return Optional.of(start(workload, onExit));
        } catch (EngineException e) {
            LOG.warn("cannot load the agent package of deployment {} again after a restart: {}", workload.id(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Closes every loaded runtime as the daemon stops (ticks in progress commit first). The handles
     * stay in the daemon's store, so the next daemon's {@link #recover} loads the packages again.
     */
    @Override
    public synchronized void close() {
        for (Loaded l : List.copyOf(loaded.values())) {
            try {
                unload(l);
            } catch (RuntimeException e) {
                LOG.warn("closing the agents of deployment {} failed: {}", l.handle().deployment(), e.toString());
            }
        }
    }

    /** The deployment serving {@code type} now, if any. Lock-free: called on every agent request. */
    public Optional<ServedType> find(String type) {
        return Optional.ofNullable(served.get(type));
    }

    /** Every type served now, by name. */
    public List<ServedType> served() {
        return served.values().stream().sorted(Comparator.comparing(ServedType::type)).toList();
    }
}
