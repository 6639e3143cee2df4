package dev.era.core;

import dev.era.api.Resources;
import dev.era.core.spi.SnapshotStore;
import dev.era.testing.FakeSandboxEngine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A sandbox manager over the in-memory store, the fake sandbox engine (host processes) and the
 * manual scheduler: time only moves when a test advances it.
 */
final class SandboxFixture implements AutoCloseable {
    static final Caller ACME = Caller.tenant("acme");
    static final Caller GLOBEX = Caller.tenant("globex");

    final Path dataDir;
    final MemoryStore store = new MemoryStore();
    final ManualScheduler scheduler = new ManualScheduler();
    final SandboxConfig config;
    final SnapshotStore archives;
    FakeSandboxEngine engine;
    RuntimeManager runtime;
    SandboxManager sandboxes;

    SandboxFixture(Path dataDir, SandboxConfig config) {
        this(dataDir, config, new LocalSnapshotStore(dataDir.resolve("snapshots")));
    }

    SandboxFixture(Path dataDir, SandboxConfig config, SnapshotStore archives) {
        this.dataDir = dataDir;
        this.config = config;
        this.archives = archives;
        this.engine = new FakeSandboxEngine(scheduler.clock);
        start();
    }

    /** No warm pool, no idle timeout, the fake engine, small limits. */
    static SandboxConfig config() {
        return SandboxConfig.defaults().withWarmPool(0).withDefaultEngine(FakeSandboxEngine.NAME)
                .withDefaultIdleTimeout(Duration.ZERO);
    }

    private void start() {
        runtime = RuntimeManager.start(store, Map.of(FakeSandboxEngine.NAME, engine), dataDir, scheduler.clock,
                scheduler, Duration.ofSeconds(1));
        sandboxes = SandboxManager.start(runtime, store, archives, scheduler, scheduler.clock, config);
    }

    /** A daemon restart: the managers are dropped, the store and the running work stay. */
    void restart() {
        sandboxes.close();
        runtime.close();
        engine = engine.restarted();
        start();
    }

    Sandbox create(Caller caller) {
        return sandboxes.create(caller, SandboxRequest.defaults());
    }

    static SandboxRequest request(String name, Map<String, String> env, Duration idle) {
        return new SandboxRequest(name, "", "", Resources.UNLIMITED, "none", env, Map.of(), idle, "", List.of());
    }

    static SandboxRequest fromSnapshot(String snapshotId) {
        return new SandboxRequest("", "", "", Resources.UNLIMITED, "none", Map.of(), Map.of(), Duration.ZERO,
                snapshotId, List.of());
    }

    Execution sh(Caller caller, String sandbox, String command) {
        return sandboxes.execSync(caller, sandbox, ExecRequest.of(command));
    }

    Path workspace(Sandbox s) {
        return dataDir.resolve("deployments").resolve("d-" + s.id().substring(3)).resolve("volumes").resolve("workspace");
    }

    /** Waits (on real time, bounded) until the supplier's value matches; fails with what it saw. */
    static <T> T until(Supplier<T> value, Predicate<T> condition) {
        long end = System.nanoTime() + 10_000_000_000L;
        T last = null;
        while (System.nanoTime() < end) {
            last = value.get();
            if (condition.test(last)) {
                return last;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("condition not met; last seen: " + last);
    }

    Sandbox until(Caller caller, String id, SandboxState state) {
        return until(() -> sandboxes.get(caller, id), s -> s.state() == state);
    }

    /**
     * Moves the clock by {@code step} until the sandbox is in {@code state}: timers re-arm on worker
     * threads, so a single advance could come before the timer it means to fire exists.
     */
    Sandbox advanceUntil(Caller caller, String id, SandboxState state, Duration step) {
        long end = System.nanoTime() + 10_000_000_000L;
        Sandbox s = sandboxes.get(caller, id);
        while (s.state() != state && System.nanoTime() < end) {
            scheduler.advance(step);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            s = sandboxes.get(caller, id);
        }
        if (s.state() != state) {
            throw new AssertionError("sandbox " + id + " did not become " + state + "; last seen " + s);
        }
        return s;
    }

    @Override
    public void close() {
        for (Sandbox s : sandboxes.list(Caller.ADMIN)) {
            try {
                sandboxes.delete(Caller.ADMIN, s.id());
            } catch (RuntimeException ignored) {
                // best effort: the temp directory goes anyway, and the fake kills what it started
            }
        }
        engine.killEverything();
        sandboxes.close();
        runtime.close();
        scheduler.close();
    }
}
