package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.core.LifecycleTable.Transition;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/** A RuntimeManager over the in-memory store, the scripted engine and the manual scheduler. */
final class Fixture implements AutoCloseable {
    final MemoryStore store;
    final ScriptedEngine engine;
    final ManualScheduler scheduler;
    final Path dataDir;
    final Set<Transition> visited;
    RuntimeManager manager;
    private volatile LifecycleState pauseAt;
    private volatile CountDownLatch pause;

    Fixture(Path dataDir, Set<Transition> visited) {
        this(new MemoryStore(), new ScriptedEngine(), new ManualScheduler(), dataDir, visited);
    }

    private Fixture(MemoryStore store, ScriptedEngine engine, ManualScheduler scheduler, Path dataDir,
                    Set<Transition> visited) {
        this.store = store;
        this.engine = engine;
        this.scheduler = scheduler;
        this.dataDir = dataDir;
        this.visited = visited;
        start();
    }

    static Fixture create(Path dataDir) {
        return new Fixture(dataDir, ConcurrentHashMap.newKeySet());
    }

    /** Starts (or, after {@link #crash}, restarts) the manager on the same store and engine. */
    void start() {
        manager = RuntimeManager.start(store, Map.of("scripted", engine), dataDir, scheduler.clock, scheduler,
                Duration.ofMillis(500));
        manager.controller().observe(t -> {
            visited.add(t);
            CountDownLatch p = pause;
            if (p != null && t.to() == pauseAt) {
                try {
                    p.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    /** Forgets the manager as a kill -9 would; store and engine (the host) stay. */
    void crash() {
        manager.close();
    }

    /** The next transition into {@code state} holds its mailbox until {@link #release}. */
    void pauseOn(LifecycleState state) {
        pauseAt = state;
        pause = new CountDownLatch(1);
    }

    void release() {
        CountDownLatch p = pause;
        pause = null;
        if (p != null) {
            p.countDown();
        }
    }

    static AppSpec spec(String name, String extra) {
        return SpecCodec.parse("name: " + name + "\nengine: scripted\ncommand: [app]\n" + extra);
    }

    Deployment deploy(String name, String extra) {
        return manager.deploy(Caller.ADMIN, spec(name, extra));
    }

    Deployment get(String name) {
        return manager.get(Caller.ADMIN, name);
    }

    /** Waits (on real time, bounded) until the deployment matches; fails with what it saw. */
    Deployment until(String name, Predicate<Deployment> condition) {
        long end = System.nanoTime() + 5_000_000_000L;
        Deployment d = null;
        while (System.nanoTime() < end) {
            try {
                d = get(name);
            } catch (dev.era.api.NotFoundException e) {
                d = null;
            }
            if (d != null && condition.test(d)) {
                return d;
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError("condition not met for " + name + "; last seen: "
                + (d == null ? "none" : d.state() + " " + d.message()));
    }

    Deployment until(String name, LifecycleState state) {
        return until(name, d -> d.state() == state);
    }

    /**
     * Moves the clock by {@code step} until the deployment matches: a timer (backoff, probe) is
     * armed by an action that runs just after the state becomes visible, so one move could come
     * too early.
     */
    Deployment advanceUntil(String name, Duration step, Predicate<Deployment> condition) {
        for (int i = 0; i < 200; i++) {
            Deployment d = get(name);
            if (condition.test(d)) {
                return d;
            }
            scheduler.advance(step);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return until(name, condition);
    }

    void untilGone(String name) {
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            if (manager.list(Caller.ADMIN).stream().noneMatch(d -> d.name().equals(name))) {
                return;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError(name + " was not removed");
    }

    @Override
    public void close() {
        release();
        manager.close();
        scheduler.close();
    }
}
