package dev.era.engine.wasm;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where WASM work lives: the daemon's JVM. It holds the runs and the loaded modules, and outlives
 * any one engine object, as a machine outlives a process; it dies with the JVM, and with it every
 * run, which is why {@link WasmEngine#recover} finds nothing after a daemon restart.
 *
 * <p>{@link #JVM} is the one the daemon's engine uses; tests make fresh ones to stand for a
 * restarted daemon.
 */
final class WasmHost {
    static final WasmHost JVM = new WasmHost();

    /** Begins every token, so that a handle from another JVM's run never matches one of ours. */
    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong sequence = new AtomicLong();
    private final ModuleCache modules = new ModuleCache();
    /** workload key ({@code <deployment>/<version>}) to its latest run */
    private final Map<String, WasmRun> current = new ConcurrentHashMap<>();
    /** token to run, for the runs still in {@link #current} */
    private final Map<String, WasmRun> byToken = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService timer;

    ModuleCache modules() {
        return modules;
    }

    String newToken() {
        return id + "-" + sequence.incrementAndGet();
    }

    /** Serialises start, stop and delete of one workload. */
    Object lock(String key) {
        return locks.computeIfAbsent(key, k -> new Object());
    }

    Optional<WasmRun> current(String key) {
        return Optional.ofNullable(current.get(key));
    }

    Optional<WasmRun> run(String token) {
        return Optional.ofNullable(byToken.get(token));
    }

    /** Makes {@code run} the workload's current run; the run it replaces (ended) is forgotten, its handle then reads Gone. */
    void register(String key, WasmRun run) {
        WasmRun previous = current.put(key, run);
        if (previous != null) {
            byToken.remove(previous.handle().token());
        }
        byToken.put(run.handle().token(), run);
    }

    void forget(String key) {
        WasmRun previous = current.remove(key);
        if (previous != null) {
            byToken.remove(previous.handle().token());
        }
    }

    /** One daemon thread for every run's time limit; made on first use. */
    ScheduledExecutorService timer() {
        ScheduledExecutorService t = timer;
        if (t == null) {
            synchronized (this) {
                if (timer == null) {
                    timer = Executors.newSingleThreadScheduledExecutor(
                            Thread.ofPlatform().daemon(true).name("era-wasm-limits").factory());
                }
                t = timer;
            }
        }
        return t;
    }
}
