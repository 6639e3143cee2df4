package dev.era.engine.wasm;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.ExitListener;
import dev.era.api.InvalidSpecException;
import dev.era.api.RuntimePlugin;
import dev.era.api.Volume;
import dev.era.api.Workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Runs WebAssembly modules built for WASI preview 1 inside the daemon's JVM, on Chicory.
 *
 * <p>The spec's {@code artifact} names the module (an absolute path, a {@code file:} URL or an
 * {@code http(s)} URL); {@code command + args} are its argv (argv[0] is the module's file name when
 * the command is empty), {@code env} its environment, and each volume a preopened directory at its
 * {@code mountPath}. Nothing else of the host is visible to the module: no other files, no sockets,
 * an empty stdin. Its stdout and stderr are appended to the workload's log.
 *
 * <p>Modules are compiled to JVM bytecode once per digest and kept in memory (and on disk), so a
 * second start only instantiates. Limits: {@code resources.memory} caps the module's memory (a module
 * whose declared minimum exceeds it is refused at install); env {@value WasmSpec#TIME_LIMIT_ENV}
 * bounds one run's wall-clock time. Health follows the run's state.
 *
 * <p>Each run is a thread of the daemon, so it ends with the daemon: {@link #recover} after a daemon
 * restart returns empty and the lifecycle starts the work again per its restart policy.
 */
public final class WasmEngine implements RuntimePlugin {
    private final WasmHost host;
    private final WasmConfig config;
    private final Clock clock;

    /** The daemon's engine: runs live in this JVM's {@link WasmHost}. */
    public WasmEngine() {
        this(WasmHost.JVM, WasmConfig.DEFAULT, Clock.systemUTC());
    }

    WasmEngine(WasmHost host, WasmConfig config, Clock clock) {
        this.host = host;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public String name() {
        return WasmHandle.ENGINE;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.WASM, Capability.LOGS, Capability.VOLUME);
    }

    @Override
    public void validate(AppSpec spec) {
        WasmSpec.of(spec, config.defaultMaxMemoryBytes());
    }

    @Override
    public void fetch(Workload workload) {
        WasmSpec spec = WasmSpec.of(workload.spec(), config.defaultMaxMemoryBytes());
        ModuleFiles.fetch(workload, spec.source(), CacheDir.of(workload.installDir()));
    }

    /** Copies the module into the install directory, then parses, checks and compiles it, so that start pays nothing. */
    @Override
    public void install(Workload workload) {
        WasmSpec spec = WasmSpec.of(workload.spec(), config.defaultMaxMemoryBytes());
        Path cache = CacheDir.of(workload.installDir());
        ModuleFiles.Installed file = ModuleFiles.install(workload, spec.source(), cache);
        checkMemory(workload, spec, host.modules().load(key(workload), file, cache, config));
    }

    @Override
    public EngineHandle start(Workload workload, ExitListener onExit) {
        String key = key(workload);
        synchronized (host.lock(key)) {
            Optional<WasmRun> current = host.current(key);
            if (current.isPresent() && current.get().reattach(onExit)) {
                return current.get().handle().encode();
            }
            WasmSpec spec = WasmSpec.of(workload.spec(), config.defaultMaxMemoryBytes());
            ModuleFiles.Installed file = ModuleFiles.installed(workload).orElseThrow(() -> new EngineException(
                    "deployment " + workload.id() + " version " + workload.version() + " has no installed module in "
                            + workload.installDir() + "; install it before starting", Map.of("deployment", workload.id().value())));
            LoadedModule module = host.modules().load(key, file, CacheDir.of(workload.installDir()), config);
            checkMemory(workload, spec, module);
            WasmHandle handle = new WasmHandle(workload.id(), workload.version(), host.newToken());
            Launch launch = new Launch(module, spec, preopens(workload), workload.logFile(),
                    workload.spec().name() + "-" + handle.token());
            WasmRun run = new WasmRun(handle, launch, onExit, clock, config);
            host.register(key, run);
            try {
                run.start(host.timer());
            } catch (OutOfMemoryError | RuntimeException e) { // "unable to create native thread" is an OutOfMemoryError
                host.forget(key);
                throw new EngineException("deployment " + workload.id() + ": cannot start a thread for the module: " + e
                        + "; the daemon is out of threads or memory, stop other work or raise its limits",
                        Map.of("deployment", workload.id().value()), e);
            }
            return handle.encode();
        }
    }

    @Override
    public void stop(EngineHandle handle, Duration grace) {
        WasmHandle h = WasmHandle.decode(handle);
        host.run(h.token()).ifPresent(run -> run.stop(grace));
    }

    @Override
    public void delete(Workload workload) {
        String key = key(workload);
        synchronized (host.lock(key)) {
            host.current(key).ifPresent(run -> run.stop(Objects.requireNonNullElse(workload.spec().stopTimeout(), Duration.ZERO)));
            host.forget(key);
            ModuleFiles.installed(workload).ifPresent(f -> host.modules().release(key, f.sha256()));
            ModuleFiles.delete(workload);
        }
    }

    @Override
    public AppStatus status(EngineHandle handle) {
        WasmHandle h = WasmHandle.decode(handle);
        return host.run(h.token()).map(WasmRun::status).orElseGet(() -> new AppStatus.Gone("no wasm run " + h.token()
                + " in this daemon: a later start replaced it, or it ran in a daemon that has since restarted "
                + "(WASM work runs inside the daemon and ends with it)"));
    }

    /**
     * Reattaches to a run of this JVM. After a daemon restart there is none (the runs were threads of
     * the old daemon), so this returns empty and the lifecycle restarts the work per its restart policy.
     */
    @Override
    public Optional<EngineHandle> recover(EngineHandle handle, Workload workload, ExitListener onExit) {
        WasmHandle h = WasmHandle.decode(handle);
        return host.run(h.token()).filter(run -> run.reattach(onExit)).map(run -> handle);
    }

    private static String key(Workload w) {
        return w.id().value() + "/" + w.version();
    }

    private static void checkMemory(Workload w, WasmSpec spec, LoadedModule module) {
        if (module.minPages() > spec.maxPages()) {
            throw new InvalidSpecException("resources.memory", "module of deployment " + w.id() + " declares at least "
                    + module.minPages() + " pages (" + kib(module.minPages()) + ") of memory, but the limit allows "
                    + spec.maxPages() + " pages (" + kib(spec.maxPages()) + "); raise resources.memory to at least "
                    + kib(module.minPages()), Map.of("minPages", module.minPages(), "maxPages", spec.maxPages()));
        }
    }

    private static String kib(int pages) {
        return (pages * (long) WasmSpec.PAGE >> 10) + " KiB";
    }

    /** The volumes' host directories by guest path, created when missing. */
    private static Map<String, Path> preopens(Workload w) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (Volume v : w.spec().volumes()) {
            Path dir = w.volume(v).toAbsolutePath();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new EngineException("deployment " + w.id() + ": cannot create volume directory " + dir + ": " + e
                        + "; check permissions", Map.of("deployment", w.id().value(), "volume", v.name()), e);
            }
            out.put(v.mountPath(), dir);
        }
        return out;
    }
}
